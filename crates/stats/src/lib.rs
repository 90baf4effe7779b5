//! Statistics for srtlog: every method in one place, one module per method
//! family, each citing its source and the exact definition used, so that a
//! figure printed by any job can be traced to a reference.
//!
//! | Module | Method | Source |
//! |---|---|---|
//! | [`percentile`] | percentiles by linear interpolation between closest ranks, `h = (n−1)q`, `x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])` | Hyndman & Fan (1996) definition 7; numpy's default `method="linear"` |
//! | [`percentile`] | the same percentiles by selection (O(n) each), bit-identical | Hoare's quickselect (`slice::select_nth_unstable`) |
//! | [`percentile`] | high median `x[n/2]` | Python's `statistics.median_high` |
//! | [`moments`] | one-pass mean and variance | Welford (1962); Knuth, TAOCP vol. 2 §4.2.2 |
//! | [`moments`] | merging two accumulators | Chan, Golub & LeVeque (1979) |
//! | [`moments`] | standard deviation, population (`ddof = 0`) | numpy's `numpy.std` default |
//! | [`summary`] | count, mean, median, std, min, max, p25…p99 of a series | the above |
//! | [`correlation`] | Pearson's r, two-pass mean-centred | Pearson (1895); `scipy.stats.pearsonr` |
//! | [`correlation`] | Spearman's ρ, Pearson on average ranks | Spearman (1904); `scipy.stats.spearmanr`, `rankdata(method="average")` |
//! | [`outliers`] | z-score `\|x − x̄\| / σ` | `scipy.stats.zscore` (`ddof = 0`) |
//! | [`outliers`] | Tukey's fences on numpy-linear quartiles | Tukey, *Exploratory Data Analysis* (1977) |
//! | [`outliers`] | modified z-score `\|x − x̃\| / (1.4826·MAD)` | Iglewicz & Hoaglin (1993), `0.6745·(x − x̃)/MAD` |
//! | [`histogram`] | quantile from cumulative buckets, linear inside the bucket | Prometheus `histogram_quantile` (`promql/quantile.go`) |
//! | [`histogram`] | total from buckets, observations at bucket midpoints | grouped-data class marks |
//! | [`m4`] | M4 downsampling: first, last, min, max per pixel column | Jugel, Jerzak, Hackenbroich & Markl, PVLDB 7(10), 2014 |
//! | [`mann_whitney`] | Mann–Whitney U, two-sided, normal approximation with tie and continuity corrections | Mann & Whitney (1947); `scipy.stats.mannwhitneyu(method="asymptotic")` |
//! | [`bootstrap`] | percentile bootstrap interval of a difference of two samples' statistic, seeded SplitMix64 | Efron & Tibshirani (1993) §8.3, §13.3; Davison & Hinkley (1997) §4.4 |
//! | [`multiple`] | Holm's step-down adjustment of p-values | Holm (1979) |
//! | [`mser`] | MSER-5 warm-up truncation (and drain, on the reversed series); batch means | White (1997); White, Cobb & Spratt (2000); Schmeiser (1982) |
//! | [`gate`] | CI gates `--fail-if 'METRIC OP VALUE'` (absolute or `+10%`) | srtlog's own convention |
//!
//! NaN values are ignored (counted in [`Summary::nan`]), as pandas does.
//! This crate depends on no other srtlog crate.
#![warn(missing_docs)]

pub mod bootstrap;
pub mod correlation;
pub mod gate;
pub mod histogram;
pub mod m4;
pub mod mann_whitney;
pub mod moments;
pub mod mser;
pub mod multiple;
pub mod outliers;
pub mod percentile;
pub mod summary;

pub use moments::Moments;
pub use percentile::percentile_sorted;
pub use summary::Summary;
