#!/usr/bin/env python3
"""Writes a tiny offline Hugging Face tokenizer for the AIPerf live test.

AIPerf needs a tokenizer to build prompts and count tokens; its default
fetches one from the network. This word-level tokenizer (whitespace split,
vocabulary `tok0`..`tok999` plus the words AIPerf's prompt corpus uses are
all `[UNK]`) counts one token per word, which matches the test server's
`tok{i} ` chunks exactly. Usage: make_tokenizer.py OUT_DIR
"""

import sys

from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

out = sys.argv[1]
vocab = {"[UNK]": 0, "[PAD]": 1, "[BOS]": 2, "[EOS]": 3}
for i in range(1000):
    vocab[f"tok{i}"] = len(vocab)
tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
fast = PreTrainedTokenizerFast(
    tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", bos_token="[BOS]", eos_token="[EOS]"
)
fast.save_pretrained(out)
