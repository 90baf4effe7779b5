//! What a loop over the lines of one log remembers between lines
//! ([`DecodeMemo`]): the rank tags of recent prefixes and, per batch kind,
//! the registry key each item of the last batch line had.
//!
//! A scheduler prints the same keys in the same order on every batch line,
//! only the values change. So the key of item `k` is first checked against
//! the key item `k` had last time: two word compares and a `:`, instead of
//! searching for the `:` and hashing the key. Nothing is taken on trust: a
//! key that does not match is read the ordinary way, so the memo changes
//! the work, never the result.

use super::fields::{key_words, Field};
use super::prefix::TagMemo;

/// Items of a batch line whose keys are remembered (lines have 8 to 20).
pub(super) const MAX_ITEMS: usize = 32;

/// Memory of the lines decoded so far, for [`super::with_decoded_memo`].
#[derive(Clone, Debug, Default)]
pub struct DecodeMemo {
    pub(super) tags: TagMemo,
    /// The keys of the last prefill (0) and decode (1) line, by item.
    pub(super) shapes: [Shape; 2],
}

/// The registry keys of one line's items, by position.
#[derive(Clone, Debug)]
pub(super) struct Shape([Option<Expect>; MAX_ITEMS]);

impl Default for Shape {
    fn default() -> Self {
        Shape([None; MAX_ITEMS])
    }
}

impl Shape {
    /// The expected key of item `k`, if it is what `s` (the item's text,
    /// to the end of the line) starts with, followed by `:`.
    #[inline]
    pub(super) fn expected(&self, k: usize, s: &[u8]) -> Option<Expect> {
        self.0.get(k).copied().flatten().filter(|e| e.starts(s))
    }

    /// Remembers that item `k` had `key`, which is `field`'s.
    #[inline]
    pub(super) fn note(&mut self, k: usize, key: &[u8], field: Field) {
        if let Some(slot) = self.0.get_mut(k) {
            if slot.is_none_or(|e| e.key != key) {
                *slot = Expect::of(key, field);
            }
        }
    }
}

/// One remembered item: a registry key, its first and last eight bytes
/// as words, and its field (for the line's batch kind).
#[derive(Clone, Copy, Debug)]
pub(super) struct Expect {
    pub(super) key: &'static [u8],
    head: u64,
    tail: u64,
    pub(super) field: Field,
}

impl Expect {
    /// The entry for `key` (the bytes of a line), when it is one of
    /// `field`'s registry keys.
    fn of(key: &[u8], field: Field) -> Option<Expect> {
        let key: &'static [u8] = field.def().keys.iter().copied().find(|k| *k == key)?;
        let (head, tail) = key_words(key);
        Some(Expect {
            key,
            head,
            tail,
            field,
        })
    }

    /// Whether `s` starts with this key and a `:` right after it.
    #[inline]
    fn starts(&self, s: &[u8]) -> bool {
        let n = self.key.len();
        if s.get(n) != Some(&b':') {
            return false;
        }
        // From here `s` is longer than the key.
        let Some(first) = s.first_chunk::<8>() else {
            return s[..n] == *self.key;
        };
        let first = u64::from_le_bytes(*first);
        if n < 8 {
            // Only the key's bytes of the first word count.
            return first & ((1u64 << (8 * n)) - 1) == self.head;
        }
        let last = s[..n]
            .last_chunk::<8>()
            .map_or(0, |t| u64::from_le_bytes(*t));
        first == self.head && last == self.tail && (n <= 16 || s[8..n - 8] == self.key[8..n - 8])
    }
}

#[cfg(test)]
mod tests {
    use super::super::fields::{lookup, FIELDS};
    use super::*;

    /// An expected key matches its own text followed by `:`, and nothing
    /// that differs from it: any bit of any byte flipped, the key cut short
    /// or run on, or a byte other than `:` after it; at the end of a line or
    /// with text after it.
    #[test]
    fn an_expected_key_matches_exactly_its_key_and_colon() {
        for def in FIELDS {
            for key in def.keys {
                let field = lookup(key, false).expect("a registry key");
                let e = Expect::of(key, field).expect("a registry key");
                for tail in [&b""[..], b" 12, #x: 3"] {
                    let good = [*key, b":", tail].concat();
                    assert!(e.starts(&good), "{}", String::from_utf8_lossy(&good));
                    for i in 0..key.len() {
                        for bit in 0..8 {
                            let mut bad = good.clone();
                            bad[i] ^= 1 << bit;
                            assert!(!e.starts(&bad), "{}", String::from_utf8_lossy(&bad));
                        }
                    }
                    for cut in 0..key.len() {
                        let bad = [&key[..cut], b":", tail].concat();
                        assert!(!e.starts(&bad), "{}", String::from_utf8_lossy(&bad));
                    }
                    for next in [b' ', b',', b'x', 0] {
                        let bad = [*key, &[next][..], b":", tail].concat();
                        assert!(!e.starts(&bad), "{}", String::from_utf8_lossy(&bad));
                    }
                }
                assert!(!e.starts(key), "no colon");
            }
        }
    }

    /// Keys the registry does not hold are never remembered.
    #[test]
    fn only_registry_keys_are_remembered() {
        assert!(Expect::of(b"#tokens", Field::NumTokens).is_none());
        assert!(Expect::of(b"#token", Field::NumTokens).is_some());
        let mut s = Shape::default();
        s.note(0, b"no such key", Field::NumTokens);
        assert!(s.expected(0, b"no such key: 1").is_none());
        s.note(MAX_ITEMS, b"#token", Field::NumTokens); // past the end: ignored
    }
}
