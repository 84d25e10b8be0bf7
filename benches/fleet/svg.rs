//! The fleet bench's plot: two histograms stacked, on the same scales, as
//! hand-written SVG.

use std::fmt::Write as _;
use std::path::Path;

const WIDTH: f64 = 800.0;
const PANEL: f64 = 180.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const GAP: f64 = 50.0;

/// Writes `title` and the histograms `a` and `b` (counts per `bucket_ms`)
/// to `path`.
pub fn write(
    path: &Path,
    title: &str,
    a: (&str, &[u64]),
    b: (&str, &[u64]),
    bucket_ms: i64,
) -> std::io::Result<()> {
    let n = a.1.len().max(b.1.len()).max(1);
    let peak = a.1.iter().chain(b.1).copied().max().unwrap_or(0).max(1);
    let height = TOP + 2.0 * PANEL + GAP + 40.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let bar_w = plot_w / n as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="14">Connection attempts at the survivors per {bucket_ms} ms: {}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    for (p, (label, counts)) in [a, b].into_iter().enumerate() {
        let y0 = TOP + p as f64 * (PANEL + GAP);
        let base = y0 + PANEL;
        let total: u64 = counts.iter().sum();
        let local_peak = counts.iter().copied().max().unwrap_or(0);
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="{}">{} (peak {local_peak}, {total} in all)</text>"#,
            y0 - 6.0,
            escape(label)
        );
        // Axes and the y scale (0, half, peak).
        let _ = writeln!(
            s,
            r##"<path d="M{LEFT} {y0} V{base} H{}" stroke="#444" fill="none"/>"##,
            WIDTH - RIGHT
        );
        for frac in [0.0, 0.5, 1.0] {
            let y = base - frac * PANEL;
            let _ = writeln!(
                s,
                r##"<text x="{}" y="{}" text-anchor="end" fill="#444">{}</text><path d="M{} {y} H{LEFT}" stroke="#444"/>"##,
                LEFT - 6.0,
                y + 4.0,
                (frac * peak as f64).round() as u64,
                LEFT - 3.0
            );
        }
        let fill = if p == 0 { "#c0392b" } else { "#2471a3" };
        for (i, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let h = c as f64 / peak as f64 * PANEL;
            let _ = writeln!(
                s,
                r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{fill}"><title>{:.1} s: {c}</title></rect>"#,
                LEFT + i as f64 * bar_w,
                base - h,
                bar_w.max(1.0),
                h,
                i as f64 * bucket_ms as f64 / 1000.0
            );
        }
        // Time ticks every second (every 5 s on long plots).
        let span_s = n as f64 * bucket_ms as f64 / 1000.0;
        let step = if span_s > 20.0 { 5.0 } else { 1.0 };
        let mut t = 0.0;
        while t <= span_s {
            let x = LEFT + t * 1000.0 / bucket_ms as f64 * bar_w;
            let _ = writeln!(
                s,
                r##"<path d="M{x:.2} {base} V{}" stroke="#444"/><text x="{x:.2}" y="{}" text-anchor="middle" fill="#444">{t}</text>"##,
                base + 4.0,
                base + 16.0
            );
            t += step;
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">seconds after the server was killed</text>"#,
        WIDTH / 2.0,
        height - 6.0
    );
    s.push_str("</svg>\n");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, s)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
