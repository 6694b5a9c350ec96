//! Charts as self-contained SVG text: SPC charts, funnel plots, dot-and-whisker charts,
//! deprivation gradients and spine charts. Pure functions from data to a string — no I/O, no
//! fonts or scripts fetched — so the CLI, the report and the web app draw the same pictures.
//!
//! Every chart is accessible: `role="img"`, a `<title>` and a `<desc>` summarising what it shows,
//! and a colour-blind-safe palette (Okabe–Ito) in which meaning never rests on colour alone
//! (special causes are also drawn larger, reference groups get another shape, and limits are
//! labelled). The `<title>` and `<desc>` ids are derived from a hash of the chart, so several
//! charts can be inlined into one HTML page.

#![deny(missing_docs)]

use std::fmt::Write;

#[cfg(test)]
mod check;
#[cfg(test)]
mod contrast;
mod draw;
mod group;
mod spine;

pub use group::{GroupPoint, dot_whisker, gradient};
pub use spine::{Compared, SpineRow, spine_chart};

/// Okabe–Ito colours.
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#D55E00";
const PURPLE: &str = "#CC79A7";
const GREY: &str = "#595959";
const LIGHT: &str = "#BBBBBB";
/// The attributes of a text's halo: a white outline painted under its glyphs, so that a label
/// set among lines and markers keeps its contrast against white wherever it lies.
pub(crate) const HALO: &str =
    r##"stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke""##;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 340.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 110.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 52.0;

/// What an SPC point signals, for its colour and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Common cause.
    Common,
    /// Special cause, improvement.
    Improvement,
    /// Special cause, concern.
    Concern,
    /// Special cause without a direction.
    Neutral,
}

/// One point of an SPC chart.
#[derive(Clone, Debug, PartialEq)]
pub struct SpcPoint {
    /// The period label shown on the x axis.
    pub period: String,
    /// The value (`None` for a gap).
    pub value: Option<f64>,
    /// Centre line at this point.
    pub mean: f64,
    /// Lower process limit.
    pub lower: f64,
    /// Upper process limit.
    pub upper: f64,
    /// What the point signals.
    pub signal: Signal,
}

/// One unit of a funnel plot.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelUnit {
    /// Unit label (shown for outliers).
    pub label: String,
    /// Size (x axis): population, expected events…
    pub size: f64,
    /// Value (y axis).
    pub value: f64,
    /// Outside the outer limits.
    pub outlier: bool,
}

/// One x position of a funnel's limits: `(size, [(lower, upper) per level, innermost first])`.
pub type FunnelLimits = (f64, Vec<(f64, f64)>);

/// Escapes text for HTML and SVG content and attribute values (`&`, `<`, `>`, `"` and `'`), so
/// text can go inside either kind of quotes. The one escaper of the charts, the report and the
/// web app.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A round step giving about five ticks over `[lo, hi]` (`hi > lo`).
fn tick_step(lo: f64, hi: f64) -> f64 {
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Round tick values covering `[lo, hi]`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let step = tick_step(lo, hi);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

fn fmt_tick(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if v.abs() < 10_000.0 {
        return s.to_string();
    }
    // Thousands separators for large values (populations on a funnel's axis).
    group_thousands(s)
}

/// Puts thousands separators into a number already formatted as text: `-1234567.5` →
/// `-1,234,567.5`. Any sign and fraction are kept as they are.
pub fn group_thousands(number: &str) -> String {
    let (sign, digits) = match number.char_indices().find(|(_, c)| c.is_ascii_digit()) {
        Some((k, _)) => number.split_at(k),
        None => return number.to_string(),
    };
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(sign);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn x(&self, v: f64) -> f64 {
        LEFT + (v - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)
    }
    fn y(&self, v: f64) -> f64 {
        HEIGHT - BOTTOM - (v - self.y0) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)
    }
}

/// FNV-1a, 64 bits, over the parts with a 0xff byte (never in UTF-8) between them.
fn fnv1a(parts: &[&str]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let sep: &[u8] = if i == 0 { &[] } else { &[0xff] };
        for b in sep.iter().chain(part.as_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// The id prefix of a chart: a hash of its title, description and body, so that charts inlined
/// into one page have distinct `<title>`/`<desc>` ids while each stays a pure function.
fn id_prefix(title: &str, desc: &str, body: &str) -> String {
    format!("c{:016x}", fnv1a(&[title, desc, body]))
}

/// A complete SVG document `height` pixels high: the accessible title and description, a white
/// background, the visible title, then `body`.
fn document(height: f64, title: &str, desc: &str, body: &str) -> String {
    let id = id_prefix(title, desc, body);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" font-family="Arial, Helvetica, sans-serif" font-size="12"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc><rect width="100%" height="100%" fill="#ffffff"/><text x="{LEFT}" y="22" font-size="15" font-weight="bold" fill="#000000">{}</text>{body}</svg>"##,
        esc(title),
        esc(desc),
        esc(title)
    )
}

fn y_axis(svg: &mut String, f: &Frame, label: &str) {
    for t in ticks(f.y0, f.y1) {
        let y = f.y(t);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eeeeee"/><text x="{}" y="{:.1}" text-anchor="end" fill="#333333">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            fmt_tick(t)
        );
    }
    let _ = write!(
        svg,
        r##"<text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle" fill="#333333">{}</text>"##,
        (TOP + HEIGHT - BOTTOM) / 2.0,
        esc(label)
    );
}

fn polyline(svg: &mut String, pts: &[(f64, f64)], colour: &str, dash: Option<&str>, width: f64) {
    if pts.len() < 2 {
        return;
    }
    let path: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let dash = dash
        .map(|d| format!(r##" stroke-dasharray="{d}""##))
        .unwrap_or_default();
    let _ = write!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>"##,
        path.join(" ")
    );
}

/// An SPC chart: values joined by a line (broken at gaps), centre line, process limits, and
/// special causes coloured and enlarged.
pub fn spc_chart(title: &str, y_label: &str, points: &[SpcPoint]) -> String {
    let mut svg = String::new();
    let n_special = points.iter().filter(|p| p.signal != Signal::Common).count();
    let desc = format!(
        "Statistical process control chart of {} periods with centre line and process limits; {} point(s) show special-cause variation.",
        points.len(),
        n_special
    );
    let finite = points
        .iter()
        .flat_map(|p| [p.value.unwrap_or(f64::NAN), p.lower, p.upper, p.mean])
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if points.is_empty() || !lo.is_finite() {
        return document(HEIGHT, title, &desc, &svg);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let f = Frame {
        x0: 0.0,
        x1: (points.len().max(2) - 1) as f64,
        y0: lo - pad,
        y1: hi + pad,
    };
    y_axis(&mut svg, &f, y_label);
    // Lines: limits and centre, one level run per segment, so a rebase shows as a step and
    // no line slopes from one segment's limits to the next.
    let half = 0.4 * (f.x(1.0) - f.x(0.0));
    for (get, colour, dash, name) in [
        (0usize, GREY, Some("6 4"), "upper process limit"),
        (1, GREY, Some("6 4"), "lower process limit"),
        (2, "#000000", None, "mean"),
    ] {
        let level = |p: &SpcPoint| [p.upper, p.lower, p.mean][get];
        let mut last_end: Option<(f64, f64)> = None;
        let mut i = 0;
        while i < points.len() {
            let v = level(&points[i]);
            let mut j = i;
            while j + 1 < points.len() && level(&points[j + 1]) == v {
                j += 1;
            }
            if v.is_finite() {
                let (x0, x1) = if i == j {
                    (f.x(i as f64) - half, f.x(i as f64) + half)
                } else {
                    (f.x(i as f64), f.x(j as f64))
                };
                polyline(&mut svg, &[(x0, f.y(v)), (x1, f.y(v))], colour, dash, 1.2);
                last_end = Some((x1, f.y(v)));
            }
            i = j + 1;
        }
        if let Some(last) = last_end {
            // In the right margin, beside the line's end, clear of the points.
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="{colour}">{name}</text>"##,
                last.0 + 6.0,
                last.1 + 3.0
            );
        }
    }
    // The series, broken at gaps.
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => run.push((f.x(i as f64), f.y(v))),
            None => {
                polyline(&mut svg, &run, LIGHT, None, 1.5);
                run.clear();
            }
        }
    }
    polyline(&mut svg, &run, LIGHT, None, 1.5);
    for (i, p) in points.iter().enumerate() {
        let Some(v) = p.value else { continue };
        let (colour, r) = match p.signal {
            Signal::Common => (GREY, 3.0),
            Signal::Improvement => (BLUE, 5.0),
            Signal::Concern => (ORANGE, 5.0),
            Signal::Neutral => (PURPLE, 5.0),
        };
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{colour}"><title>{}: {}</title></circle>"##,
            f.x(i as f64),
            f.y(v),
            esc(&p.period),
            fmt_tick(v)
        );
    }
    // Legend, so improvement and concern are named, not only coloured.
    let legend = [
        (GREY, 3.0, "common cause"),
        (BLUE, 5.0, "special cause: improvement"),
        (ORANGE, 5.0, "special cause: concern"),
        (PURPLE, 5.0, "special cause: no direction"),
    ];
    let mut lx = LEFT;
    for (colour, r, text) in legend {
        let _ = write!(
            svg,
            r##"<circle cx="{lx:.1}" cy="{:.1}" r="{r}" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#333333">{text}</text>"##,
            HEIGHT - 12.0,
            lx + 8.0,
            HEIGHT - 8.5
        );
        lx += 30.0 + 6.0 * text.len() as f64;
    }
    // Period labels, thinned to about twelve.
    let every = points.len().div_ceil(12).max(1);
    for (i, p) in points.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#333333">{}</text>"##,
            f.x(i as f64),
            HEIGHT - BOTTOM + 16.0,
            esc(&p.period)
        );
    }
    document(HEIGHT, title, &desc, &svg)
}

/// The most outliers a funnel plot labels.
const MAX_FUNNEL_LABELS: usize = 8;

/// A funnel plot: units as points (outliers enlarged; the eight farthest from the target
/// labelled), the target line, and the limits at each level as curves.
pub fn funnel_plot(
    title: &str,
    x_label: &str,
    y_label: &str,
    units: &[FunnelUnit],
    limits: &[FunnelLimits],
    target: f64,
) -> String {
    let mut svg = String::new();
    let n_out = units.iter().filter(|u| u.outlier).count();
    let desc = format!(
        "Funnel plot of {} units against the target {}; {} unit(s) lie outside the outer limits.",
        units.len(),
        fmt_tick(target),
        n_out
    );
    let xs = units
        .iter()
        .map(|u| u.size)
        .chain(limits.iter().map(|l| l.0))
        .filter(|v| v.is_finite());
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let ys = units
        .iter()
        .map(|u| u.value)
        .chain(std::iter::once(target))
        .chain(
            limits
                .iter()
                .flat_map(|l| l.1.iter().flat_map(|(a, b)| [*a, *b])),
        )
        .filter(|v| v.is_finite());
    let (y_lo, y_hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !x_lo.is_finite() || !y_lo.is_finite() {
        return document(HEIGHT, title, &desc, &svg);
    }
    // Keep the funnel's mouth from dominating: clip the y range to the units' spread.
    let (u_lo, u_hi) = units.iter().fold((target, target), |(a, b), u| {
        (a.min(u.value), b.max(u.value))
    });
    let span = (u_hi - u_lo).max(1e-9);
    let f = Frame {
        x0: 0.0,
        x1: x_hi * 1.03,
        y0: y_lo.max(u_lo - span * 0.6),
        y1: y_hi.min(u_hi + span * 0.6),
    };
    y_axis(&mut svg, &f, y_label);
    x_axis(&mut svg, &f, x_label);
    let clip = |v: f64| v.clamp(f.y0, f.y1);
    let n_levels = limits.first().map_or(0, |l| l.1.len());
    for k in 0..n_levels {
        let dash = if k == 0 { "6 4" } else { "2 3" };
        for side in [0, 1] {
            let pts: Vec<(f64, f64)> = limits
                .iter()
                .filter_map(|(x, ls)| {
                    let v = if side == 0 { ls[k].0 } else { ls[k].1 };
                    v.is_finite().then(|| (f.x(*x), f.y(clip(v))))
                })
                .collect();
            polyline(&mut svg, &pts, GREY, Some(dash), 1.2);
        }
    }
    polyline(
        &mut svg,
        &[(f.x(f.x0), f.y(target)), (f.x(f.x1), f.y(target))],
        "#000000",
        None,
        1.2,
    );
    unit_points(&mut svg, &f, units, |u| (u.value - target).abs());
    document(HEIGHT, title, &desc, &svg)
}

/// The x axis: ticks below the plot and its label.
fn x_axis(svg: &mut String, f: &Frame, label: &str) {
    for t in ticks(f.x0, f.x1) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#333333">{}</text>"##,
            f.x(t),
            HEIGHT - BOTTOM + 16.0,
            fmt_tick(t)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333333">{}</text>"##,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 12.0,
        esc(label)
    );
}

/// Units as points at (size, value), outliers enlarged in orange; at most the eight outliers
/// with the largest `distance` are labelled, so labels stay legible (the rest are named in
/// their point's tooltip and in the data table). Values are clipped to the frame.
fn unit_points(
    svg: &mut String,
    f: &Frame,
    units: &[FunnelUnit],
    distance: impl Fn(&FunnelUnit) -> f64,
) {
    let mut far: Vec<(usize, f64)> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.outlier)
        .map(|(k, u)| (k, distance(u)))
        .collect();
    far.sort_by(|a, b| b.1.total_cmp(&a.1));
    let labelled: Vec<usize> = far.iter().take(MAX_FUNNEL_LABELS).map(|x| x.0).collect();
    for (k, u) in units.iter().enumerate() {
        let (colour, r) = if u.outlier {
            (ORANGE, 5.0)
        } else {
            (BLUE, 3.5)
        };
        let (cx, cy) = (f.x(u.size), f.y(u.value.clamp(f.y0, f.y1)));
        let _ = write!(
            svg,
            r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r}" fill="{colour}"><title>{}: {}</title></circle>"##,
            esc(&u.label),
            fmt_tick(u.value)
        );
        if labelled.contains(&k) {
            // A white halo under the glyphs: the label stays legible where it crosses the
            // fitted line, a limit or another unit's marker.
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" {HALO} font-size="10" fill="#000000">{}</text>"##,
                cx + 7.0,
                cy + 3.0,
                esc(&u.label)
            );
        }
    }
}

/// A scatter chart of units: the determinant (`size`) across, the indicator (`value`) up, the
/// fitted line `(intercept, slope)` over the units' range, and the units the line fits worst
/// (`outlier`) enlarged and labelled, at most eight.
pub fn scatter(
    title: &str,
    x_label: &str,
    y_label: &str,
    units: &[FunnelUnit],
    line: Option<(f64, f64)>,
) -> String {
    let mut svg = String::new();
    let n_out = units.iter().filter(|u| u.outlier).count();
    let fitted = |x: f64| line.map(|(a, b)| a + b * x);
    let desc = match line {
        Some((a, b)) => format!(
            "Scatter chart of {} units with the fitted line y = {} + {} x; {n_out} unit(s) lie far from the line.",
            units.len(),
            fmt_tick(a),
            fmt_tick(b)
        ),
        None => format!("Scatter chart of {} units.", units.len()),
    };
    let finite = units
        .iter()
        .filter(|u| u.size.is_finite() && u.value.is_finite());
    let (x_lo, x_hi) = finite
        .clone()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), u| {
            (a.min(u.size), b.max(u.size))
        });
    let (y_lo, y_hi) = finite
        .clone()
        .map(|u| u.value)
        .chain([x_lo, x_hi].into_iter().filter_map(fitted))
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !x_lo.is_finite() || !y_lo.is_finite() {
        return document(HEIGHT, title, &desc, &svg);
    }
    let (xs, ys) = ((x_hi - x_lo).max(1e-9), (y_hi - y_lo).max(1e-9));
    let f = Frame {
        x0: x_lo - xs * 0.05,
        x1: x_hi + xs * 0.05,
        y0: y_lo - ys * 0.08,
        y1: y_hi + ys * 0.08,
    };
    y_axis(&mut svg, &f, y_label);
    x_axis(&mut svg, &f, x_label);
    if let (Some(y0), Some(y1)) = (fitted(x_lo), fitted(x_hi)) {
        polyline(
            &mut svg,
            &[(f.x(x_lo), f.y(y0)), (f.x(x_hi), f.y(y1))],
            "#000000",
            None,
            1.5,
        );
    }
    unit_points(&mut svg, &f, units, |u| {
        fitted(u.size).map_or(0.0, |y| (u.value - y).abs())
    });
    document(HEIGHT, title, &desc, &svg)
}

/// The height of a chart made here, read from its root element (charts differ in height).
fn svg_height(chart: &str) -> f64 {
    let head = &chart[..chart.find('>').unwrap_or(chart.len())];
    head.find(r#" height=""#)
        .and_then(|i| {
            let rest = &head[i + 9..];
            rest[..rest.find('"')?].parse().ok()
        })
        .unwrap_or(HEIGHT)
}

/// Stacks charts vertically into one SVG document (one chart per series), each at its own
/// height.
pub fn stack(charts: &[String]) -> String {
    let height: f64 = charts.iter().map(|c| svg_height(c)).sum();
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">"##
    );
    let mut y = 0.0;
    for chart in charts {
        let inner = chart.strip_prefix("<svg ").unwrap_or(chart);
        let _ = write!(svg, r##"<svg y="{y}" {inner}"##);
        y += svg_height(chart);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_makes_text_safe_inside_either_quotes() {
        assert_eq!(
            esc(r#"<a href='x'>"B&W"</a>"#),
            "&lt;a href=&#39;x&#39;&gt;&quot;B&amp;W&quot;&lt;/a&gt;"
        );
        let title = "Children's \"services\"";
        let svg = spc_chart(title, "value", &[]);
        assert!(svg.contains("Children&#39;s &quot;services&quot;"), "{svg}");
        assert!(!svg.contains(title));
    }

    #[test]
    fn spc_limits_step_at_a_rebase_instead_of_sloping() {
        let pts: Vec<SpcPoint> = (0..6)
            .map(|i| SpcPoint {
                period: format!("P{i}"),
                value: Some(f64::from(i)),
                mean: if i < 3 { 1.0 } else { 4.0 },
                lower: if i < 3 { 0.0 } else { 3.0 },
                upper: if i < 3 { 2.0 } else { 5.0 },
                signal: Signal::Common,
            })
            .collect();
        let svg = spc_chart("Rebased", "value", &pts);
        // Every limit or centre line is horizontal: its two points share a y coordinate.
        let mut level_lines = 0;
        for line in svg.split("<polyline points=\"").skip(1) {
            let coords = &line[..line.find('"').unwrap()];
            let ys: Vec<&str> = coords
                .split(' ')
                .map(|p| p.split(',').nth(1).unwrap())
                .collect();
            if ys.len() == 2 {
                assert_eq!(ys[0], ys[1], "a sloping limit line: {coords}");
                level_lines += 1;
            }
        }
        // Two segments × (upper, lower, mean).
        assert_eq!(level_lines, 6);
    }

    #[test]
    fn funnel_labels_only_the_farthest_outliers() {
        let units: Vec<FunnelUnit> = (0..20)
            .map(|i| FunnelUnit {
                label: format!("Unit {i}"),
                size: 1000.0 + f64::from(i),
                value: 50.0 + f64::from(i),
                outlier: true,
            })
            .collect();
        let limits = vec![(900.0, vec![(45.0, 55.0)]), (1100.0, vec![(46.0, 54.0)])];
        let svg = funnel_plot("F", "size", "value", &units, &limits, 50.0);
        let labels = svg
            .matches(r##"font-size="10" fill="#000000">Unit"##)
            .count();
        assert_eq!(labels, MAX_FUNNEL_LABELS);
        assert!(svg.contains(">Unit 19</text>") && !svg.contains(">Unit 0</text>"));
        assert_eq!(fmt_tick(2_500_000.0), "2,500,000");
        assert_eq!(fmt_tick(-12_345.5), "-12,345.5");
        assert_eq!(fmt_tick(0.25), "0.25");
    }

    #[test]
    fn scatter_draws_the_line_over_the_units_and_labels_the_worst_fitted() {
        let units: Vec<FunnelUnit> = (0..12)
            .map(|i| FunnelUnit {
                label: format!("Area {i}"),
                size: f64::from(i),
                value: 10.0 + 2.0 * f64::from(i) + if i == 5 { 9.0 } else { 0.0 },
                outlier: i == 5,
            })
            .collect();
        let svg = scatter(
            "Rate & score",
            "IMD score",
            "per 100,000",
            &units,
            Some((10.0, 2.0)),
        );
        check::assert_well_formed(&svg);
        check::assert_labelled(&svg, "Rate &amp; score");
        assert!(
            svg.contains("fitted line y = 10 + 2 x; 1 unit(s) lie far"),
            "{svg}"
        );
        // One line, from the least to the greatest determinant value.
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 12);
        assert!(svg.contains(">Area 5</text>") && !svg.contains(">Area 4</text>"));
        // Without a fit: points only.
        let bare = scatter("S", "x", "y", &units, None);
        assert_eq!(bare.matches("<polyline").count(), 0);
        assert!(bare.contains("Scatter chart of 12 units."));
    }

    #[test]
    fn spc_chart_is_accessible_and_self_contained() {
        let pts: Vec<SpcPoint> = (0..20)
            .map(|i| SpcPoint {
                period: format!("P{i}"),
                value: if i == 7 { None } else { Some(f64::from(i % 5)) },
                mean: 2.0,
                lower: -1.0,
                upper: 5.0,
                signal: if i == 3 {
                    Signal::Concern
                } else {
                    Signal::Common
                },
            })
            .collect();
        let svg = spc_chart("Detentions <Black>", "per 100,000", &pts);
        check::assert_well_formed(&svg);
        check::assert_labelled(&svg, "Detentions &lt;Black&gt;");
        assert!(svg.contains("1 point(s) show special-cause variation"));
        assert!(
            svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#)
                && svg.matches("http://").count() == 1
                && !svg.contains("https://"),
            "no address but the SVG namespace"
        );
        assert_eq!(
            svg.matches("<circle").count(),
            19 + 4,
            "the gap has no point (plus four legend markers)"
        );
        assert!(svg.contains("special cause: concern"));
        assert!(svg.contains(ORANGE));
    }

    #[test]
    fn funnel_plot_labels_outliers() {
        let units = vec![
            FunnelUnit {
                label: "A".into(),
                size: 100.0,
                value: 0.1,
                outlier: false,
            },
            FunnelUnit {
                label: "Outlier & co".into(),
                size: 400.0,
                value: 0.4,
                outlier: true,
            },
        ];
        let limits: Vec<FunnelLimits> = (1..=10)
            .map(|i| (f64::from(i) * 50.0, vec![(0.05, 0.3), (0.02, 0.4)]))
            .collect();
        let svg = funnel_plot("Recovery", "Referrals", "Proportion", &units, &limits, 0.17);
        assert!(svg.contains("Outlier &amp; co"));
        assert!(svg.contains("1 unit(s) lie outside"));
        assert_eq!(
            svg.matches("<polyline").count(),
            5,
            "four limit curves and the target"
        );
    }

    #[test]
    fn ids_are_unique_per_chart_and_deterministic() {
        let pts = |v: f64| {
            vec![SpcPoint {
                period: "P".into(),
                value: Some(v),
                mean: 1.0,
                lower: 0.0,
                upper: 2.0,
                signal: Signal::Common,
            }]
        };
        let a = spc_chart("A", "y", &pts(1.0));
        let b = spc_chart("B", "y", &pts(1.0));
        let a_ids = check::ids(&a);
        assert!(a_ids[0].ends_with("-t") && a_ids[1].ends_with("-d"));
        assert!(a_ids.iter().all(|id| !check::ids(&b).contains(id)));
        assert_eq!(a, spc_chart("A", "y", &pts(1.0)), "a pure function");
        // Same title and description, different data: still distinct.
        let c = spc_chart("A", "y", &pts(1.5));
        assert_ne!(check::ids(&a), check::ids(&c));
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
        assert_eq!(fnv1a(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            fnv1a(&["a"]),
            0xaf63_dc4c_8601_ec8c,
            "FNV-1a 64 test vector"
        );
    }

    #[test]
    fn stack_uses_each_charts_height() {
        let a = document(100.0, "a", "d", "");
        let b = document(250.0, "b", "d", "");
        assert_eq!(svg_height(&b), 250.0);
        let s = stack(&[a, b]);
        assert!(s.contains(r#"viewBox="0 0 760 350""#));
        assert!(s.contains(r#"<svg y="0" "#) && s.contains(r#"<svg y="100" "#));
        check::assert_well_formed(&s);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(39.6, 60.4), vec![40.0, 45.0, 50.0, 55.0, 60.0]);
    }
}
