//! The rate-ratio chart: each group's ratio to a reference group with its interval, on a
//! logarithmic axis centred on 1, so that a ratio and its reciprocal (0.5 and 2) sit at the
//! same distance either side of "the same rate".

use std::fmt::Write;

use crate::draw::{
    GRID, INK, INK2, Marker, Shape, extremes, fmt_num, line as segment, plural, text, text_lines,
    wrap_px,
};
use crate::{BLUE, LEFT, WIDTH, document, esc, group::GroupPoint};

const ROW: f64 = 28.0;
const TOP: f64 = 62.0;
const LABEL_RIGHT: f64 = 210.0;
const PLOT_L: f64 = 224.0;
const PLOT_R: f64 = WIDTH - 96.0;
/// Height of one line of a wrapped group label.
const LINE: f64 = 13.0;
/// The widest axis drawn: 1/64 to 64. Ends beyond it are drawn at the edge with an arrow.
const MAX_DOUBLINGS: i32 = 6;

const BEYOND: Marker = Marker {
    shape: Shape::Circle,
    r: 5.0,
    fill: BLUE,
    stroke: BLUE,
    stroke_width: 1.0,
};
const WITHIN: Marker = Marker {
    shape: Shape::Circle,
    r: 5.0,
    fill: "#ffffff",
    stroke: BLUE,
    stroke_width: 2.0,
};

/// One row's ratio, interval and whether the interval excludes 1.
struct Row<'a> {
    label: &'a str,
    ratio: Option<f64>,
    interval: Option<(f64, f64)>,
}

impl Row<'_> {
    fn beyond_chance(&self) -> bool {
        self.interval.is_some_and(|(a, b)| a > 1.0 || b < 1.0)
    }
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v > 0.0)
}

/// The number of doublings either side of 1 the axis spans: enough for every ratio and
/// interval end, at least 1 (0.5 to 2), at most [`MAX_DOUBLINGS`].
pub(crate) fn doublings(values: impl Iterator<Item = f64>) -> i32 {
    values
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| (v.log2().abs() - 1e-9).ceil() as i32)
        .fold(1, i32::max)
        .min(MAX_DOUBLINGS)
}

/// The tick label of `2^k`: 0.25, 0.5, 1, 2, 4…, and fractions below 0.25 (1/8, 1/16).
pub(crate) fn tick_label(k: i32) -> String {
    if k < -2 {
        return format!("1/{}", 2u32.pow(k.unsigned_abs()));
    }
    let v = 2f64.powi(k);
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A horizontal chart of rate ratios: one row per group in the order given (label on the left,
/// wrapped onto as many lines as it needs, never cut, with the whole label in the row's `<title>`), the ratio as a dot and
/// its interval as a whisker with end caps, the ratio printed on the right, and a solid line at
/// 1 labelled "Same rate as {reference}". The x axis is logarithmic and symmetric about 1, with
/// a tick at every doubling (0.25, 0.5, 1, 2, 4), so 0.5 and 2 are equally far from 1. A dot is
/// filled where the interval lies wholly on one side of 1 (a difference larger than chance
/// would explain) and hollow where it crosses 1: shape, not only colour, carries the meaning.
/// Rows without a positive ratio say "not published"; interval ends beyond the axis (below
/// 1/64 or above 64) are drawn at its edge with an arrow head.
pub fn ratio_chart(title: &str, reference: &str, points: &[GroupPoint]) -> String {
    let rows: Vec<Row> = points
        .iter()
        .map(|p| {
            let ratio = positive(p.value);
            let interval = ratio.and_then(|r| {
                let (lo, hi) = (positive(p.lower), p.upper.filter(|v| v.is_finite()));
                if lo.is_none() && hi.is_none() {
                    return None;
                }
                // A lower limit of zero is drawn at the axis' edge.
                let lo = lo
                    .or(p.lower.filter(|v| *v <= 0.0).map(|_| 0.0))
                    .unwrap_or(r);
                let hi = hi.unwrap_or(r);
                Some((lo.min(hi), lo.max(hi)))
            });
            Row {
                label: &p.label,
                ratio,
                interval,
            }
        })
        .collect();
    let k = doublings(rows.iter().flat_map(|r| {
        let (a, b) = r.interval.unwrap_or((f64::NAN, f64::NAN));
        [r.ratio.unwrap_or(f64::NAN), a, b]
    }));
    let span = f64::from(k);
    let at = |v: f64| {
        let l = if v > 0.0 { v.log2() } else { -span };
        let l = l.clamp(-span, span);
        PLOT_L + (l + span) / (2.0 * span) * (PLOT_R - PLOT_L)
    };

    let beyond = rows.iter().filter(|r| r.beyond_chance()).count();
    let published = rows.iter().filter(|r| r.ratio.is_some()).count();
    let mut desc = format!(
        "Rate ratios to {reference} for {}, on a logarithmic scale from {} to {} with a line at 1 (the same rate as {reference}).",
        plural(rows.len(), "group", "groups"),
        tick_label(-k),
        tick_label(k)
    );
    let extremes = extremes(rows.iter().filter_map(|r| Some((r.label, r.ratio?))));
    match extremes {
        None => desc.push_str(" No ratios are published."),
        Some(((hl, hv), (ll, _))) if hl == ll => {
            let _ = write!(desc, " {hl}: {}.", fmt_num(hv));
        }
        Some(((hl, hv), (ll, lv))) => {
            let _ = write!(
                desc,
                " Highest: {hl} ({}); lowest: {ll} ({}).",
                fmt_num(hv),
                fmt_num(lv)
            );
        }
    }
    let _ = write!(
        desc,
        " {} of {published} differ from {reference} by more than chance would explain (filled dots).",
        beyond
    );
    let missing = rows.len() - published;
    if missing > 0 {
        let _ = write!(
            desc,
            " {} not published.",
            plural(missing, "group", "groups")
        );
    }

    let mut svg = String::new();
    // Labels wrapped to the label column (never cut); a row grows to hold its label's lines.
    let labels: Vec<Vec<String>> = rows
        .iter()
        .map(|r| wrap_px(r.label, LABEL_RIGHT - 12.0, 12.0))
        .collect();
    let heights: Vec<f64> = labels
        .iter()
        .map(|l| ROW.max(LINE * l.len() as f64 + 10.0))
        .collect();
    let mut tops = Vec::with_capacity(rows.len());
    let mut y = TOP;
    for h in &heights {
        tops.push(y);
        y += h;
    }
    let pb = if rows.is_empty() { TOP + ROW } else { y };
    for i in (0..rows.len()).step_by(2) {
        let _ = write!(
            svg,
            r##"<rect x="8" y="{:.1}" width="{}" height="{:.1}" fill="#f4f4f4"/>"##,
            tops[i],
            WIDTH - 16.0,
            heights[i]
        );
    }
    // Ticks at every doubling, or every other one on a wide axis.
    let step = if k > 4 { 2 } else { 1 };
    for j in (-k..=k).filter(|j| j % step == 0) {
        let x = at(2f64.powi(j));
        let _ = write!(
            svg,
            r#"<line class="tick" x1="{x:.1}" y1="{TOP:.1}" x2="{x:.1}" y2="{pb:.1}" stroke="{GRID}"/>"#
        );
        segment(
            &mut svg,
            (x, pb),
            (x, pb + 4.0),
            &format!(r#"stroke="{INK2}""#),
        );
        text(
            &mut svg,
            x,
            pb + 17.0,
            &format!(r#"text-anchor="middle" font-size="11" fill="{INK2}""#),
            &tick_label(j),
        );
    }
    segment(
        &mut svg,
        (PLOT_L, pb),
        (PLOT_R, pb),
        &format!(r#"stroke="{INK2}""#),
    );
    text(
        &mut svg,
        (PLOT_L + PLOT_R) / 2.0,
        pb + 36.0,
        &format!(r#"text-anchor="middle" fill="{INK2}""#),
        &format!("Rate ratio to {reference} (logarithmic scale)"),
    );
    // Lower and higher, under the axis' ends.
    text(
        &mut svg,
        PLOT_L,
        pb + 52.0,
        &format!(r#"font-size="11" fill="{INK2}""#),
        "← lower rate",
    );
    text(
        &mut svg,
        PLOT_R,
        pb + 52.0,
        &format!(r#"text-anchor="end" font-size="11" fill="{INK2}""#),
        "higher rate →",
    );
    let one = at(1.0);
    let _ = write!(
        svg,
        r##"<line class="reference" x1="{one:.1}" y1="{:.1}" x2="{one:.1}" y2="{pb:.1}" stroke="{INK}" stroke-width="1.5"/>"##,
        TOP - 8.0
    );
    text(
        &mut svg,
        one,
        TOP - 12.0,
        &format!(r#"text-anchor="middle" font-size="11" fill="{INK}""#),
        &format!("Same rate as {reference}"),
    );
    for (i, r) in rows.iter().enumerate() {
        let cy = tops[i] + heights[i] / 2.0;
        let summary = match (r.ratio, r.interval) {
            (None, _) => format!("{}: not published", r.label),
            (Some(v), None) => format!("{}: {}", r.label, fmt_num(v)),
            (Some(v), Some((a, b))) => format!(
                "{}: {}, interval {} to {}",
                r.label,
                fmt_num(v),
                fmt_num(a),
                fmt_num(b)
            ),
        };
        let _ = write!(svg, "<g><title>{}</title>", esc(&summary));
        let lines = &labels[i];
        text_lines(
            &mut svg,
            (
                LABEL_RIGHT,
                cy + 4.0 - LINE * (lines.len() as f64 - 1.0) / 2.0,
            ),
            &format!(r#"text-anchor="end" fill="{INK}""#),
            lines,
            LINE,
        );
        match r.ratio {
            Some(v) => {
                let style = format!(r#"stroke="{BLUE}" stroke-width="1.5""#);
                if let Some((a, b)) = r.interval {
                    let (xa, xb) = (at(a), at(b));
                    let _ = write!(
                        svg,
                        r#"<line class="whisker" x1="{xa:.1}" y1="{cy:.1}" x2="{xb:.1}" y2="{cy:.1}" {style}/>"#
                    );
                    for (x, end) in [(xa, a), (xb, b)] {
                        let clipped = end <= 0.0 || end.log2().abs() > span;
                        if clipped {
                            // An arrow head: the interval goes on beyond the axis.
                            let d = if x < one { -6.0 } else { 6.0 };
                            let _ = write!(
                                svg,
                                r#"<path class="beyond" d="M{:.1},{:.1}L{:.1},{cy:.1}L{:.1},{:.1}" fill="none" {style}/>"#,
                                x - d,
                                cy - 5.0,
                                x,
                                x - d,
                                cy + 5.0
                            );
                        } else {
                            segment(&mut svg, (x, cy - 5.0), (x, cy + 5.0), &style);
                        }
                    }
                }
                let marker = if r.beyond_chance() { BEYOND } else { WITHIN };
                marker.draw(&mut svg, at(v), cy, true);
                text(
                    &mut svg,
                    PLOT_R + 10.0,
                    cy + 4.0,
                    &format!(r#"fill="{INK}""#),
                    &fmt_num(v),
                );
            }
            None => text(
                &mut svg,
                PLOT_L + 6.0,
                cy + 4.0,
                &format!(r#"font-style="italic" fill="{INK2}""#),
                "not published",
            ),
        }
        svg.push_str("</g>");
    }
    // Legend.
    let y = pb + 74.0;
    let mut x = LEFT;
    for (marker, label) in [
        (BEYOND, "interval wholly above or below 1"),
        (WITHIN, "interval includes 1 (could be chance)"),
    ] {
        marker.draw(&mut svg, x + 8.0, y, false);
        text(
            &mut svg,
            x + 20.0,
            y + 4.0,
            &format!(r#"font-size="11" fill="{INK2}""#),
            label,
        );
        x += 40.0 + crate::draw::text_width(label, 11.0);
    }
    document(pb + 90.0, title, &desc, &svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;

    fn gp(label: &str, v: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> GroupPoint {
        GroupPoint {
            label: label.into(),
            value: v,
            lower: lo,
            upper: hi,
            highlight: false,
        }
    }

    #[test]
    fn the_axis_is_logarithmic_and_symmetric_about_one() {
        let pts = [
            gp("Black & <Caribbean>", Some(1.7), Some(1.5), Some(1.9)),
            gp("Asian", Some(1.0 / 1.7), Some(0.5), Some(0.7)),
            gp("Mixed", Some(1.1), Some(0.9), Some(1.3)),
            gp("Other", None, None, None),
        ];
        let svg = ratio_chart("Ratios & <groups>", "White", &pts);
        check::assert_well_formed(&svg);
        check::assert_labelled(&svg, "Ratios &amp; &lt;groups&gt;");
        let marks = check::marks(&svg);
        assert_eq!(marks.len(), 3, "one dot per published ratio");
        let one = check::lines(&svg, "reference")[0].0;
        // 1.7 and 1/1.7 are equally far from the line at 1.
        let (hi, lo) = (marks[0].0 - one, one - marks[1].0);
        assert!(hi > 0.0 && (hi - lo).abs() < 0.2, "{hi} {lo}");
        // Ticks at every doubling: 0.5, 1, 2 for ratios within a doubling of 1.
        for t in [">0.5</text>", ">1</text>", ">2</text>"] {
            assert!(svg.contains(t), "{t}");
        }
        let ticks = check::lines(&svg, "tick");
        assert_eq!(ticks.len(), 3);
        assert!((ticks[1].0 - one).abs() < 0.05);
        assert!(((ticks[2].0 - ticks[1].0) - (ticks[1].0 - ticks[0].0)).abs() < 0.05);
        // Filled where the interval excludes 1, hollow where it includes it.
        let dots = check::classed(&svg, "mark");
        assert!(dots[0].contains(r##"fill="#0072B2""##));
        assert!(dots[1].contains(r##"fill="#0072B2""##));
        assert!(dots[2].contains(r##"fill="#ffffff""##));
        let desc = check::desc(&svg);
        assert!(
            desc.contains("2 of 3 differ from White") && desc.contains("1 group not published"),
            "{desc}"
        );
        assert!(svg.contains(">Same rate as White</text>"));
        assert!(svg.contains(">not published</text>"));
        assert!(!svg.contains("<Caribbean"));
        // No text smaller than 11 px.
        for (i, _) in svg.match_indices("font-size=\"") {
            let size: f64 = svg[i + 11..]
                .split('"')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("size");
            assert!(size >= 11.0, "{size}");
        }
    }

    #[test]
    fn wide_ratios_widen_the_axis_and_clip_with_arrows() {
        assert_eq!(doublings([1.0].into_iter()), 1);
        assert_eq!(doublings([3.54, 3.4, 3.7].into_iter()), 2);
        assert_eq!(doublings([0.2].into_iter()), 3);
        assert_eq!(doublings([1000.0].into_iter()), MAX_DOUBLINGS);
        assert_eq!(tick_label(-2), "0.25");
        assert_eq!(tick_label(3), "8");
        assert_eq!(tick_label(-4), "1/16");
        assert_eq!(tick_label(-3), "1/8");
        let svg = ratio_chart(
            "Wide",
            "White",
            &[gp("Black", Some(7.0), Some(0.0), Some(200.0))],
        );
        check::assert_well_formed(&svg);
        assert_eq!(check::classed(&svg, "beyond").len(), 2, "both ends clipped");
        assert!(svg.contains(">64</text>") && svg.contains(">1/64</text>"));
    }
}
