//! Finding one or two delimiter bytes eight bytes at a time ("SIMD within a
//! register").
//!
//! Batch-line items are about a dozen bytes long: too short for `memchr`'s
//! vector code to amortise its setup, too long for a byte loop to be free.
//! A 64-bit word is compared with a broadcast byte and the equal lanes are
//! found with the zero-byte test of Mycroft (1987), as given in Anderson's
//! "Bit Twiddling Hacks" (`haszero(v) = (v - 0x01..01) & ~v & 0x80..80`).
//! The test can flag a lane *above* a true zero because of the borrow, never
//! below one, so the lowest flagged lane is always a real match.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn zero_lanes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

#[inline(always)]
fn word(h: &[u8], i: usize) -> Option<u64> {
    let b: [u8; 8] = h.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Position of the first `a` in `h`.
#[inline]
pub fn find1(h: &[u8], a: u8) -> Option<usize> {
    let va = LO * u64::from(a);
    let mut i = 0;
    while let Some(w) = word(h, i) {
        let z = zero_lanes(w ^ va);
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..].iter().position(|&c| c == a).map(|p| i + p)
}

/// Position of the first `a` or `b` in `h`.
#[inline]
pub fn find2(h: &[u8], a: u8, b: u8) -> Option<usize> {
    let (va, vb) = (LO * u64::from(a), LO * u64::from(b));
    let mut i = 0;
    while let Some(w) = word(h, i) {
        let z = zero_lanes(w ^ va) | zero_lanes(w ^ vb);
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..].iter().position(|&c| c == a || c == b).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_byte_loop() {
        // Every position, every length, with neighbours that trigger the
        // borrow of the zero-lane test (0x01 below the target, 0x80 above).
        for len in 0..40 {
            for at in 0..=len {
                let mut h: Vec<u8> = (0..len)
                    .map(|k| [0x01u8, b'x', 0x80, b'+', b'-'][k % 5])
                    .collect();
                if at < len {
                    h[at] = b',';
                }
                let want = h.iter().position(|&c| c == b',');
                assert_eq!(find1(&h, b','), want, "{len} {at}");
                let want2 = h.iter().position(|&c| c == b',' || c == b':');
                assert_eq!(find2(&h, b':', b','), want2);
                if at + 1 < len {
                    h[at + 1] = b':';
                    let w = h.iter().position(|&c| c == b',' || c == b':');
                    assert_eq!(find2(&h, b':', b','), w);
                }
            }
        }
        assert_eq!(find2(b"#new-seq: 1, x", b':', b','), Some(8));
        assert_eq!(find2(b"", b':', b','), None);
    }
}
