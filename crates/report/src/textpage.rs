//! A static page around a terminal report: the HTML output (`-o FILE.html`)
//! of commands whose report is text (`srtlog audit`, `srtlog snapshots`
//! without `--interval`). Same offline guarantees as the other reports: the
//! Content-Security-Policy forbids scripts and every fetch, and all text is
//! escaped.

use crate::html::escape;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// A page titled `title` (escaped), showing `subtitle` and then `text` as
/// preformatted text (escaped), in the terminal's layout.
pub fn render(title: &str, subtitle: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
<meta name=\"generator\" content=\"srtlog {}\">\
<title>srtlog: {t}</title><style>\
body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}\
pre{{font-family:ui-monospace,monospace;font-size:13px;line-height:1.35;white-space:pre-wrap}}\
</style></head><body><h1>{t}</h1><p id=\"subtitle\">{}</p><pre id=\"report\">{}</pre></body></html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(subtitle),
        escape(text),
        t = escape(title),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaped_and_self_contained() {
        let h = super::render("audit <x>", "logs/", "grade F\n<script>alert(1)</script>");
        assert!(h.contains("<title>srtlog: audit &lt;x&gt;</title>"));
        assert!(h.contains("grade F\n&lt;script&gt;"));
        assert!(!h.contains("<script>"));
        assert!(h.contains("default-src 'none'"));
    }
}
