//! Group comparisons: the dot-and-whisker chart (one row per group: value and interval) and the
//! deprivation gradient (values against rank, with the slope index of inequality).

use std::fmt::Write;

use crate::draw::{
    GRID, INK, INK2, Marker, Scale, Shape, axis_with_zero, extremes, fmt_num, line as segment,
    plural, text, text_lines, text_width, wrap_px,
};
use crate::{BLUE, GREY, HALO, LEFT, ORANGE, WIDTH, document, esc, fmt_tick};

/// One group's value and interval, for [`dot_whisker`] and [`gradient`].
#[derive(Clone, Debug, PartialEq)]
pub struct GroupPoint {
    /// Group label.
    pub label: String,
    /// Value (`None`: not published, e.g. suppressed).
    pub value: Option<f64>,
    /// Lower end of the interval (e.g. a 95% confidence interval).
    pub lower: Option<f64>,
    /// Upper end of the interval.
    pub upper: Option<f64>,
    /// The reference group: drawn as a hollow diamond and labelled "(reference)".
    pub highlight: bool,
}

impl GroupPoint {
    fn value(&self) -> Option<f64> {
        self.value.filter(|v| v.is_finite())
    }

    /// The interval's ends in order, where the value and at least one end are published (a
    /// missing end is taken at the value).
    fn interval(&self) -> Option<(f64, f64)> {
        let v = self.value()?;
        let lo = self.lower.filter(|x| x.is_finite());
        let hi = self.upper.filter(|x| x.is_finite());
        if lo.is_none() && hi.is_none() {
            return None;
        }
        let (a, b) = (lo.unwrap_or(v), hi.unwrap_or(v));
        Some((a.min(b), a.max(b)))
    }

    fn name(&self) -> String {
        if self.highlight {
            format!("{}{REF_SUFFIX}", self.label)
        } else {
            self.label.clone()
        }
    }

    /// The row's full text, for its `<title>`.
    fn summary(&self) -> String {
        match (self.value(), self.interval()) {
            (None, _) => format!("{}: not published", self.name()),
            (Some(v), None) => format!("{}: {}", self.name(), fmt_num(v)),
            (Some(v), Some((a, b))) => format!(
                "{}: {}, interval {} to {}",
                self.name(),
                fmt_num(v),
                fmt_num(a),
                fmt_num(b)
            ),
        }
    }

    fn marker(&self) -> Marker {
        if self.highlight { REF_MARK } else { DOT }
    }

    fn colour(&self) -> &'static str {
        if self.highlight { GREY } else { BLUE }
    }
}

const REF_SUFFIX: &str = " (reference)";
const DOT: Marker = Marker {
    shape: Shape::Circle,
    r: 5.0,
    fill: BLUE,
    stroke: BLUE,
    stroke_width: 1.0,
};
const REF_MARK: Marker = Marker {
    shape: Shape::Diamond,
    r: 5.0,
    fill: "#ffffff",
    stroke: GREY,
    stroke_width: 2.0,
};

/// "Highest: A (4.87); lowest: B (0.95)." and the like, for the descriptions.
fn describe_extremes<'a>(items: impl Iterator<Item = (&'a str, f64)>) -> String {
    match extremes(items) {
        None => " No values are published.".to_string(),
        Some(((hl, hv), (ll, lv))) if hl == ll && hv == lv => format!(" {hl}: {}.", fmt_num(hv)),
        Some(((hl, hv), (ll, lv))) => format!(
            " Highest: {hl} ({}); lowest: {ll} ({}).",
            fmt_num(hv),
            fmt_num(lv)
        ),
    }
}

/// The common tail of the descriptions: intervals, reference group, unpublished values.
fn describe_rest<'a>(points: impl Iterator<Item = &'a GroupPoint> + Clone) -> String {
    let mut d = String::new();
    if points.clone().any(|p| p.interval().is_some()) {
        d.push_str(" Whiskers show intervals.");
    }
    if let Some(r) = points.clone().find(|p| p.highlight) {
        let _ = write!(d, " Reference group: {}.", r.label);
    }
    let missing = points.filter(|p| p.value().is_none()).count();
    if missing > 0 {
        let _ = write!(d, " {} not published.", plural(missing, "group", "groups"));
    }
    d
}

/// A legend sample, drawn centred on a point.
type Sample = Box<dyn Fn(&mut String, f64, f64)>;

/// Draws legend entries left to right from `x` on the line `y`: each sample centred on
/// `(x + 8, y)`, then its text.
fn legend(svg: &mut String, mut x: f64, y: f64, entries: Vec<(Sample, String)>) {
    for (sample, label) in entries {
        sample(svg, x + 8.0, y);
        text(
            svg,
            x + 22.0,
            y + 4.0,
            &format!(r#"font-size="11" fill="{INK2}""#),
            &label,
        );
        x += 46.0 + text_width(&label, 11.0);
    }
}

fn whisker_sample(horizontal: bool) -> Sample {
    Box::new(move |s: &mut String, x: f64, y: f64| {
        let style = format!(r##"stroke="{BLUE}" stroke-width="1.5""##);
        if horizontal {
            segment(s, (x - 8.0, y), (x + 8.0, y), &style);
            segment(s, (x - 8.0, y - 4.0), (x - 8.0, y + 4.0), &style);
            segment(s, (x + 8.0, y - 4.0), (x + 8.0, y + 4.0), &style);
        } else {
            segment(s, (x, y - 7.0), (x, y + 7.0), &style);
            segment(s, (x - 4.0, y - 7.0), (x + 4.0, y - 7.0), &style);
            segment(s, (x - 4.0, y + 7.0), (x + 4.0, y + 7.0), &style);
        }
    })
}

fn marker_sample(m: Marker) -> Sample {
    Box::new(move |s: &mut String, x: f64, y: f64| m.draw(s, x, y, false))
}

const ROW: f64 = 26.0;
const DW_TOP: f64 = 56.0;
const LABEL_RIGHT: f64 = 200.0;
const PLOT_L: f64 = 214.0;
const PLOT_R: f64 = WIDTH - 96.0;
/// The group labels' size, and the distance between their lines, in pixels.
const LABEL_SIZE: f64 = 12.0;
const LINE: f64 = 14.0;

/// A horizontal dot-and-whisker chart: one row per group in the order given, the label on the
/// left (wrapped onto as many lines as it needs, never cut; its row grows to hold them), the
/// value as a dot, the interval as a whisker with end caps, and the value printed on the right.
/// The reference group (`highlight`) is a hollow diamond labelled "(reference)", the suffix
/// wrapped with the label; rows without a value say "not published". `reference` draws a dashed vertical line at that x with its label
/// (e.g. `(1.0, "Equal to reference")`). The linear x axis includes zero, the reference line
/// and every whisker.
pub fn dot_whisker(
    title: &str,
    x_label: &str,
    points: &[GroupPoint],
    reference: Option<(f64, &str)>,
) -> String {
    let reference = reference.filter(|(x, _)| x.is_finite());
    let mut desc = format!(
        "Dot-and-whisker chart of {x_label} for {}.",
        plural(points.len(), "group", "groups")
    );
    desc.push_str(&describe_extremes(
        points
            .iter()
            .filter_map(|p| Some((p.label.as_str(), p.value()?))),
    ));
    desc.push_str(&describe_rest(points.iter()));
    if let Some((x, label)) = reference {
        let _ = write!(desc, " Dashed line at {}: {label}.", fmt_num(x));
    }

    let mut svg = String::new();
    // Each row's label lines (the reference group's with its suffix), wrapped to the label
    // column, never cut; a row is as tall as its label needs.
    let labels: Vec<Vec<String>> = points
        .iter()
        .map(|p| wrap_px(&p.name(), LABEL_RIGHT - 8.0, LABEL_SIZE))
        .collect();
    let heights: Vec<f64> = labels
        .iter()
        .map(|l| ROW.max(LINE * l.len() as f64 + 9.0))
        .collect();
    let tops: Vec<f64> = heights
        .iter()
        .scan(DW_TOP, |y, h| {
            let top = *y;
            *y += h;
            Some(top)
        })
        .collect();
    let pb = DW_TOP + heights.iter().sum::<f64>().max(ROW);
    let ends = points.iter().flat_map(|p| {
        let (a, b) = p.interval().unwrap_or((f64::NAN, f64::NAN));
        [p.value().unwrap_or(f64::NAN), a, b]
    });
    let (x0, x1, ticks) = axis_with_zero(ends.chain(reference.map(|r| r.0)));
    let sx = Scale {
        d0: x0,
        d1: x1,
        r0: PLOT_L,
        r1: PLOT_R,
    };
    // Zebra stripes to guide the eye along a row (decorative).
    for i in (0..points.len()).step_by(2) {
        let _ = write!(
            svg,
            r##"<rect x="8" y="{:.1}" width="{}" height="{}" fill="#f4f4f4"/>"##,
            tops[i],
            WIDTH - 16.0,
            heights[i]
        );
    }
    for t in &ticks {
        let x = sx.at(*t);
        segment(
            &mut svg,
            (x, DW_TOP),
            (x, pb),
            &format!(r#"stroke="{GRID}""#),
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
            &fmt_tick(*t),
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
        x_label,
    );
    if let Some((x, label)) = reference {
        let px = sx.at(x);
        let _ = write!(
            svg,
            r##"<line class="reference" x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{pb:.1}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
            DW_TOP - 8.0
        );
        let w = text_width(label, 11.0);
        let anchor = if px + w / 2.0 > WIDTH - 8.0 {
            "end"
        } else if px - w / 2.0 < 8.0 {
            "start"
        } else {
            "middle"
        };
        text(
            &mut svg,
            px,
            DW_TOP - 12.0,
            &format!(r#"text-anchor="{anchor}" font-size="11" fill="{INK}""#),
            label,
        );
    }
    for (i, p) in points.iter().enumerate() {
        let cy = tops[i] + heights[i] / 2.0;
        let _ = write!(svg, "<g><title>{}</title>", esc(&p.summary()));
        let weight = if p.highlight {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let lines = &labels[i];
        // The lines centred on the row's middle.
        let first = cy + 4.0 - LINE * (lines.len() - 1) as f64 / 2.0;
        text_lines(
            &mut svg,
            (LABEL_RIGHT, first),
            &format!(r#"text-anchor="end" fill="{INK}"{weight}"#),
            lines,
            LINE,
        );
        match p.value() {
            Some(v) => {
                let style = format!(r#"stroke="{}" stroke-width="1.5""#, p.colour());
                if let Some((a, b)) = p.interval() {
                    let (xa, xb) = (sx.at(a), sx.at(b));
                    let _ = write!(
                        svg,
                        r#"<line class="whisker" x1="{xa:.1}" y1="{cy:.1}" x2="{xb:.1}" y2="{cy:.1}" {style}/>"#
                    );
                    for x in [xa, xb] {
                        segment(&mut svg, (x, cy - 5.0), (x, cy + 5.0), &style);
                    }
                }
                p.marker().draw(&mut svg, sx.at(v), cy, true);
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
                // Haloed: a reference line may cross where the value would have been.
                &format!(r#"{HALO} font-style="italic" fill="{INK2}""#),
                "not published",
            ),
        }
        svg.push_str("</g>");
    }
    let mut entries: Vec<(Sample, String)> = vec![
        (marker_sample(DOT), "value".into()),
        (whisker_sample(true), "interval".into()),
    ];
    if points.iter().any(|p| p.highlight) {
        entries.push((marker_sample(REF_MARK), "reference group".into()));
    }
    if let Some((_, label)) = reference {
        entries.push((
            Box::new(|s: &mut String, x: f64, y: f64| {
                segment(
                    s,
                    (x - 8.0, y),
                    (x + 8.0, y),
                    &format!(r#"stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3""#),
                );
            }),
            label.to_string(),
        ));
    }
    legend(&mut svg, LEFT, pb + 58.0, entries);
    document(pb + 74.0, title, &desc, &svg)
}

const G_TOP: f64 = 44.0;
const G_PLOT_H: f64 = 230.0;
const G_LEFT: f64 = 72.0;
const G_RIGHT: f64 = WIDTH - 28.0;
const G_LABEL_SIZE: f64 = 11.0;

/// How the point labels under the x axis fit.
#[derive(Clone, Copy, Debug, PartialEq)]
enum LabelFit {
    /// Every label on one line.
    All,
    /// Every label, wrapped to this width in pixels.
    Wrapped(f64),
    /// Every other label, wrapped to this width in pixels.
    Alternate(f64),
    /// Every label whole, slanted.
    Rotated,
}

/// A deprivation gradient: each point's value (with a vertical whisker for its interval)
/// against its rank in `[0, 1]` (e.g. the population midpoint of a decile, 0 at the `ends.0`
/// end), the point labels under their positions (wrapped, every other one, or slanted when
/// they do not fit; never cut), and `line` — the fitted values at rank 0 and rank 1 — as a
/// vermillion line labelled "Slope index of inequality". The y axis starts at zero.
pub fn gradient(
    title: &str,
    y_label: &str,
    points: &[(f64, GroupPoint)],
    line: Option<(f64, f64)>,
    ends: (&str, &str),
) -> String {
    let pts: Vec<(f64, &GroupPoint)> = points
        .iter()
        .filter(|(r, _)| r.is_finite())
        .map(|(r, p)| (r.clamp(0.0, 1.0), p))
        .collect();
    let fit = line.filter(|(a, b)| a.is_finite() && b.is_finite());
    let mut desc = format!(
        "Gradient of {y_label} across {} ranked from {} (0) to {} (1).",
        plural(pts.len(), "group", "groups"),
        ends.0,
        ends.1
    );
    desc.push_str(&describe_extremes(
        pts.iter()
            .filter_map(|(_, p)| Some((p.label.as_str(), p.value()?))),
    ));
    if let Some((a, b)) = fit {
        let _ = write!(
            desc,
            " The fitted line (slope index of inequality) runs from {} at the {} end to {} at the {} end, a difference of {}.",
            fmt_num(a),
            ends.0,
            fmt_num(b),
            ends.1,
            fmt_num((a - b).abs())
        );
    }
    desc.push_str(&describe_rest(pts.iter().map(|(_, p)| *p)));

    let mut svg = String::new();
    let pb = G_TOP + G_PLOT_H;
    let values = pts.iter().flat_map(|(_, p)| {
        let (a, b) = p.interval().unwrap_or((f64::NAN, f64::NAN));
        [p.value().unwrap_or(f64::NAN), a, b]
    });
    let (y0, y1, yticks) = axis_with_zero(values.chain(fit.into_iter().flat_map(|(a, b)| [a, b])));
    let sy = Scale {
        d0: y0,
        d1: y1,
        r0: pb,
        r1: G_TOP,
    };
    let sx = Scale {
        d0: 0.0,
        d1: 1.0,
        r0: G_LEFT,
        r1: G_RIGHT,
    };
    for t in &yticks {
        let y = sy.at(*t);
        segment(
            &mut svg,
            (G_LEFT, y),
            (G_RIGHT, y),
            &format!(r#"stroke="{GRID}""#),
        );
        text(
            &mut svg,
            G_LEFT - 6.0,
            y + 4.0,
            &format!(r#"text-anchor="end" fill="{INK2}""#),
            &fmt_tick(*t),
        );
    }
    let _ = write!(
        svg,
        r##"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" fill="{INK2}">{}</text>"##,
        (G_TOP + pb) / 2.0,
        esc(y_label)
    );
    let axis = format!(r#"stroke="{INK2}""#);
    segment(&mut svg, (G_LEFT, pb), (G_RIGHT, pb), &axis);
    segment(&mut svg, (G_LEFT, G_TOP), (G_LEFT, pb), &axis);
    for i in 0..=5 {
        let t = f64::from(i) / 5.0;
        let x = sx.at(t);
        segment(&mut svg, (x, pb), (x, pb + 4.0), &axis);
        text(
            &mut svg,
            x,
            pb + 14.0,
            &format!(r#"text-anchor="middle" font-size="11" fill="{INK2}""#),
            &fmt_tick(t),
        );
    }
    // Point labels under their positions: on one line if they fit; else wrapped to the space
    // between points; else every other one, wrapped to twice that; else slanted. Never cut.
    let mut order: Vec<usize> = (0..pts.len()).collect();
    order.sort_by(|&a, &b| pts[a].0.total_cmp(&pts[b].0));
    let gap = order
        .windows(2)
        .map(|w| sx.at(pts[w[1]].0) - sx.at(pts[w[0]].0))
        .fold(f64::INFINITY, f64::min);
    let widest = |f: &dyn Fn(&str) -> Vec<f64>| {
        pts.iter()
            .flat_map(|(_, p)| f(&p.label))
            .fold(0.0, f64::max)
    };
    let whole = widest(&|l| vec![text_width(l, G_LABEL_SIZE)]);
    let word = widest(&|l| {
        l.split_whitespace()
            .map(|w| text_width(w, G_LABEL_SIZE))
            .collect()
    });
    let fit_mode = if whole + 6.0 <= gap {
        LabelFit::All
    } else if word + 6.0 <= gap {
        LabelFit::Wrapped(gap - 6.0)
    } else if word + 6.0 <= 2.0 * gap {
        LabelFit::Alternate(2.0 * gap - 6.0)
    } else {
        LabelFit::Rotated
    };
    let label_y = pb + 28.0;
    let mut labels_bottom = label_y + 6.0;
    for (k, &i) in order.iter().enumerate() {
        let (r, p) = pts[i];
        let x = sx.at(r);
        let style = format!(r#"font-size="{G_LABEL_SIZE}" fill="{INK}""#);
        let mut lines = |svg: &mut String, width: f64| {
            let lines = wrap_px(&p.label, width, G_LABEL_SIZE);
            text_lines(
                svg,
                (x, label_y),
                &format!(r#"text-anchor="middle" {style}"#),
                &lines,
                G_LABEL_SIZE + 2.0,
            );
            labels_bottom =
                labels_bottom.max(label_y + 6.0 + (G_LABEL_SIZE + 2.0) * (lines.len() - 1) as f64);
        };
        match fit_mode {
            LabelFit::All => lines(&mut svg, f64::INFINITY),
            LabelFit::Wrapped(width) => lines(&mut svg, width),
            LabelFit::Alternate(width) if k % 2 == 0 => lines(&mut svg, width),
            LabelFit::Alternate(_) => {}
            LabelFit::Rotated => {
                let _ = write!(
                    svg,
                    r##"<text transform="translate({x:.1} {:.1}) rotate(-35)" text-anchor="end" {style}>{}</text>"##,
                    label_y - 2.0,
                    esc(&p.label)
                );
                labels_bottom =
                    labels_bottom.max(label_y + text_width(&p.label, G_LABEL_SIZE) * 0.574 + 2.0);
            }
        }
    }
    let ends_y = labels_bottom + 16.0;
    let ends_style = format!(r#"fill="{INK}" font-weight="bold""#);
    text(
        &mut svg,
        G_LEFT,
        ends_y,
        &format!(r#"text-anchor="start" {ends_style}"#),
        &format!("← {}", ends.0),
    );
    text(
        &mut svg,
        G_RIGHT,
        ends_y,
        &format!(r#"text-anchor="end" {ends_style}"#),
        &format!("{} →", ends.1),
    );
    text(
        &mut svg,
        (G_LEFT + G_RIGHT) / 2.0,
        ends_y,
        &format!(r#"text-anchor="middle" fill="{INK2}""#),
        "Relative rank (0 to 1)",
    );
    if let Some((a, b)) = fit {
        let _ = write!(
            svg,
            r#"<line class="sii" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{ORANGE}" stroke-width="2.5"/>"#,
            sx.at(0.0),
            sy.at(a),
            sx.at(1.0),
            sy.at(b)
        );
    }
    for &(r, p) in &pts {
        let x = sx.at(r);
        let _ = write!(svg, "<g><title>{}</title>", esc(&p.summary()));
        match p.value() {
            Some(v) => {
                let style = format!(r#"stroke="{}" stroke-width="1.5""#, p.colour());
                if let Some((a, b)) = p.interval() {
                    let (ya, yb) = (sy.at(a), sy.at(b));
                    let _ = write!(
                        svg,
                        r#"<line class="whisker" x1="{x:.1}" y1="{ya:.1}" x2="{x:.1}" y2="{yb:.1}" {style}/>"#
                    );
                    for y in [ya, yb] {
                        segment(&mut svg, (x - 5.0, y), (x + 5.0, y), &style);
                    }
                }
                p.marker().draw(&mut svg, x, sy.at(v), true);
            }
            None => {
                let _ = write!(
                    svg,
                    r##"<text transform="translate({:.1} {:.1}) rotate(-90)" {HALO} font-size="11" font-style="italic" fill="{INK2}">not published</text>"##,
                    x + 4.0,
                    pb - 6.0
                );
            }
        }
        svg.push_str("</g>");
    }
    let mut entries: Vec<(Sample, String)> = vec![
        (marker_sample(DOT), "value".into()),
        (whisker_sample(false), "interval".into()),
    ];
    if pts.iter().any(|(_, p)| p.highlight) {
        entries.push((marker_sample(REF_MARK), "reference group".into()));
    }
    if fit.is_some() {
        entries.push((
            Box::new(|s: &mut String, x: f64, y: f64| {
                segment(
                    s,
                    (x - 9.0, y),
                    (x + 9.0, y),
                    &format!(r#"stroke="{ORANGE}" stroke-width="2.5""#),
                );
            }),
            "Slope index of inequality".into(),
        ));
    }
    let legend_y = ends_y + 26.0;
    legend(&mut svg, G_LEFT, legend_y, entries);
    document((legend_y + 16.0).ceil(), title, &desc, &svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;

    fn gp(label: &str, value: Option<f64>, ci: Option<(f64, f64)>, highlight: bool) -> GroupPoint {
        GroupPoint {
            label: label.into(),
            value,
            lower: ci.map(|c| c.0),
            upper: ci.map(|c| c.1),
            highlight,
        }
    }

    fn ratios() -> Vec<GroupPoint> {
        vec![
            gp("White British", Some(1.0), None, true),
            gp(
                "Black & <Caribbean> or Black British background",
                Some(4.87),
                Some((4.1, 5.6)),
                false,
            ),
            gp("Asian", Some(0.8), Some((0.7, 0.95)), false),
            gp("Chinese", None, None, false),
            // Ends given the wrong way round are put in order.
            gp("Mixed", Some(2.2), Some((2.9, 1.6)), false),
        ]
    }

    #[test]
    fn dot_whisker_draws_rows_markers_and_whiskers() {
        let pts = ratios();
        let svg = dot_whisker(
            "Detention rate ratio & <ethnicity>",
            "Rate ratio",
            &pts,
            Some((1.0, "Equal to reference")),
        );
        check::assert_well_formed(&svg);
        check::assert_labelled(&svg, "Detention rate ratio &amp; &lt;ethnicity&gt;");
        let desc = check::desc(&svg);
        assert!(
            desc.contains("Highest: Black &amp; &lt;Caribbean&gt; or Black British background (4.87); lowest: Asian (0.80)."),
            "{desc}"
        );
        assert!(
            desc.contains("Reference group: White British.")
                && desc.contains("1 group not published.")
        );
        assert!(!svg.contains("<Caribbean"), "escaped everywhere");

        let marks = check::marks(&svg);
        assert_eq!(marks.len(), 4, "one marker per published value");
        assert_eq!(svg.matches(">not published</text>").count(), 1);
        // Rows in the order given, top to bottom.
        assert!(marks.windows(2).all(|w| w[0].1 < w[1].1));
        // The reference group is a hollow diamond with "(reference)".
        let first = check::classed(&svg, "mark")[0];
        assert!(first.contains(r#"d="M0,"#) && first.contains(r##"fill="#ffffff""##));
        assert!(svg.contains(">White British (reference)</text>"));
        assert!(!check::classed(&svg, "mark")[1].contains(r#"d="M0,"#));

        let whiskers = check::lines(&svg, "whisker");
        assert_eq!(whiskers.len(), 3);
        for (x1, y1, x2, y2) in &whiskers {
            assert!(x1 < x2 && y1 == y2, "lower end left of upper end");
        }
        // Each dot inside its whisker.
        assert!(marks[1].0 > whiskers[0].0 && marks[1].0 < whiskers[0].2);

        // The long label is wrapped onto two lines in the row, never cut, and whole in the
        // row's title.
        assert!(svg.contains(">Black &amp; &lt;Caribbean&gt; or Black</tspan>"));
        assert!(svg.contains(r#"dy="14">British background</tspan>"#));
        assert!(!svg.contains('…'));
        assert!(svg.contains(
            "<g><title>Black &amp; &lt;Caribbean&gt; or Black British background: 4.87, interval 4.10 to 5.60</title>"
        ));

        // A long reference label is whole, with "(reference)" wrapped onto a line of its own.
        let long = dot_whisker(
            "Deciles",
            "Rate",
            &[GroupPoint {
                label: "Decile 10 (least deprived)".into(),
                value: Some(1.0),
                lower: None,
                upper: None,
                highlight: true,
            }],
            None,
        );
        assert!(
            long.contains(">Decile 10 (least deprived)</tspan>"),
            "{long}"
        );
        assert!(long.contains(r#"dy="14">(reference)</tspan>"#), "{long}");
        assert!(!long.contains('…'));

        // The reference line at 1, between the groups below and above it; the axis from 0.
        let refs = check::lines(&svg, "reference");
        assert_eq!(refs.len(), 1);
        let rx = refs[0].0;
        assert!(marks[2].0 < rx && rx < marks[1].0 && (marks[0].0 - rx).abs() < 0.11);
        assert!(svg.contains(">Equal to reference</text>"));
        assert!(
            svg.contains(">0</text>") && svg.contains(">6</text>"),
            "0 to past 5.6"
        );
        assert!(whiskers.iter().all(|w| w.0 >= PLOT_L && w.2 <= PLOT_R));
    }

    #[test]
    fn dot_whisker_axis_covers_reference_and_whiskers() {
        let pts = vec![gp("A", Some(80.0), Some((75.0, 121.0)), false)];
        let svg = dot_whisker("Recovery", "Per cent", &pts, Some((130.0, "England 130")));
        let rx = check::lines(&svg, "reference")[0].0;
        let w = check::lines(&svg, "whisker")[0];
        assert!(rx <= PLOT_R && w.2 < rx && w.0 > PLOT_L);
        assert!(svg.contains(">0</text>"));
        let none = dot_whisker("Recovery", "Per cent", &pts, None);
        assert!(check::lines(&none, "reference").is_empty());
        assert!(!none.contains("Dashed line"));
    }

    #[test]
    fn dot_whisker_copes_with_nothing() {
        let svg = dot_whisker("Empty", "x", &[], None);
        check::assert_well_formed(&svg);
        assert!(check::desc(&svg).contains("No values are published."));
        let svg = dot_whisker("None", "x", &[gp("A", None, None, false)], None);
        assert!(check::marks(&svg).is_empty() && svg.contains(">not published</text>"));
    }

    fn deciles(label: impl Fn(usize) -> String) -> Vec<(f64, GroupPoint)> {
        (0..10)
            .map(|i| {
                let v = 12.0 - 0.8 * i as f64;
                let value = (i != 4).then_some(v);
                let ci = Some((v - 1.0, v + 1.5));
                ((i as f64 + 0.5) / 10.0, gp(&label(i), value, ci, false))
            })
            .collect()
    }

    #[test]
    fn gradient_draws_points_whiskers_and_the_slope() {
        let pts = deciles(|i| (i + 1).to_string());
        let svg = gradient(
            "Detentions & <deprivation>",
            "per 100,000",
            &pts,
            Some((12.5, 4.5)),
            ("Most deprived", "Least deprived"),
        );
        check::assert_well_formed(&svg);
        check::assert_labelled(&svg, "Detentions &amp; &lt;deprivation&gt;");
        let desc = check::desc(&svg);
        assert!(
            desc.contains("Highest: 1 (12.0); lowest: 10 (4.80)."),
            "{desc}"
        );
        assert!(desc.contains("a difference of 8.00") && desc.contains("1 group not published."));
        let marks = check::marks(&svg);
        assert_eq!(marks.len(), 9);
        assert!(
            marks.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1),
            "x by rank; falling values drawn lower"
        );
        assert!(svg.contains(">not published</text>"));
        let whiskers = check::lines(&svg, "whisker");
        assert_eq!(whiskers.len(), 9);
        for (x1, y1, x2, y2) in &whiskers {
            assert!(x1 == x2 && y1 > y2, "lower end below upper end");
        }
        let sii = check::lines(&svg, "sii");
        assert_eq!(sii.len(), 1);
        assert!(
            sii[0].1 < sii[0].3,
            "12.5 at rank 0 drawn above 4.5 at rank 1"
        );
        assert_eq!((sii[0].0, sii[0].2), (G_LEFT, G_RIGHT));
        assert!(svg.contains(">Slope index of inequality</text>"));
        assert!(
            svg.contains(">← Most deprived</text>") && svg.contains(">Least deprived →</text>")
        );
        assert!(svg.contains(">0</text>"), "y axis from zero");
        // Short labels all fit, straight.
        assert!((1..=10).all(|i| svg.contains(&format!(">{i}</text>"))));
        assert!(!svg.contains("rotate(-35)"));
    }

    #[test]
    fn gradient_labels_wrap_or_slant_when_crowded() {
        let medium = gradient(
            "G",
            "y",
            &deciles(|i| format!("Decile {i} of ten")),
            None,
            ("a", "b"),
        );
        // Every label, wrapped to the space between points, none cut.
        assert_eq!(medium.matches(r#"dy="13">of ten</tspan>"#).count(), 10);
        assert!(medium.contains(">Decile 9</tspan>"));
        assert!(!medium.contains("rotate(-35)") && !medium.contains('…'));
        assert!(check::lines(&medium, "sii").is_empty());
        assert!(!medium.contains("Slope index"));
        let long = gradient(
            "G",
            "y",
            &deciles(|i| format!("Decile-{i}-of-the-most-deprived-tenths")),
            None,
            ("a", "b"),
        );
        // A word too wide to wrap: slanted, whole.
        assert_eq!(long.matches("rotate(-35)").count(), 10);
        assert!(long.contains(">Decile-9-of-the-most-deprived-tenths</text>"));
        check::assert_well_formed(&long);
        assert!(check::svg_height_of(&long) > check::svg_height_of(&medium));
    }

    #[test]
    fn charts_have_distinct_ids() {
        let a = dot_whisker("Same", "x", &ratios(), None);
        let b = gradient("Same", "x", &deciles(|i| i.to_string()), None, ("a", "b"));
        let ids_a = check::ids(&a);
        assert!(check::ids(&b).iter().all(|id| !ids_a.contains(id)));
    }
}
