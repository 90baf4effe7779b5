//! The registry of `Prefill batch` / `Decode batch` fields (formats.md §1.4,
//! §1.5).
//!
//! One definition drives the decoder, the Arrow/Parquet schema, the README's
//! column table and the tests: add a row here and every layer learns the new
//! field. Keys are matched verbatim; keys the registry does not know are kept
//! as "extras" by the decoder, never rejected.

/// How a field's value is printed in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An integer count (`#new-seq: 9`).
    Int,
    /// A decimal (`token usage: 0.01`).
    Float,
    /// `True` / `False`.
    Bool,
    /// A percentage printed with `%` (`cache hit rate: 12.50%`); stored as a
    /// fraction between 0 and 1.
    Percent,
}

/// One known batch-line field.
#[derive(Clone, Copy, Debug)]
pub struct FieldDef {
    /// Column name in tables and Parquet.
    pub column: &'static str,
    /// The keys printed in the log for this field (several spellings over
    /// versions or devices).
    pub keys: &'static [&'static [u8]],
    /// Value type.
    pub kind: FieldKind,
    /// Unit, for reports.
    pub unit: &'static str,
    /// One-line meaning.
    pub doc: &'static str,
}

macro_rules! fields {
    ($( $ident:ident = $col:literal, [$($key:literal),+], $kind:ident, $unit:literal, $doc:literal; )+) => {
        /// Index of a known field in [`FIELDS`] and in a record's value array.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum Field { $($ident,)+ }

        /// Every known field, in column order.
        pub const FIELDS: &[FieldDef] = &[
            $(FieldDef { column: $col, keys: &[$($key),+], kind: FieldKind::$kind, unit: $unit, doc: $doc },)+
        ];

        /// Every field, by index ([`Field`] as `u8` is its index).
        const ALL: &[Field] = &[$(Field::$ident,)+];
    };
}

fields! {
    NewSeq = "new_seq", [b"#new-seq"], Int, "requests", "requests admitted into this prefill batch";
    NewToken = "new_token", [b"#new-token"], Int, "tokens", "prompt tokens computed in this prefill batch";
    CachedToken = "cached_token", [b"#cached-token"], Int, "tokens", "prompt tokens served from the prefix cache";
    CacheHitRate = "cache_hit_rate", [b"cache hit rate"], Percent, "fraction", "cached / (cached + new) tokens (early 2025 builds)";
    TokenUsage = "token_usage", [b"token usage"], Float, "fraction", "KV-cache pool utilisation";
    FullTokenUsage = "full_token_usage", [b"full token usage"], Float, "fraction", "full-attention pool utilisation (hybrid models)";
    SwaTokenUsage = "swa_token_usage", [b"swa token usage"], Float, "fraction", "sliding-window pool utilisation (hybrid SWA models)";
    MambaUsage = "mamba_usage", [b"mamba usage"], Float, "fraction", "Mamba state pool utilisation (hybrid SSM models)";
    GpuTokenUsage = "gpu_token_usage", [b"gpu token usage"], Float, "fraction", "device pool utilisation (HiSparse)";
    CpuTokenUsage = "cpu_token_usage", [b"cpu token usage"], Float, "fraction", "host pool utilisation (HiSparse)";
    NumTokens = "num_tokens", [b"#token"], Int, "tokens", "KV tokens in use (decode)";
    FullTokens = "full_tokens", [b"#full token"], Int, "tokens", "KV tokens in use in the full-attention pool";
    SwaTokens = "swa_tokens", [b"#swa token"], Int, "tokens", "KV tokens in use in the sliding-window pool";
    GpuTokens = "gpu_tokens", [b"#gpu token"], Int, "tokens", "KV tokens on the device (HiSparse)";
    CpuTokens = "cpu_tokens", [b"#cpu token"], Int, "tokens", "KV tokens on the host (HiSparse)";
    MambaNum = "mamba_num", [b"mamba num"], Int, "states", "Mamba states in use";
    RunningReq = "running_req", [b"#running-req"], Int, "requests", "requests in the running batch";
    QueueReq = "queue_req", [b"#queue-req"], Int, "requests", "requests waiting in the queue";
    PendingToken = "pending_token", [b"#pending-token"], Int, "tokens", "tokens waiting in the queue";
    BootstrapReq = "bootstrap_req", [b"#bootstrap-req"], Int, "requests", "prefill: bootstrap queue length (printed as #prealloc-req on prefill lines before 2026)";
    PreallocReq = "prealloc_req", [b"#prealloc-req"], Int, "requests", "decode: pre-allocation queue length";
    InflightReq = "inflight_req", [b"#inflight-req"], Int, "requests", "prefill: requests whose KV transfer to decode is in flight";
    OptimisticReq = "optimistic_req", [b"#optimistic-req"], Int, "requests", "prefill: optimistic admissions";
    TransferReq = "transfer_req", [b"#transfer-req"], Int, "requests", "decode: requests whose KV transfer is in flight";
    RetractedReq = "retracted_req", [b"#retracted-req"], Int, "requests", "decode: retracted-queue length (a current count)";
    WaitingImageReq = "waiting_image_req", [b"waiting-image-req", b"#waiting-image-req"], Int, "requests", "requests waiting for the image encoder";
    PreallocatedUsage = "preallocated_usage", [b"pre-allocated usage"], Float, "fraction", "decode: KV reserved for requests arriving from prefill";
    AcceptLen = "accept_len", [b"accept len"], Float, "tokens/step", "speculative decoding: mean accepted length";
    AcceptRate = "accept_rate", [b"accept rate"], Float, "fraction", "speculative decoding: acceptance rate (definition changed across versions)";
    Graph = "graph", [b"cuda graph", b"cpu graph", b"npu graph", b"musa graph"], Bool, "", "the batch ran under a captured graph";
    InputThroughput = "input_throughput", [b"input throughput (token/s)"], Float, "tokens/s", "prefill tokens per second over the last logging interval";
    GenThroughput = "gen_throughput", [b"gen throughput (token/s)"], Float, "tokens/s", "generated tokens per second since the previous decode line";
    EstPrefillTflops = "est_prefill_tflops", [b"est. prefill TFLOPS/s (per GPU)"], Float, "TFLOP/s", "analytic prefill TFLOPS estimate per GPU";
    EstDecodeTflops = "est_decode_tflops", [b"est. decode TFLOPS/s (per GPU)"], Float, "TFLOP/s", "analytic decode TFLOPS estimate per GPU";
    EstReadBw = "est_read_bw", [b"est. read BW (GB/s per GPU)"], Float, "GB/s", "analytic read bandwidth estimate per GPU";
    EstWriteBw = "est_write_bw", [b"est. write BW (GB/s per GPU)"], Float, "GB/s", "analytic write bandwidth estimate per GPU";
    FwdOccupancy = "fwd_occupancy", [b"fwd occupancy"], Percent, "fraction", "GPU forward occupancy";
    MixedRunningReq = "mixed_running_req", [b"mixed #running-req"], Int, "requests", "running requests of a mixed prefill batch (2024 builds)";
}

/// Number of known fields.
pub const NFIELDS: usize = FIELDS.len();

// The presence mask of a record is a `u64`.
const _: () = assert!(NFIELDS < 64);

/// Maps a printed key to its field (batch-type independent part).
///
/// An open-addressing table of every key, hashed from its first eight bytes
/// and its length, built at compile time: a key is found with one hash and
/// usually one probe. (A `match` over the byte strings compared lengths and
/// bytes key by key, 7 % of a parse's instructions.) A key of up to 16
/// bytes is identified by its length and its first and last eight bytes as
/// two words, without a call to `memcmp`; longer keys are compared past
/// their first eight.
#[inline]
fn lookup_any(key: &[u8]) -> Option<Field> {
    let (head, tail) = match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(h), Some(t)) => (u64::from_le_bytes(*h), u64::from_le_bytes(*t)),
        _ => (head_word(key), 0),
    };
    let mut s = slot_of(head, key.len());
    loop {
        let e = &INDEX[s];
        if e.key.is_empty() {
            return None;
        }
        if e.head == head
            && e.tail == tail
            && e.key.len() == key.len()
            && (key.len() <= 16 || key.get(8..) == e.key.get(8..))
        {
            return ALL.get(usize::from(e.field)).copied();
        }
        s = (s + 1) % SLOTS;
    }
}

/// Slots of [`INDEX`]: a power of two, several times the number of keys so
/// that probe chains stay short and an unknown key soon meets an empty slot.
const SLOTS: usize = 256;

/// One key of [`INDEX`]; an empty key marks an empty slot.
#[derive(Clone, Copy)]
struct Slot {
    head: u64,
    /// The last eight bytes as a word (0 for keys shorter than eight).
    tail: u64,
    key: &'static [u8],
    field: u8,
}

static INDEX: [Slot; SLOTS] = build_index();

/// A key's first eight bytes (zero-padded) and last eight bytes (0 for a
/// key shorter than eight) as little-endian words: how [`INDEX`] and the
/// decode memo's expected keys identify a key.
pub(super) const fn key_words(key: &[u8]) -> (u64, u64) {
    let tail = if key.len() >= 8 {
        let (_, last) = key.split_at(key.len() - 8);
        head_word(last)
    } else {
        0
    };
    (head_word(key), tail)
}

/// The first eight bytes of `key` (zero-padded) as a little-endian word.
const fn head_word(key: &[u8]) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < key.len() && i < 8 {
        w |= (key[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// The home slot of a key (Fibonacci hashing of its head word and length).
const fn slot_of(head: u64, len: usize) -> usize {
    ((head ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize % SLOTS
}

const fn build_index() -> [Slot; SLOTS] {
    let empty = Slot {
        head: 0,
        tail: 0,
        key: &[],
        field: 0,
    };
    let mut t = [empty; SLOTS];
    let mut f = 0;
    while f < FIELDS.len() {
        let keys = FIELDS[f].keys;
        let mut k = 0;
        while k < keys.len() {
            let key = keys[k];
            assert!(!key.is_empty(), "a field key is empty");
            let (head, tail) = key_words(key);
            let mut s = slot_of(head, key.len());
            while !t[s].key.is_empty() {
                s = (s + 1) % SLOTS;
            }
            t[s] = Slot {
                head,
                tail,
                key,
                field: f as u8,
            };
            k += 1;
        }
        f += 1;
    }
    t
}

/// Maps a printed key to its field, knowing the batch type: `#prealloc-req`
/// on a *prefill* line is the bootstrap queue (renamed `#bootstrap-req` in
/// 2026 builds), on a *decode* line the pre-allocation queue (formats.md §1.8).
#[inline]
pub fn lookup(key: &[u8], prefill: bool) -> Option<Field> {
    match lookup_any(key)? {
        Field::PreallocReq if prefill => Some(Field::BootstrapReq),
        f => Some(f),
    }
}

impl Field {
    /// The registry entry of this field.
    pub fn def(self) -> &'static FieldDef {
        &FIELDS[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        for (i, f) in FIELDS.iter().enumerate() {
            for k in f.keys {
                let found = lookup_any(k).map(|f| f as usize);
                assert_eq!(found, Some(i), "{}", String::from_utf8_lossy(k));
            }
        }
        assert_eq!(lookup(b"#prealloc-req", true), Some(Field::BootstrapReq));
        assert_eq!(lookup(b"#prealloc-req", false), Some(Field::PreallocReq));
        assert_eq!(lookup(b"no such key", false), None);
    }

    /// The hashed index answers as a plain search of the registry: for every
    /// key, each of its prefixes and extensions, the same bytes with one
    /// byte changed, and words of every length up to 40.
    #[test]
    fn index_agrees_with_a_linear_search() {
        let naive = |k: &[u8]| {
            FIELDS
                .iter()
                .position(|f| f.keys.contains(&k))
                .map(|i| ALL[i])
        };
        let mut probes: Vec<Vec<u8>> = Vec::new();
        for f in FIELDS {
            for k in f.keys {
                for n in 0..=k.len() {
                    probes.push(k[..n].to_vec());
                }
                probes.push([*k, b" "].concat());
                probes.push([*k, b"s"].concat());
                for i in 0..k.len() {
                    let mut x = k.to_vec();
                    x[i] ^= 0x20;
                    probes.push(x);
                }
            }
        }
        for n in 0..=40 {
            probes.push(vec![b'a'; n]);
            probes.push(vec![0; n]);
        }
        for p in &probes {
            assert_eq!(lookup_any(p), naive(p), "{:?}", String::from_utf8_lossy(p));
        }
        assert_eq!(ALL.len(), FIELDS.len());
        for (i, f) in ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
        }
    }
}
