//! Simple charts (lines, bars, stacked areas) as `assets/charts.js` draws
//! them with uPlot: the request report and the snapshots interval report
//! hand a list of [`Chart`]s to the page; the script draws each and reports
//! it in the self-check as `chart-{id}` with the drawn points per series.
//! (The `viz` report has its own richer script, `assets/report.js`, for
//! zoom linking and hundreds of lines.)

use serde::Serialize;

/// One chart of a page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// Stable id, unique in the page (the self-check says `chart-{id}`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Whether x is a time (seconds since the epoch).
    pub time: bool,
    /// Draw as bars.
    pub bars: bool,
    /// Draw series as filled areas (the caller stacks the values).
    pub stacked: bool,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// X values.
    pub x: Vec<f64>,
    /// Series.
    pub series: Vec<ChartSeries>,
}

/// One series of a [`Chart`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChartSeries {
    /// Legend label.
    pub label: String,
    /// Values (`null` for missing; non-finite values are missing).
    pub y: Vec<Option<f64>>,
}

impl ChartSeries {
    /// Values drawn (not missing).
    pub fn points(&self) -> usize {
        self.y.iter().flatten().count()
    }
}

/// The data embedded in a page drawn by `charts.js`.
#[derive(Serialize)]
pub(crate) struct ChartsPayload<'a> {
    pub(crate) charts: &'a [Chart],
}

/// `Some(v)` for a finite value (JSON has no NaN or infinity).
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
