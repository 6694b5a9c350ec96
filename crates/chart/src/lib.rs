//! Charts as self-contained SVG text: SPC charts, funnel plots, dot-and-whisker charts,
//! deprivation gradients and spine charts. Pure functions from data to a string — no I/O, no
//! fonts or scripts fetched — so the CLI, the report and the web app draw the same pictures.
//!
//! Every chart is accessible: `role="img"`, a `<title>` and a `<desc>` summarising what it shows,
//! and a colour-blind-safe palette (Okabe–Ito) in which meaning never rests on colour alone
//! (special causes are also drawn larger, reference groups get another shape, and limits are
//! labelled). The `<title>` and `<desc>` ids are derived from a hash of the chart, so several
//! charts can be inlined into one HTML page.
//!
//! Why one long file: the SPC chart, the funnel plot and the scatter chart share the frame,
//! axes and document wrapper defined here, and their tests (a third of the file) read those
//! constants; the group and spine charts, which lay out their own rows, have modules of their own.

#![deny(missing_docs)]

use std::fmt::Write;

#[cfg(test)]
mod check;
#[cfg(test)]
mod contrast;
mod draw;
mod group;
mod ratio;
mod spine;

pub use group::{GroupPoint, dot_whisker, gradient};
pub use ratio::ratio_chart;
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
/// The smallest text, in pixels: axis labels, legends, line names (at least 11 px on screen
/// when a chart is drawn at its own width).
const SMALL: f64 = 11.0;
/// The least space between two axis labels, in pixels.
const LABEL_GAP: f64 = 8.0;

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

/// The contrast ratio of two sRGB colours (1 to 21), as WCAG 2 defines it: text needs at least
/// 4.5:1 against what it sits on (3:1 for large text and graphics).
///
/// # Formula
/// `(L1 + 0.05) / (L2 + 0.05)` with `L1 ≥ L2` the relative luminances
/// `0.2126 R + 0.7152 G + 0.0722 B` of the linearised channels (`c/12.92` up to 0.03928,
/// else `((c + 0.055)/1.055)^2.4`).
///
/// # References
/// W3C, *Web Content Accessibility Guidelines 2.1*, "contrast ratio" and "relative luminance".
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let luminance = |c: [u8; 3]| {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

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
            // In the right margin, beside the line's end, clear of the points; wrapped when
            // the margin is narrower than the name.
            let x = last.0 + 6.0;
            let lines = draw::wrap_px(name, WIDTH - x - 2.0, SMALL);
            draw::text_lines(
                &mut svg,
                (x, last.1 + 3.0),
                &format!(r##"font-size="{SMALL}" fill="{colour}""##),
                &lines,
                SMALL + 1.0,
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
            r##"<circle cx="{lx:.1}" cy="{:.1}" r="{r}" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="{SMALL}" fill="#333333">{text}</text>"##,
            HEIGHT - 12.0,
            lx + 8.0,
            HEIGHT - 8.5
        );
        lx += 36.0 + draw::text_width(text, SMALL);
    }
    // Period labels, thinned by their width so that no two overlap.
    let widest = points
        .iter()
        .map(|p| draw::text_width(&p.period, SMALL))
        .fold(0.0, f64::max);
    let every = draw::label_stride(f.x(1.0) - f.x(0.0), widest, LABEL_GAP);
    for (i, p) in points.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{SMALL}" fill="#333333">{}</text>"##,
            f.x(i as f64),
            HEIGHT - BOTTOM + 16.0,
            esc(&p.period)
        );
    }
    document(HEIGHT, title, &desc, &svg)
}

/// The most outliers a funnel plot labels.
const MAX_FUNNEL_LABELS: usize = 8;

/// What a funnel plot's axes and centre line are called.
#[derive(Clone, Copy, Debug)]
pub struct FunnelNames<'a> {
    /// The x axis: the statistic's denominator, e.g. "Denominator (people)".
    pub x: &'a str,
    /// The y axis: the statistic and its unit.
    pub y: &'a str,
    /// The centre line in the legend, e.g. "average" or "target".
    pub centre: &'a str,
}

/// The names of a funnel's limit levels in the legend, innermost first (PHE's two levels, the
/// ones [`FunnelLimits`] carries).
const FUNNEL_LEVELS: [&str; 2] = ["95% limits", "99.8% limits"];
/// The dash of each limit level's lines, innermost first.
const FUNNEL_DASHES: [&str; 2] = ["6 4", "2 3"];

/// A funnel plot: units as points (outliers enlarged; the eight farthest from the target
/// labelled), the target line, the limits at each level as curves, drawn only where they lie
/// within the axis range (a curve that leaves the frame is broken there, not run along its
/// edge), and a legend naming the lines.
pub fn funnel_plot(
    title: &str,
    names: &FunnelNames<'_>,
    units: &[FunnelUnit],
    limits: &[FunnelLimits],
    target: f64,
) -> String {
    let mut svg = String::new();
    let n_out = units.iter().filter(|u| u.outlier).count();
    let desc = format!(
        "Funnel plot of {} units against the {} {}; {} unit(s) lie outside the outer limits.",
        units.len(),
        names.centre,
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
    y_axis(&mut svg, &f, names.y);
    x_axis(&mut svg, &f, names.x);
    let n_levels = limits.first().map_or(0, |l| l.1.len());
    for k in 0..n_levels {
        let dash = FUNNEL_DASHES[k.min(FUNNEL_DASHES.len() - 1)];
        for side in [0, 1] {
            let curve: Vec<(f64, f64)> = limits
                .iter()
                .filter_map(|(x, ls)| {
                    let (lo, hi) = ls.get(k)?;
                    Some((*x, if side == 0 { *lo } else { *hi }))
                })
                .collect();
            for run in within(&curve, f.y0, f.y1) {
                let pts: Vec<(f64, f64)> = run.iter().map(|&(x, v)| (f.x(x), f.y(v))).collect();
                polyline(&mut svg, &pts, GREY, Some(dash), 1.2);
            }
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
    funnel_legend(&mut svg, names.centre, n_levels);
    document(HEIGHT, title, &desc, &svg)
}

/// The parts of a curve of `(x, value)` points that lie within `[lo, hi]`: one run of points
/// per stretch inside, each ending where the curve crosses a bound (by linear interpolation),
/// so a curve leaving the range is broken there. Points with a value that is not finite break
/// the curve too.
fn within(curve: &[(f64, f64)], lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let inside = |v: f64| v >= lo && v <= hi;
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64)>| {
        if run.len() >= 2 {
            runs.push(std::mem::take(run));
        } else {
            run.clear();
        }
    };
    for (k, &(x, v)) in curve.iter().enumerate() {
        let prev = k.checked_sub(1).map(|j| curve[j]);
        if !v.is_finite() {
            flush(&mut run);
            continue;
        }
        if let Some((px, pv)) = prev.filter(|p| p.1.is_finite()) {
            // Where the segment from the previous point crosses a bound, in order along x.
            let mut cuts: Vec<(f64, f64)> = [lo, hi]
                .into_iter()
                .filter(|b| (pv - b) * (v - b) < 0.0)
                .map(|b| (px + (x - px) * (b - pv) / (v - pv), b))
                .collect();
            cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut was_inside = inside(pv);
            for cut in cuts {
                if was_inside {
                    run.push(cut);
                    flush(&mut run);
                } else {
                    run.push(cut);
                }
                was_inside = !was_inside;
            }
        }
        if inside(v) {
            run.push((x, v));
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    runs
}

/// The funnel's legend in the right margin, at the top: the centre line, then each limit
/// level's line sample and name.
fn funnel_legend(svg: &mut String, centre: &str, n_levels: usize) {
    let x = WIDTH - RIGHT + 10.0;
    let mut y = TOP + 6.0;
    let mut entry = |svg: &mut String, dash: Option<&str>, colour: &str, name: &str| {
        polyline(svg, &[(x, y), (x + 18.0, y)], colour, dash, 1.2);
        let lines = draw::wrap_px(name, WIDTH - x - 24.0, SMALL);
        draw::text_lines(
            svg,
            (x + 22.0, y + 4.0),
            &format!(r##"font-size="{SMALL}" fill="#333333""##),
            &lines,
            SMALL + 1.0,
        );
        y += 8.0 + (SMALL + 1.0) * lines.len() as f64;
    };
    entry(svg, None, "#000000", centre);
    for k in 0..n_levels {
        let name = FUNNEL_LEVELS
            .get(k)
            .map_or_else(|| format!("limits {}", k + 1), |n| (*n).to_string());
        let dash = FUNNEL_DASHES[k.min(FUNNEL_DASHES.len() - 1)];
        entry(svg, Some(dash), GREY, &name);
    }
}

/// The x axis: ticks below the plot and its label.
fn x_axis(svg: &mut String, f: &Frame, label: &str) {
    for t in ticks(f.x0, f.x1) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{SMALL}" fill="#333333">{}</text>"##,
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
/// with the largest `distance` are labelled, each right of its point or, near the plot's right
/// edge, left of it, so labels stay legible (the rest are named in
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
            // Right of the point, or left of it where the label would run past the plot into
            // the right margin (where a legend may be). A white halo under the glyphs keeps the
            // label legible where it crosses the fitted line, a limit or another marker.
            let (x, anchor) = if cx + 7.0 + draw::text_width(&u.label, SMALL) > WIDTH - RIGHT {
                (cx - 7.0, r#" text-anchor="end""#)
            } else {
                (cx + 7.0, "")
            };
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{:.1}"{anchor} {HALO} font-size="{SMALL}" fill="#000000">{}</text>"##,
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
        let names = FunnelNames {
            x: "size",
            y: "value",
            centre: "average",
        };
        let svg = funnel_plot("F", &names, &units, &limits, 50.0);
        let labels = svg
            .matches(r##"font-size="11" fill="#000000">Unit"##)
            .count();
        assert_eq!(labels, MAX_FUNNEL_LABELS);
        assert!(svg.contains(">Unit 19</text>") && !svg.contains(">Unit 0</text>"));
        // A label that would run into the right margin goes left of its point.
        let edge =
            [("Near the left", 100.0), ("Far right outlier", 1000.0)].map(|(l, size)| FunnelUnit {
                label: l.into(),
                size,
                value: 70.0,
                outlier: true,
            });
        let svg = funnel_plot("E", &names, &edge, &limits, 50.0);
        assert!(
            svg.contains(
                r##"text-anchor="end" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke" font-size="11" fill="#000000">Far right outlier</text>"##
            ),
            "{svg}"
        );
        assert!(svg.contains(r##"" font-size="11" fill="#000000">Near the left</text>"##));
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
        let names = FunnelNames {
            x: "Denominator (referrals)",
            y: "Proportion",
            centre: "average",
        };
        let svg = funnel_plot("Recovery", &names, &units, &limits, 0.17);
        check::assert_well_formed(&svg);
        assert!(svg.contains("Outlier &amp; co"));
        assert!(svg.contains("1 unit(s) lie outside"));
        assert!(svg.contains("against the average 0.17"));
        assert!(svg.contains(">Denominator (referrals)</text>"));
        assert_eq!(
            svg.matches("<polyline").count(),
            5 + 3,
            "four limit curves and the target, and their three legend samples"
        );
        for name in ["average", "95% limits", "99.8% limits"] {
            assert!(
                svg.contains(&format!(">{name}</text>")),
                "no legend for {name}"
            );
        }
    }

    #[test]
    fn funnel_limits_break_where_they_leave_the_axis_range() {
        // A limit that leaves the range at the top and comes back is two runs, each ending on
        // the bound where it crosses it, and never runs along the bound.
        let curve = [
            (0.0, 5.0),
            (1.0, 9.0),
            (2.0, 15.0),
            (3.0, 20.0),
            (4.0, 8.0),
            (5.0, 6.0),
        ];
        let runs = within(&curve, 0.0, 10.0);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[0].first(), Some(&(0.0, 5.0)));
        let exit = *runs[0].last().unwrap();
        assert!(
            (exit.0 - 1.166_666).abs() < 1e-3 && exit.1 == 10.0,
            "{exit:?}"
        );
        let entry = runs[1][0];
        assert!(
            (entry.0 - 3.833_333).abs() < 1e-3 && entry.1 == 10.0,
            "{entry:?}"
        );
        assert_eq!(runs[1].last(), Some(&(5.0, 6.0)));
        for run in &runs {
            let on_bound = run.iter().filter(|p| p.1 == 10.0).count();
            assert!(on_bound <= 1, "a run along the bound: {run:?}");
        }
        // Wholly outside, or a gap: nothing drawn there.
        assert!(within(&[(0.0, 11.0), (1.0, 12.0)], 0.0, 10.0).is_empty());
        assert_eq!(
            within(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0)], 0.0, 10.0).len(),
            0
        );
        // Crossing the whole range in one step: the part between the bounds.
        assert_eq!(
            within(&[(0.0, -10.0), (2.0, 30.0)], 0.0, 10.0),
            vec![vec![(0.5, 0.0), (1.0, 10.0)]]
        );

        // In a plot: a funnel whose 99.8 % limits run far beyond the units draws no limit
        // point on the frame's top or bottom edge, except where a line crosses it.
        let units: Vec<FunnelUnit> = (1..=6)
            .map(|i| FunnelUnit {
                label: format!("U{i}"),
                size: f64::from(i) * 100.0,
                value: 50.0 + f64::from(i % 3),
                outlier: false,
            })
            .collect();
        let limits: Vec<FunnelLimits> = (1..=30)
            .map(|i| {
                let w = 400.0 / f64::from(i);
                (
                    f64::from(i) * 20.0,
                    vec![(50.0 - w / 3.0, 50.0 + w / 3.0), (50.0 - w, 50.0 + w)],
                )
            })
            .collect();
        let names = FunnelNames {
            x: "Population",
            y: "per 100",
            centre: "average",
        };
        let svg = funnel_plot("Clipped", &names, &units, &limits, 50.0);
        let (top, bottom) = (format!("{TOP:.1}"), format!("{:.1}", HEIGHT - BOTTOM));
        for line in svg.split("<polyline points=\"").skip(1) {
            let coords = &line[..line.find('"').unwrap()];
            let ys: Vec<&str> = coords
                .split(' ')
                .map(|p| p.split(',').nth(1).unwrap())
                .collect();
            let on_edge = ys.iter().filter(|y| **y == top || **y == bottom).count();
            assert!(
                on_edge <= 1,
                "a limit drawn along the frame's edge: {coords}"
            );
        }
    }

    #[test]
    fn quarterly_spc_labels_do_not_overlap() {
        let quarters: Vec<String> = (0..36)
            .map(|i| format!("{}-{:02} Q{}", 2016 + i / 4, (17 + i / 4) % 100, i % 4 + 1))
            .collect();
        assert_eq!(quarters[35], "2024-25 Q4");
        let pts: Vec<SpcPoint> = quarters
            .iter()
            .map(|q| SpcPoint {
                period: q.clone(),
                value: Some(1.0),
                mean: 1.0,
                lower: 0.0,
                upper: 2.0,
                signal: Signal::Common,
            })
            .collect();
        let svg = spc_chart("Quarterly", "value", &pts);
        check::assert_well_formed(&svg);
        // The period labels: centred text on the line under the plot.
        let y = format!(r#"y="{:.1}" text-anchor="middle""#, HEIGHT - BOTTOM + 16.0);
        let mut extents: Vec<(f64, f64)> = Vec::new();
        for part in svg.split("<text x=\"").skip(1) {
            if !part.contains(&y) {
                continue;
            }
            let x: f64 = part[..part.find('"').unwrap()].parse().unwrap();
            let label = &part[part.find('>').unwrap() + 1..part.find("</text>").unwrap()];
            let half = draw::text_width(label, SMALL) / 2.0;
            extents.push((x - half, x + half));
        }
        assert!(extents.len() >= 4, "{} labels", extents.len());
        for w in extents.windows(2) {
            assert!(w[0].1 + LABEL_GAP <= w[1].0 + 0.1, "labels overlap: {w:?}");
        }
        // No wider a stride than needed: a label every fifth or sixth quarter, not every
        // twelfth.
        assert!(extents.len() >= 36 / 6, "{} labels", extents.len());
        // Short labels are all shown.
        let short: Vec<SpcPoint> = pts
            .iter()
            .take(8)
            .map(|p| SpcPoint {
                period: format!("P{}", &p.period[..1]),
                ..p.clone()
            })
            .collect();
        let svg = spc_chart("Short", "value", &short);
        assert_eq!(svg.matches(&y).count(), 8);
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
