//! Allocation-free number formatting into a reused `Vec<u8>`.

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Append the decimal representation of `n`.
#[inline]
pub(crate) fn u(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = 20;
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        tmp[i] = DIGITS2[r];
        tmp[i + 1] = DIGITS2[r + 1];
    }
    if n >= 10 {
        let r = n as usize * 2;
        i -= 2;
        tmp[i] = DIGITS2[r];
        tmp[i + 1] = DIGITS2[r + 1];
    } else {
        i -= 1;
        tmp[i] = b'0' + n as u8;
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Append `n` zero-padded to two digits (n < 100).
#[inline]
pub(crate) fn pad2(buf: &mut Vec<u8>, n: u32) {
    let r = (n % 100) as usize * 2;
    buf.extend_from_slice(&DIGITS2[r..r + 2]);
}

/// Append `n` zero-padded to `width` digits (truncating higher digits is the caller's problem).
#[inline]
pub(crate) fn padn(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut v = n;
    let mut i = 20;
    while v > 0 && i > 0 {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = 20usize.saturating_sub(width.max(20 - i));
    buf.extend_from_slice(&tmp[start..]);
}

/// Append a non-negative float with a fixed number of decimals (0..=6).
/// NaN prints as `nan`, infinities as `inf`, negatives get a `-`.
#[inline]
pub(crate) fn fixed(buf: &mut Vec<u8>, v: f64, decimals: u32) {
    if v.is_nan() {
        buf.extend_from_slice(b"nan");
        return;
    }
    if v.is_infinite() {
        buf.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    let scale = 10u64.pow(decimals);
    let mut x = v;
    if x < 0.0 {
        x = -x;
        // "-0.00" is what Python prints for tiny negatives too, but we never need it: clamp.
        if (x * scale as f64).round() >= 1.0 {
            buf.push(b'-');
        }
    }
    let m = (x * scale as f64).round();
    let m = if m >= 1.8e19 { 1.8e19 as u64 } else { m as u64 };
    u(buf, m / scale);
    if decimals > 0 {
        buf.push(b'.');
        padn(buf, m % scale, decimals as usize);
    }
}

/// Two decimals, like Python's `%.2f`.
#[inline]
pub(crate) fn f2(buf: &mut Vec<u8>, v: f64) {
    fixed(buf, v, 2);
}

/// One decimal, like Python's `%.1f`.
#[inline]
pub(crate) fn f1(buf: &mut Vec<u8>, v: f64) {
    fixed(buf, v, 1);
}

/// Integer with `,` thousands separators (Python's `{:,}`).
pub(crate) fn thousands(buf: &mut Vec<u8>, n: u64) {
    let mut tmp = Vec::with_capacity(20);
    u(&mut tmp, n);
    let len = tmp.len();
    for (i, c) in tmp.iter().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            buf.push(b',');
        }
        buf.push(*c);
    }
}

/// Lower-case hex, zero-padded to `width` nibbles.
pub(crate) fn hex(buf: &mut Vec<u8>, n: u64, width: usize) {
    const H: &[u8; 16] = b"0123456789abcdef";
    for i in (0..width).rev() {
        buf.push(H[((n >> (i * 4)) & 0xF) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).expect("ascii")
    }

    #[test]
    fn ints() {
        for n in [0u64, 7, 10, 99, 100, 101, 999, 1000, 12345, u64::MAX] {
            assert_eq!(s(|b| u(b, n)), n.to_string());
        }
        assert_eq!(s(|b| pad2(b, 7)), "07");
        assert_eq!(s(|b| padn(b, 7, 3)), "007");
        assert_eq!(s(|b| padn(b, 123456, 6)), "123456");
        assert_eq!(s(|b| padn(b, 0, 6)), "000000");
        assert_eq!(s(|b| thousands(b, 1028832)), "1,028,832");
        assert_eq!(s(|b| thousands(b, 999)), "999");
        assert_eq!(s(|b| thousands(b, 4096)), "4,096");
        assert_eq!(s(|b| hex(b, 0xab, 4)), "00ab");
    }

    #[test]
    fn floats() {
        assert_eq!(s(|b| f2(b, 0.0)), "0.00");
        assert_eq!(s(|b| f2(b, 5543.549)), "5543.55");
        assert_eq!(s(|b| f2(b, 0.005)), "0.01");
        assert_eq!(s(|b| f2(b, 1.1)), "1.10");
        assert_eq!(s(|b| f1(b, 64.6)), "64.6");
        assert_eq!(s(|b| f2(b, f64::NAN)), "nan");
        assert_eq!(s(|b| f2(b, -1.5)), "-1.50");
        assert_eq!(s(|b| f2(b, -0.001)), "0.00");
        assert_eq!(s(|b| fixed(b, 3.25, 0)), "3");
    }
}
