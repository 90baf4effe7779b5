//! The batch series of one worker, binned per second: what the derived
//! checks (stalls, queues, token usage, throughput, DP balance, CUDA graphs)
//! read.
//!
//! Each SGLang batch line (formats.md §1.4) and each vLLM engine statistics
//! line (§2.2) becomes a [`Sample`]; samples are summed into one [`Bin`] per
//! second per (kind, DP rank or vLLM engine). Memory grows with the seconds
//! of the run, not with its lines.

use srtlog_formats::sglang::{BatchKind, BatchRecord, Field};
use srtlog_formats::vllm::StatsRecord;
use std::collections::BTreeMap;

/// What kind of line a sample came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// SGLang `Prefill batch`.
    Prefill,
    /// SGLang `Decode batch`.
    Decode,
    /// vLLM engine statistics (a 10-s interval).
    Stats,
}

/// One batch or statistics line, reduced to what the checks use.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Kind.
    pub kind: Option<Kind>,
    /// DP rank (SGLang) or engine index (vLLM).
    pub rank: Option<u16>,
    /// Time (µs).
    pub t_us: i64,
    /// 1-based line number in the file.
    pub line: u64,
    /// Running requests.
    pub running: Option<f64>,
    /// Queued requests (plus the decode pre-allocation queue).
    pub queue: Option<f64>,
    /// KV token usage (fraction).
    pub usage: Option<f64>,
    /// Generation throughput (tokens/s).
    pub gen: Option<f64>,
    /// Prompt tokens of a prefill batch.
    pub new_tokens: Option<f64>,
    /// Whether a CUDA graph ran.
    pub graph: Option<bool>,
}

impl Sample {
    /// From an SGLang batch line.
    pub fn from_batch(r: &BatchRecord<'_>) -> Sample {
        let v = &r.values;
        let kind = match r.kind {
            BatchKind::Prefill => Kind::Prefill,
            BatchKind::Decode => Kind::Decode,
        };
        let queue = match (v.get(Field::QueueReq), v.get(Field::PreallocReq)) {
            (Some(q), Some(p)) if kind == Kind::Decode => Some(q + p),
            (q, _) => q,
        };
        Sample {
            kind: Some(kind),
            rank: r.prefix.ranks.dp,
            t_us: r.prefix.ts.0,
            line: 0,
            running: v.get(Field::RunningReq),
            queue,
            usage: v.get(Field::TokenUsage).or(v.get(Field::FullTokenUsage)),
            gen: v.get(Field::GenThroughput),
            new_tokens: v.get(Field::NewToken),
            graph: v.get(Field::Graph).map(|g| g != 0.0),
        }
    }

    /// From a vLLM statistics line at `t_us`.
    pub fn from_stats(r: &StatsRecord<'_>, t_us: i64) -> Sample {
        Sample {
            kind: Some(Kind::Stats),
            rank: r.engine,
            t_us,
            line: 0,
            running: r.running,
            queue: r.queued(),
            usage: r.gpu_kv_usage.map(|p| p / 100.0),
            gen: r.gen_throughput,
            new_tokens: r.prompt_throughput,
            graph: None,
        }
    }
}

/// Sums of the samples of one second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bin {
    /// Lines.
    pub n: u32,
    /// Σ running, and how many lines printed it.
    pub running: (f64, u32),
    /// Σ queue.
    pub queue: (f64, u32),
    /// Σ usage.
    pub usage: (f64, u32),
    /// Lines with usage ≥ [`PINNED_USAGE`].
    pub usage_hi: u32,
    /// Σ generation throughput.
    pub gen: (f64, u32),
    /// Σ prompt tokens.
    pub new_tokens: f64,
    /// Lines with a graph flag, and those without a graph.
    pub graph: (u32, u32),
    /// The first line of the bin in the file.
    pub first_line: u64,
}

/// A sum and its count.
pub type Sum = (f64, u32);

/// Token usage counted as "pinned".
pub const PINNED_USAGE: f64 = 0.97;

fn add(acc: &mut (f64, u32), v: Option<f64>) {
    if let Some(v) = v.filter(|v| v.is_finite()) {
        acc.0 += v;
        acc.1 += 1;
    }
}

/// The mean of a sum, if any.
pub fn mean(acc: (f64, u32)) -> Option<f64> {
    (acc.1 > 0).then(|| acc.0 / f64::from(acc.1))
}

impl Bin {
    fn push(&mut self, s: &Sample) {
        if self.n == 0 || s.line < self.first_line {
            self.first_line = s.line;
        }
        self.n += 1;
        add(&mut self.running, s.running);
        add(&mut self.queue, s.queue);
        add(&mut self.usage, s.usage);
        if s.usage.is_some_and(|u| u >= PINNED_USAGE) {
            self.usage_hi += 1;
        }
        add(&mut self.gen, s.gen);
        self.new_tokens += s.new_tokens.unwrap_or(0.0);
        if let Some(g) = s.graph {
            self.graph.0 += 1;
            self.graph.1 += u32::from(!g);
        }
    }

    fn merge(&mut self, o: &Bin) {
        if o.n > 0 && (self.n == 0 || o.first_line < self.first_line) {
            self.first_line = o.first_line;
        }
        self.n += o.n;
        for (a, b) in [
            (&mut self.running, o.running),
            (&mut self.queue, o.queue),
            (&mut self.usage, o.usage),
            (&mut self.gen, o.gen),
        ] {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.usage_hi += o.usage_hi;
        self.new_tokens += o.new_tokens;
        self.graph.0 += o.graph.0;
        self.graph.1 += o.graph.1;
    }
}

/// The bins of one (kind, rank).
#[derive(Clone, Debug, Default)]
pub struct RankSeries {
    /// Bins by second.
    pub bins: BTreeMap<i64, Bin>,
    cur: Option<(i64, Bin)>,
    /// Lines.
    pub lines: u64,
}

impl RankSeries {
    fn push(&mut self, s: &Sample) {
        let sec = s.t_us.div_euclid(1_000_000);
        self.lines += 1;
        match &mut self.cur {
            Some((c, b)) if *c == sec => b.push(s),
            cur => {
                if let Some((c, b)) = cur.take() {
                    self.bins.entry(c).or_default().merge(&b);
                }
                let mut b = Bin::default();
                b.push(s);
                *cur = Some((sec, b));
            }
        }
    }

    fn flush(&mut self) {
        if let Some((c, b)) = self.cur.take() {
            self.bins.entry(c).or_default().merge(&b);
        }
    }
}

/// Every (kind, rank) series of one worker.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// By (kind, DP rank or engine).
    pub ranks: BTreeMap<(Kind, Option<u16>), RankSeries>,
}

impl Series {
    /// Adds a sample.
    #[inline]
    pub fn push(&mut self, s: Sample) {
        if let Some(k) = s.kind {
            self.ranks.entry((k, s.rank)).or_default().push(&s);
        }
    }

    /// Moves the open bins into the maps (call once the file is read).
    pub fn finish(&mut self) {
        for r in self.ranks.values_mut() {
            r.flush();
        }
    }

    /// Appends the series of the next part of the same file, whose lines
    /// start after line `base`.
    pub fn merge_next(&mut self, o: Series, base: u64) {
        for (k, r) in o.ranks {
            let e = self.ranks.entry(k).or_default();
            e.lines += r.lines;
            for (s, mut b) in r.bins {
                b.first_line += base;
                e.bins.entry(s).or_default().merge(&b);
            }
        }
    }

    /// Lines of one kind.
    pub fn lines(&self, kind: Kind) -> u64 {
        self.ranks
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, r)| r.lines)
            .sum()
    }

    /// All lines.
    pub fn total_lines(&self) -> u64 {
        self.ranks.values().map(|r| r.lines).sum()
    }

    /// The bins of the given kinds merged over ranks, by second.
    pub fn merged(&self, kinds: &[Kind]) -> BTreeMap<i64, Bin> {
        let mut out: BTreeMap<i64, Bin> = BTreeMap::new();
        for ((k, _), r) in &self.ranks {
            if kinds.contains(k) {
                for (s, b) in &r.bins {
                    out.entry(*s).or_default().merge(b);
                }
            }
        }
        out
    }

    /// The ranks that printed lines of the given kinds.
    pub fn ranks_of(&self, kinds: &[Kind]) -> Vec<(Option<u16>, &RankSeries)> {
        self.ranks
            .iter()
            .filter(|((k, _), _)| kinds.contains(k))
            .map(|((_, r), s)| (*r, s))
            .collect()
    }

    /// The first and last second with a line.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self
            .ranks
            .values()
            .filter_map(|r| r.bins.keys().next())
            .min()?;
        let last = self
            .ranks
            .values()
            .filter_map(|r| r.bins.keys().next_back())
            .max()?;
        Some((*first, *last))
    }

    /// Generated tokens estimated from the throughput lines: each line's
    /// generation throughput times the time since the previous line of the
    /// same rank (capped at 60 s; the first line counts 10 s, vLLM's
    /// logging interval and about SGLang's).
    pub fn generated_tokens(&self) -> f64 {
        let mut total = 0.0;
        for ((k, _), r) in &self.ranks {
            if *k == Kind::Prefill {
                continue;
            }
            let mut prev: Option<i64> = None;
            for (s, b) in &r.bins {
                let dt = prev.map_or(10, |p| (s - p).min(60)) as f64;
                if let Some(g) = mean(b.gen) {
                    total += g * dt;
                }
                prev = Some(*s);
            }
        }
        total
    }
}
