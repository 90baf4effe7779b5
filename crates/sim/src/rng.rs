//! Small deterministic PRNG (splitmix64) plus helpers.

/// splitmix64 generator: tiny, fast, good enough for simulation noise.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: u64,
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// New generator from a seed.
    pub(crate) fn new(seed: u64) -> Self {
        Rng {
            s: mix(seed ^ 0x6A09_E667_F3BC_C908),
        }
    }

    /// Independent stream derived from `seed` and a stream id.
    pub(crate) fn derive(seed: u64, stream: u64) -> Self {
        Rng::new(mix(seed.wrapping_add(mix(stream
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ 0xD1B5_4A32_D192_ED03))))
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.s = self.s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.s)
    }

    /// Uniform in [0, 1).
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    #[inline]
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in [0, n) (n > 0; returns 0 for n == 0).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform integer in [lo, hi] inclusive.
    #[inline]
    pub(crate) fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Approximately standard-normal (Irwin-Hall of 4 uniforms, rescaled).
    #[inline]
    pub(crate) fn normal(&mut self) -> f64 {
        let x = self.next_u64();
        // four 16-bit uniforms from one draw
        let a = (x & 0xFFFF) as f64
            + ((x >> 16) & 0xFFFF) as f64
            + ((x >> 32) & 0xFFFF) as f64
            + (x >> 48) as f64;
        (a / 65536.0 - 2.0) * 1.732_050_807_568_877_2
    }

    /// True with probability p.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Small non-negative integer with the given mean (cheap Poisson stand-in).
    #[inline]
    pub(crate) fn count(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        let v = mean * self.range(0.4, 1.6) + self.f64() - 0.5;
        if v <= 0.0 {
            0
        } else {
            v.round() as u64
        }
    }

    /// Pick one element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let f = a.f64();
            b.f64();
            assert!((0.0..1.0).contains(&f));
            assert!(a.below(10) < 10);
            b.below(10);
        }
        let mut s = 0.0;
        let mut r = Rng::new(1);
        for _ in 0..10000 {
            s += r.normal();
        }
        assert!((s / 10000.0).abs() < 0.05);
    }
}
