//! Terminal tables: rounded box, a title line, a header
//! rule and an optional rule before a footer (total) row. The output layer's
//! one table renderer, for every command's text output; numbers in cells
//! come from [`crate::text`].
//!
//! Hand-written because this layout (one rule before the total, not
//! between every row) is not a preset of the table crates, and the renderer is
//! forty lines. Widths count `char`s: every glyph srtlog prints is one cell.
//!
//! ```
//! use srtlog_report::table::{Align, BoxTable};
//! let t = BoxTable::new(&["Worker Type", "Count"])
//!     .align(&[Align::Left, Align::Right])
//!     .row(["Prefill", "6"])
//!     .footer(["Total", "6"]);
//! assert!(t.render().contains("│ Prefill     │     6 │"));
//! ```

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Left.
    Left,
    /// Right.
    Right,
}

/// A table to render.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoxTable {
    /// Title centred above the box.
    pub title: Option<String>,
    /// Header cells.
    pub header: Vec<String>,
    /// Alignment per column.
    pub align: Vec<Align>,
    /// Body rows.
    pub rows: Vec<Vec<String>>,
    /// Footer rows, after a rule.
    pub footer: Vec<Vec<String>>,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

impl BoxTable {
    /// Renders the table; every line ends with `\n`.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut w: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for r in self.rows.iter().chain(&self.footer) {
            for (i, c) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(width(c));
            }
        }
        let rule = |l: &str, m: &str, r: &str| -> String {
            let parts: Vec<String> = w.iter().map(|k| "─".repeat(k + 2)).collect();
            format!("{l}{}{r}\n", parts.join(m))
        };
        let line = |cells: &[String], header: bool| -> String {
            let mut s = String::from("│");
            for (i, k) in w.iter().enumerate() {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = k - width(c);
                let right = !header && self.align.get(i) == Some(&Align::Right);
                if right {
                    s.push_str(&format!(" {}{c} │", " ".repeat(pad)));
                } else {
                    s.push_str(&format!(" {c}{} │", " ".repeat(pad)));
                }
            }
            s.push('\n');
            s
        };
        let mut out = String::new();
        let total: usize = w.iter().map(|k| k + 3).sum::<usize>() + 1;
        if let Some(t) = &self.title {
            let pad = total.saturating_sub(width(t)) / 2;
            out.push_str(&format!("{}{t}\n", " ".repeat(pad)));
        }
        out.push_str(&rule("╭", "┬", "╮"));
        out.push_str(&line(&self.header, true));
        out.push_str(&rule("├", "┼", "┤"));
        for r in &self.rows {
            out.push_str(&line(r, false));
        }
        if !self.footer.is_empty() {
            out.push_str(&rule("├", "┼", "┤"));
            for r in &self.footer {
                out.push_str(&line(r, false));
            }
        }
        out.push_str(&rule("╰", "┴", "╯"));
        out
    }
}

impl BoxTable {
    /// A table with these header cells, left-aligned, no title.
    pub fn new<S: AsRef<str>>(header: &[S]) -> BoxTable {
        BoxTable {
            title: None,
            header: header.iter().map(|h| h.as_ref().to_string()).collect(),
            align: vec![Align::Left; header.len()],
            rows: Vec::new(),
            footer: Vec::new(),
        }
    }

    /// Sets the title centred above the box.
    pub fn title(mut self, title: impl Into<String>) -> BoxTable {
        self.title = Some(title.into());
        self
    }

    /// Sets the alignment per column.
    pub fn align(mut self, align: &[Align]) -> BoxTable {
        self.align = align.to_vec();
        self
    }

    /// Adds a body row.
    pub fn row<I, S>(mut self, cells: I) -> BoxTable
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a footer row (after a rule).
    pub fn footer<I, S>(mut self, cells: I) -> BoxTable
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.footer
            .push(cells.into_iter().map(Into::into).collect());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_layout() {
        let t = BoxTable::new(&["Worker Type", "Count", "Time Range"])
            .title("4401463")
            .align(&[Align::Left, Align::Right, Align::Left])
            .row(["Prefill", "6", "16:10:37 → 17:18:27 (67m 50s)"])
            .row(["Decode", "2", "16:10:46 → 17:18:35 (67m 49s)"])
            .footer(["Total", "8", "16:10:37 → 17:18:35 (67m 58s)"]);
        let want = "                        4401463
╭─────────────┬───────┬───────────────────────────────╮
│ Worker Type │ Count │ Time Range                    │
├─────────────┼───────┼───────────────────────────────┤
│ Prefill     │     6 │ 16:10:37 → 17:18:27 (67m 50s) │
│ Decode      │     2 │ 16:10:46 → 17:18:35 (67m 49s) │
├─────────────┼───────┼───────────────────────────────┤
│ Total       │     8 │ 16:10:37 → 17:18:35 (67m 58s) │
╰─────────────┴───────┴───────────────────────────────╯
";
        assert_eq!(t.render(), want);
    }

    #[test]
    fn short_rows_and_no_footer() {
        let t = BoxTable::new(&["a", "b"]).row(["x"]);
        assert_eq!(
            t.render(),
            "╭───┬───╮\n│ a │ b │\n├───┼───┤\n│ x │   │\n╰───┴───╯\n"
        );
    }
}
