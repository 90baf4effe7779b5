"""Runs the Python srtlog's parser (ishandhanani/srtlog) on the files given, for
bench/parse.sh. It imports the Python package from PY_SRTLOG_SRC (a checkout's
`src` folder); pandas, used there only for its cache, is stubbed when it is not
installed. Prints MB/s. Not a dependency of srtlog: a measuring stick only.

    PY_SRTLOG_SRC=~/srtlog/src python3 bench/python_srtlog.py logs/*_w*.out
"""
import os
import sys
import time
import types

src = os.environ.get("PY_SRTLOG_SRC")
if not src:
    sys.exit("set PY_SRTLOG_SRC to the Python srtlog's src/ folder")
sys.path.insert(0, src)
try:
    import pandas  # noqa: F401
except ImportError:
    sys.modules["pandas"] = types.ModuleType("pandas")

from srtlog.log_parser import NodeAnalyzer  # noqa: E402

files = sys.argv[1:]
total = sum(os.path.getsize(f) for f in files)
start = time.perf_counter()
batches = 0
for f in files:
    node = NodeAnalyzer().parse_single_log(f)
    batches += len(node.batches) if node else 0
secs = time.perf_counter() - start
print(f"python srtlog: {total / 1e6:.1f} MB, {batches} batches, {secs:.2f} s, {total / 1e6 / secs:.1f} MB/s")
