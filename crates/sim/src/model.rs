//! Run-wide simulated facts: parallel topology, model, GPU, load curve.

use crate::rng::Rng;
use crate::{fmt, SimConfig};

/// One GPU rank of a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rank {
    pub(crate) dp: u32,
    pub(crate) pp: u32,
    pub(crate) tp: u32,
}

/// Parallel layout of one worker.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Topo {
    pub(crate) dp: u32,
    pub(crate) tp: u32,
    pub(crate) ep: u32,
    pub(crate) pp: u32,
}

impl Topo {
    pub(crate) fn from_cfg(cfg: &SimConfig) -> Self {
        Topo {
            dp: cfg.dp,
            tp: cfg.tp,
            ep: cfg.ep,
            pp: cfg.pp,
        }
    }

    /// DP attention: DP ranks share the TP ranks (`tp >= dp`).
    pub(crate) fn dp_attention(&self) -> bool {
        self.dp > 1 && self.tp >= self.dp
    }

    /// GPUs of one worker.
    pub(crate) fn gpus(&self) -> u32 {
        if self.dp_attention() || self.dp == 1 {
            self.tp * self.pp
        } else {
            self.dp * self.tp * self.pp
        }
    }

    /// Every GPU rank of the worker, in launch order.
    pub(crate) fn ranks(&self) -> Vec<Rank> {
        let mut v = Vec::new();
        if self.dp_attention() {
            let per = self.tp / self.dp;
            for p in 0..self.pp {
                for t in 0..self.tp {
                    v.push(Rank {
                        dp: (t / per).min(self.dp - 1),
                        pp: p,
                        tp: t,
                    });
                }
            }
        } else {
            for d in 0..self.dp {
                for p in 0..self.pp {
                    for t in 0..self.tp {
                        v.push(Rank {
                            dp: d,
                            pp: p,
                            tp: t,
                        });
                    }
                }
            }
        }
        v
    }

    /// The stats-logging rank of DP rank `d`.
    pub(crate) fn logging_rank(&self, d: u32) -> Rank {
        let tp = if self.dp_attention() {
            d * (self.tp / self.dp)
        } else {
            0
        };
        Rank { dp: d, pp: 0, tp }
    }

    fn ep_rank(&self, tp: u32) -> u32 {
        if self.ep <= self.tp && self.tp % self.ep == 0 {
            tp / (self.tp / self.ep)
        } else {
            tp % self.ep
        }
    }

    /// Rank tags in 2025 order `DP PP TP EP`, each with a leading space
    /// (empty when no size is > 1).
    pub(crate) fn tag(&self, r: Rank) -> Vec<u8> {
        let mut b = Vec::new();
        if self.dp > 1 {
            b.extend_from_slice(b" DP");
            fmt::u(&mut b, r.dp as u64);
        }
        if self.pp > 1 {
            b.extend_from_slice(b" PP");
            fmt::u(&mut b, r.pp as u64);
        }
        if self.tp > 1 {
            b.extend_from_slice(b" TP");
            fmt::u(&mut b, r.tp as u64);
        }
        if self.ep > 1 {
            b.extend_from_slice(b" EP");
            fmt::u(&mut b, self.ep_rank(r.tp) as u64);
        }
        b
    }

    /// Ranks that re-print DP rank `d`'s batch lines when the duplicate trap is on.
    pub(crate) fn duplicate_ranks(&self, d: u32) -> Vec<Rank> {
        let lead = self.logging_rank(d);
        let tps: Vec<u32> = if self.tp > 1 && self.dp == 1 {
            (0..self.tp).collect()
        } else {
            vec![lead.tp]
        };
        let pps: Vec<u32> = if self.pp > 1 {
            (0..self.pp).collect()
        } else {
            vec![0]
        };
        let mut v = Vec::new();
        for &p in &pps {
            for &t in &tps {
                if p == lead.pp && t == lead.tp {
                    continue;
                }
                v.push(Rank {
                    dp: d,
                    pp: p,
                    tp: t,
                });
            }
        }
        v
    }
}

/// A model the simulated job serves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModelSpec {
    pub(crate) path: &'static str,
    pub(crate) arch: &'static str,
    /// MLA: one `KV size`; otherwise separate `K size` / `V size`.
    pub(crate) mla: bool,
    /// Total weight bytes in GB.
    pub(crate) weights_gb: f64,
    /// KV bytes per token for the whole model (MLA: per rank, replicated).
    pub(crate) kv_bytes_per_token: f64,
    pub(crate) quant: &'static str,
    pub(crate) context_len: u32,
    pub(crate) moe: bool,
}

pub(crate) const MODELS: [ModelSpec; 3] = [
    ModelSpec {
        path: "deepseek-ai/DeepSeek-R1-0528",
        arch: "DeepseekV3ForCausalLM",
        mla: true,
        weights_gb: 642.0,
        kv_bytes_per_token: 70_272.0,
        quant: "fp8",
        context_len: 163_840,
        moe: true,
    },
    ModelSpec {
        path: "Qwen/Qwen3-235B-A22B-FP8",
        arch: "Qwen3MoeForCausalLM",
        mla: false,
        weights_gb: 236.0,
        kv_bytes_per_token: 193_536.0,
        quant: "fp8",
        context_len: 131_072,
        moe: true,
    },
    ModelSpec {
        path: "meta-llama/Llama-3.3-70B-Instruct",
        arch: "LlamaForCausalLM",
        mla: false,
        weights_gb: 141.0,
        kv_bytes_per_token: 327_680.0,
        quant: "None",
        context_len: 131_072,
        moe: false,
    },
];

/// GPU memory class.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GpuSpec {
    pub(crate) name: &'static str,
    pub(crate) total_gb: f64,
}

pub(crate) const GPUS: [GpuSpec; 4] = [
    GpuSpec {
        name: "H200",
        total_gb: 139.8,
    },
    GpuSpec {
        name: "B200",
        total_gb: 178.4,
    },
    GpuSpec {
        name: "GB200",
        total_gb: 184.0,
    },
    GpuSpec {
        name: "MI355X",
        total_gb: 286.3,
    },
];

/// Run-wide choices derived from the seed.
#[derive(Clone, Debug)]
pub(crate) struct RunFacts {
    pub(crate) model: ModelSpec,
    pub(crate) gpu: GpuSpec,
    /// Mean prompt length (tokens).
    pub(crate) isl: f64,
    /// Mean output length (tokens).
    pub(crate) osl: f64,
    /// Mean prefix-cache hit fraction.
    pub(crate) hit: f64,
    pub(crate) profile: Profile,
}

impl RunFacts {
    pub(crate) fn new(cfg: &SimConfig, duration_us: i64) -> Self {
        let mut r = Rng::derive(cfg.seed, 0xfac7);
        let model = *r.pick(&MODELS);
        let gpu = *r.pick(&GPUS);
        let isl = *r.pick(&[1024.0, 2048.0, 4096.0, 8192.0]);
        let osl = *r.pick(&[512.0, 1024.0, 2048.0]);
        let hit = r.range(0.05, 0.6);
        let profile = Profile::new(&mut r, duration_us);
        RunFacts {
            model,
            gpu,
            isl,
            osl,
            hit,
            profile,
        }
    }

    /// Weight memory per GPU rank in GB (clamped to fit the GPU).
    pub(crate) fn weights_per_rank(&self, topo: &Topo) -> f64 {
        let shards = (topo.tp * topo.pp).max(1) as f64;
        (self.model.weights_gb / shards).min(self.gpu.total_gb * 0.55)
    }

    /// KV bytes per token held by one rank.
    pub(crate) fn kv_bytes_per_rank(&self, topo: &Topo) -> f64 {
        if self.model.mla {
            self.model.kv_bytes_per_token / topo.pp.max(1) as f64
        } else {
            let split = if topo.dp_attention() {
                topo.tp / topo.dp
            } else {
                topo.tp
            };
            (self.model.kv_bytes_per_token / (split.max(1) * topo.pp.max(1)) as f64).max(4096.0)
        }
    }
}

/// Offered load over the serving window: ramp-up, plateau with a slow wobble
/// and an overload spike, ramp-down.
#[derive(Clone, Debug)]
pub(crate) struct Profile {
    dur_s: f64,
    ramp_up: f64,
    ramp_down: f64,
    spike: (f64, f64),
    spike_height: f64,
    period: f64,
    phase: f64,
}

impl Profile {
    fn new(r: &mut Rng, duration_us: i64) -> Self {
        let dur_s = (duration_us as f64 / 1e6).max(1.0);
        let s0 = r.range(0.5, 0.6);
        Profile {
            dur_s,
            ramp_up: dur_s * r.range(0.08, 0.15),
            ramp_down: dur_s * r.range(0.06, 0.1),
            spike: (dur_s * s0, dur_s * (s0 + r.range(0.05, 0.1))),
            spike_height: r.range(0.3, 0.45),
            period: (dur_s / r.range(3.0, 6.0)).max(30.0),
            phase: r.range(0.0, std::f64::consts::TAU),
        }
    }

    /// Load (≈0..1.4) at `t_s` seconds into the serving window.
    #[inline]
    pub(crate) fn load(&self, t_s: f64) -> f64 {
        if t_s < 0.0 || t_s > self.dur_s {
            return 0.0;
        }
        let envelope = if t_s < self.ramp_up {
            t_s / self.ramp_up
        } else if t_s > self.dur_s - self.ramp_down {
            (self.dur_s - t_s) / self.ramp_down
        } else {
            1.0
        };
        let wobble = 0.86 + 0.08 * (std::f64::consts::TAU * t_s / self.period + self.phase).sin();
        let spike = if t_s >= self.spike.0 && t_s < self.spike.1 {
            self.spike_height
        } else {
            0.0
        };
        envelope * (wobble + spike)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_dp_pp_tp_ep_order() {
        let t = Topo {
            dp: 1,
            tp: 4,
            ep: 1,
            pp: 1,
        };
        assert_eq!(
            t.tag(Rank {
                dp: 0,
                pp: 0,
                tp: 2
            }),
            b" TP2"
        );
        let t = Topo {
            dp: 1,
            tp: 1,
            ep: 1,
            pp: 1,
        };
        assert_eq!(
            t.tag(Rank {
                dp: 0,
                pp: 0,
                tp: 0
            }),
            b""
        );
        let t = Topo {
            dp: 8,
            tp: 8,
            ep: 8,
            pp: 1,
        };
        assert_eq!(t.tag(t.logging_rank(3)), b" DP3 TP3 EP3");
        let t = Topo {
            dp: 2,
            tp: 8,
            ep: 1,
            pp: 2,
        };
        assert_eq!(t.tag(t.logging_rank(1)), b" DP1 PP0 TP4");
        assert_eq!(t.ranks().len(), 16);
        let t = Topo {
            dp: 1,
            tp: 4,
            ep: 1,
            pp: 2,
        };
        assert_eq!(t.duplicate_ranks(0).len(), 7);
        let t = Topo {
            dp: 4,
            tp: 4,
            ep: 1,
            pp: 1,
        };
        assert!(t.duplicate_ranks(0).is_empty());
    }

    #[test]
    fn profile_shape() {
        let mut r = Rng::new(3);
        let p = Profile::new(&mut r, 1000 * 1_000_000);
        assert_eq!(p.load(-1.0), 0.0);
        assert!(p.load(1.0) < 0.2);
        assert!(p.load(400.0) > 0.7);
        assert!(p.load(999.9) < 0.1);
    }
}
