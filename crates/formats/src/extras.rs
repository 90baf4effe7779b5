//! Unknown `key: value` items of a record, kept rather than rejected.
//!
//! Decoders meet keys the field registries do not know (new SGLang or vLLM
//! versions add some every few months). They keep the first few, borrowed
//! from the line, and count the rest, so a table can show them and a
//! coverage report can name them.

/// Most unknown items kept per line; more are counted in [`Extras::dropped`].
pub const MAX_EXTRAS: usize = 4;

/// Unknown `key: value` items, borrowed from the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras<'a> {
    items: [(&'a [u8], &'a [u8]); MAX_EXTRAS],
    len: u8,
    /// Unknown items beyond [`MAX_EXTRAS`].
    pub dropped: u8,
}

impl<'a> Extras<'a> {
    /// Keeps an item, or counts it when [`MAX_EXTRAS`] are kept already.
    pub fn push(&mut self, k: &'a [u8], v: &'a [u8]) {
        if usize::from(self.len) < MAX_EXTRAS {
            self.items[usize::from(self.len)] = (k, v);
            self.len += 1;
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// The unknown items in line order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.items[..usize::from(self.len)].iter().copied()
    }

    /// True when the line had no unknown key.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.dropped == 0
    }

    /// `key=value; key=value (+N more)` (lossy UTF-8), the form of the
    /// tables' `extras` column.
    pub fn to_text(&self) -> String {
        let mut s = Vec::new();
        for (k, v) in self.iter() {
            if !s.is_empty() {
                s.extend_from_slice(b"; ");
            }
            s.extend_from_slice(k);
            s.push(b'=');
            s.extend_from_slice(v);
        }
        if self.dropped > 0 {
            s.extend_from_slice(format!("; (+{} more)", self.dropped).as_bytes());
        }
        String::from_utf8_lossy(&s).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_four_and_counts_the_rest() {
        let mut e = Extras::default();
        assert!(e.is_empty());
        for k in [&b"a"[..], b"b", b"c", b"d", b"e", b"f"] {
            e.push(k, b"1");
        }
        assert_eq!(e.iter().count(), 4);
        assert_eq!(e.to_text(), "a=1; b=1; c=1; d=1; (+2 more)");
    }
}
