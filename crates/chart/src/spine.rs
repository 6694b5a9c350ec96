//! The spine chart (Fingertips style): one row per indicator, the area's value against the
//! comparator (centre line) and the spread of all areas (grey bands), with a marker whose
//! colour and shape say how the area compares.

use std::fmt::Write;

use crate::draw::{
    GRID, INK, INK2, Marker, Shape, fmt_num, line, plural, text, text_lines, wrap_px,
};
use crate::{BLUE, GREY, ORANGE, WIDTH, document, esc};

/// How an area's value compares with the comparator: a spine chart marker's colour and shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compared {
    /// Significantly better: blue circle.
    Better,
    /// Significantly worse: vermillion diamond.
    Worse,
    /// Not significantly different: white circle with a dark outline.
    Similar,
    /// Significantly higher, where higher is neither better nor worse: vermillion diamond.
    Higher,
    /// Significantly lower, where lower is neither better nor worse: blue circle.
    Lower,
    /// Not compared: grey square.
    NotCompared,
}

const WORSE_MARK: Marker = Marker {
    shape: Shape::Diamond,
    r: 6.0,
    fill: ORANGE,
    stroke: INK,
    stroke_width: 1.0,
};
const BETTER_MARK: Marker = Marker {
    shape: Shape::Circle,
    r: 6.0,
    fill: BLUE,
    stroke: INK,
    stroke_width: 1.0,
};
const SIMILAR_MARK: Marker = Marker {
    shape: Shape::Circle,
    r: 6.0,
    fill: "#ffffff",
    stroke: INK,
    stroke_width: 1.5,
};
const NOT_COMPARED_MARK: Marker = Marker {
    shape: Shape::Square,
    r: 6.0,
    fill: GREY,
    stroke: INK,
    stroke_width: 1.0,
};

impl Compared {
    fn marker(self) -> Marker {
        match self {
            Self::Worse | Self::Higher => WORSE_MARK,
            Self::Better | Self::Lower => BETTER_MARK,
            Self::Similar => SIMILAR_MARK,
            Self::NotCompared => NOT_COMPARED_MARK,
        }
    }

    /// The comparison in words ("worse than England").
    fn phrase(self, comparator: &str) -> String {
        match self {
            Self::Better => format!("better than {comparator}"),
            Self::Worse => format!("worse than {comparator}"),
            Self::Similar => format!("similar to {comparator}"),
            Self::Higher => format!("higher than {comparator}"),
            Self::Lower => format!("lower than {comparator}"),
            Self::NotCompared => format!("not compared with {comparator}"),
        }
    }
}

/// One indicator row of a [`spine_chart`].
#[derive(Clone, Debug, PartialEq)]
pub struct SpineRow {
    /// Indicator name.
    pub label: String,
    /// The area's value (`None`: not published).
    pub value: Option<f64>,
    /// The comparator's value (e.g. England's), at the centre of the spine.
    pub comparator: f64,
    /// The lowest area's value.
    pub min: f64,
    /// The 25th percentile of the areas' values.
    pub q1: f64,
    /// The 75th percentile of the areas' values.
    pub q3: f64,
    /// The highest area's value.
    pub max: f64,
    /// How the area compares with the comparator.
    pub compared: Compared,
    /// The area's value as printed (rounding, units), e.g. "12.3%".
    pub value_text: String,
}

impl SpineRow {
    fn value(&self) -> Option<f64> {
        self.value.filter(|v| v.is_finite())
    }

    fn shown_value(&self) -> Option<String> {
        let v = self.value()?;
        Some(if self.value_text.trim().is_empty() {
            fmt_num(v)
        } else {
            self.value_text.clone()
        })
    }

    /// The centre of the spine: the comparator, or the middle of the range without one.
    fn centre(&self) -> f64 {
        if self.comparator.is_finite() {
            self.comparator
        } else if self.min.is_finite() && self.max.is_finite() {
            (self.min + self.max) / 2.0
        } else {
            0.0
        }
    }

    /// The pixel of `v` on this row's spine: the comparator at the centre, and the farthest of
    /// the range (and the value) from it at an edge.
    fn at(&self, v: f64) -> f64 {
        let c = self.centre();
        let d = [
            self.min,
            self.max,
            self.q1,
            self.q3,
            self.value.unwrap_or(c),
        ]
        .into_iter()
        .filter(|x| x.is_finite())
        .map(|x| (x - c).abs())
        .fold(0.0, f64::max);
        let d = if d > 0.0 { d } else { 1.0 };
        SPINE_CX + ((v - c) / d).clamp(-1.0, 1.0) * SPINE_HALF
    }

    /// The row's full text, for its `<title>`.
    fn summary(&self, area: &str, comparator: &str) -> String {
        let value = match self.shown_value() {
            Some(v) => format!("{area} {v} ({})", self.compared.phrase(comparator)),
            None => format!("{area} not published"),
        };
        format!(
            "{}: {value}; {comparator} {}; areas range from {} to {}, middle half {} to {}",
            self.label,
            fmt_num(self.comparator),
            fmt_num(self.min),
            fmt_num(self.max),
            fmt_num(self.q1),
            fmt_num(self.q3)
        )
    }
}

const LABEL_X: f64 = 8.0;
/// The width of the indicator labels' column, in pixels.
const LABEL_W: f64 = 210.0;
/// The width a bold 11 px heading is estimated at, as regular text of this size.
const HEADING_EST: f64 = 12.0;
const VALUE_RIGHT: f64 = 318.0;
const COMP_RIGHT: f64 = 400.0;
const SPINE_L: f64 = 420.0;
const SPINE_R: f64 = WIDTH - 12.0;
const SPINE_CX: f64 = (SPINE_L + SPINE_R) / 2.0;
const SPINE_HALF: f64 = (SPINE_R - SPINE_L) / 2.0 - 8.0;
const ROWS_TOP: f64 = 74.0;
const ROW: f64 = 30.0;
const RANGE_BAND: &str = "#e3e3e3";
const IQR_BAND: &str = "#b3b3b3";

/// The lines of a heading (bold, 11 px) wrapped to `width` pixels, never cut.
fn heading_lines(content: &str, width: f64) -> Vec<String> {
    // Bold text is wider than text_width's estimate for regular text at its size.
    wrap_px(content, width, HEADING_EST)
}

/// A heading's lines anchored at `x`, its last line on the baseline `y`.
fn heading(svg: &mut String, x: f64, y: f64, anchor: &str, lines: &[String]) {
    let n = lines.len();
    for (i, l) in lines.iter().enumerate() {
        text(
            svg,
            x,
            y - 13.0 * (n - 1 - i) as f64,
            &format!(r#"text-anchor="{anchor}" font-size="11" font-weight="bold" fill="{INK}""#),
            l,
        );
    }
}

/// The names of the rows compared `which`, for the description.
fn names(rows: &[SpineRow], which: &[Compared]) -> Vec<String> {
    rows.iter()
        .filter(|r| r.value().is_some() && which.contains(&r.compared))
        .map(|r| r.label.clone())
        .collect()
}

fn listed(names: &[String]) -> String {
    if names.len() <= 5 {
        names.join("; ")
    } else {
        format!("{} and {} more", names[..5].join("; "), names.len() - 5)
    }
}

/// A Fingertips-style spine chart of `area` against `comparator`: one row per indicator with
/// its label, the area's value (`value_text`), the comparator's value, and the spine — the
/// comparator at the centre, scaled per row so that the farther of the lowest and highest
/// areas reaches the edge, a light band from lowest to highest, a darker band from the 25th to
/// the 75th percentile, and the area's value as a marker whose colour and shape encode
/// [`Compared`]. Rows without a value say "not published" and have no marker. A legend
/// explains bands and markers. Labels, headings and names wrap onto as many lines as they need
/// (rows and the header grow to hold them); none is cut.
pub fn spine_chart(title: &str, area: &str, comparator: &str, rows: &[SpineRow]) -> String {
    let mut desc = format!(
        "Spine chart of {} for {area} compared with {comparator}, against the range of all areas.",
        plural(rows.len(), "indicator", "indicators")
    );
    for (which, word) in [
        (Compared::Worse, "Worse than"),
        (Compared::Better, "Better than"),
        (Compared::Higher, "Higher than"),
        (Compared::Lower, "Lower than"),
    ] {
        let n = names(rows, &[which]);
        if !n.is_empty() {
            let _ = write!(desc, " {word} {comparator}: {}.", listed(&n));
        }
    }
    let similar = names(rows, &[Compared::Similar]).len();
    if similar > 0 {
        let _ = write!(
            desc,
            " {} similar to {comparator}.",
            plural(similar, "indicator", "indicators")
        );
    }
    let not_compared = names(rows, &[Compared::NotCompared]).len();
    if not_compared > 0 {
        let _ = write!(
            desc,
            " {} not compared.",
            plural(not_compared, "indicator", "indicators")
        );
    }
    let missing = rows.iter().filter(|r| r.value().is_none()).count();
    if missing > 0 {
        let _ = write!(
            desc,
            " {} not published for {area}.",
            plural(missing, "indicator", "indicators")
        );
    }

    let mut svg = String::new();
    // Headings wrapped to their columns, never cut; the rows start below the tallest.
    let area_lines = heading_lines(area, VALUE_RIGHT - LABEL_X - LABEL_W - 6.0);
    let comp_lines = heading_lines(comparator, COMP_RIGHT - VALUE_RIGHT - 6.0);
    let centre_lines = wrap_px(comparator, SPINE_R - SPINE_L - 130.0, 11.0);
    let head = area_lines
        .len()
        .max(comp_lines.len())
        .max(centre_lines.len())
        .max(2);
    let rows_top = ROWS_TOP + 13.0 * (head - 2) as f64;
    let head_y = rows_top - 11.0;
    heading(
        &mut svg,
        LABEL_X,
        head_y,
        "start",
        &["Indicator".to_string()],
    );
    heading(&mut svg, VALUE_RIGHT, head_y, "end", &area_lines);
    heading(&mut svg, COMP_RIGHT, head_y, "end", &comp_lines);
    let axis = format!(r#"font-size="11" fill="{INK2}""#);
    text(
        &mut svg,
        SPINE_L,
        head_y,
        &format!(r#"text-anchor="start" {axis}"#),
        "← Lower",
    );
    text(
        &mut svg,
        SPINE_R,
        head_y,
        &format!(r#"text-anchor="end" {axis}"#),
        "Higher →",
    );
    text_lines(
        &mut svg,
        (SPINE_CX, head_y - 13.0 * (centre_lines.len() - 1) as f64),
        &format!(r#"text-anchor="middle" {axis}"#),
        &centre_lines,
        13.0,
    );
    line(
        &mut svg,
        (LABEL_X, rows_top - 4.0),
        (WIDTH - 8.0, rows_top - 4.0),
        &format!(r#"stroke="{INK2}""#),
    );
    let mut y0 = rows_top;
    for r in rows {
        // A row is as tall as its label, wrapped to the label column, needs.
        let lines = wrap_px(&r.label, LABEL_W, 11.0);
        let h = ROW.max(13.0 * lines.len() as f64 + 5.0);
        let cy = y0 + h / 2.0;
        let _ = write!(
            svg,
            "<g><title>{}</title>",
            esc(&r.summary(area, comparator))
        );
        line(
            &mut svg,
            (LABEL_X, y0 + h),
            (WIDTH - 8.0, y0 + h),
            &format!(r#"stroke="{GRID}""#),
        );
        text_lines(
            &mut svg,
            (LABEL_X, cy + 4.0 - 6.5 * (lines.len() - 1) as f64),
            &format!(r#"font-size="11" fill="{INK}""#),
            &lines,
            13.0,
        );
        match r.shown_value() {
            Some(v) => text(
                &mut svg,
                VALUE_RIGHT,
                cy + 4.0,
                &format!(r#"text-anchor="end" fill="{INK}""#),
                &v,
            ),
            None => text(
                &mut svg,
                VALUE_RIGHT,
                cy + 4.0,
                &format!(r#"text-anchor="end" font-size="11" font-style="italic" fill="{INK2}""#),
                "not published",
            ),
        }
        text(
            &mut svg,
            COMP_RIGHT,
            cy + 4.0,
            &format!(r#"text-anchor="end" fill="{INK2}""#),
            &fmt_num(r.comparator),
        );
        for ((a, b), fill) in [((r.min, r.max), RANGE_BAND), ((r.q1, r.q3), IQR_BAND)] {
            if a.is_finite() && b.is_finite() {
                let (xa, xb) = (r.at(a), r.at(b));
                let _ = write!(
                    svg,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="16" fill="{fill}"/>"#,
                    xa.min(xb),
                    cy - 8.0,
                    (xb - xa).abs()
                );
            }
        }
        let _ = write!(
            svg,
            r#"<line class="centre" x1="{SPINE_CX:.1}" y1="{:.1}" x2="{SPINE_CX:.1}" y2="{:.1}" stroke="{INK}" stroke-width="2"/>"#,
            y0 + 3.0,
            y0 + h - 3.0
        );
        if let Some(v) = r.value() {
            r.compared.marker().draw(&mut svg, r.at(v), cy, true);
        }
        svg.push_str("</g>");
        y0 += h;
    }

    // Legend: a sample spine naming its parts, then the markers.
    let small = format!(r#"font-size="11" fill="{INK2}""#);
    let value_lines = wrap_px(&format!("{comparator} value"), 300.0, 11.0);
    let ly = y0 + 30.0 + 13.0 * (value_lines.len() - 1) as f64;
    let (l, r, c) = (LABEL_X, LABEL_X + 300.0, LABEL_X + 150.0);
    let _ = write!(
        svg,
        r#"<rect x="{l}" y="{:.1}" width="{}" height="16" fill="{RANGE_BAND}"/><rect x="{}" y="{:.1}" width="120" height="16" fill="{IQR_BAND}"/>"#,
        ly + 4.0,
        r - l,
        c - 60.0,
        ly + 4.0
    );
    line(
        &mut svg,
        (c, ly),
        (c, ly + 24.0),
        &format!(r#"stroke="{INK}" stroke-width="2""#),
    );
    text_lines(
        &mut svg,
        (c, ly - 4.0 - 13.0 * (value_lines.len() - 1) as f64),
        &format!(r#"text-anchor="middle" {small}"#),
        &value_lines,
        13.0,
    );
    text(&mut svg, l, ly + 36.0, &small, "Lowest area");
    text(
        &mut svg,
        c,
        ly + 36.0,
        &format!(r#"text-anchor="middle" {small}"#),
        "25th–75th percentile",
    );
    text(
        &mut svg,
        r,
        ly + 36.0,
        &format!(r#"text-anchor="end" {small}"#),
        "Highest area",
    );
    // The markers, in two columns of two, each name wrapped to its column, never cut.
    let columns = [
        (
            350.0,
            [
                (WORSE_MARK, format!("Worse / higher than {comparator}")),
                (BETTER_MARK, format!("Better / lower than {comparator}")),
            ],
        ),
        (
            570.0,
            [
                (SIMILAR_MARK, format!("Similar to {comparator}")),
                (NOT_COMPARED_MARK, "Not compared".to_string()),
            ],
        ),
    ];
    let mut bottom = ly + 50.0;
    for (x, entries) in columns {
        let width = if x < 500.0 {
            570.0 - x - 28.0
        } else {
            WIDTH - x - 28.0
        };
        let mut y = ly + 6.0;
        for (m, label) in entries {
            let lines = wrap_px(&label, width, 11.0);
            m.draw(&mut svg, x + 8.0, y, false);
            text_lines(&mut svg, (x + 20.0, y + 4.0), &small, &lines, 13.0);
            let next = y + 24.0f64.max(13.0 * lines.len() as f64 + 11.0);
            bottom = bottom.max(next + 20.0);
            y = next;
        }
    }
    document(bottom.ceil(), title, &desc, &svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;

    fn row(label: &str, value: Option<f64>, compared: Compared) -> SpineRow {
        SpineRow {
            label: label.into(),
            value,
            comparator: 50.0,
            min: 10.0,
            q1: 40.0,
            q3: 60.0,
            max: 70.0,
            compared,
            value_text: value.map(|v| format!("{v:.1}%")).unwrap_or_default(),
        }
    }

    fn rows() -> Vec<SpineRow> {
        vec![
            row("Recovery & <access>", Some(30.0), Compared::Worse),
            row("Detentions per 100,000", Some(65.0), Compared::Better),
            row("Out of area placements", None, Compared::Similar),
            row("Waiting times", Some(50.0), Compared::NotCompared),
            row("Contacts", Some(45.0), Compared::Lower),
        ]
    }

    #[test]
    fn spine_chart_places_and_encodes_markers() {
        let svg = spine_chart(
            "Profile & <more>",
            "Leeds & <Wakefield>",
            "England",
            &rows(),
        );
        check::assert_well_formed(&svg);
        check::assert_labelled(&svg, "Profile &amp; &lt;more&gt;");
        let desc = check::desc(&svg);
        assert!(desc.starts_with("Spine chart of 5 indicators for Leeds &amp; &lt;Wakefield&gt;"));
        assert!(
            desc.contains(" Worse than England: Recovery &amp; &lt;access&gt;."),
            "{desc}"
        );
        assert!(desc.contains(" Better than England: Detentions per 100,000."));
        assert!(desc.contains(" Lower than England: Contacts."));
        assert!(
            desc.contains("1 indicator not compared.")
                && desc.contains("1 indicator not published for Leeds")
        );
        assert!(
            !desc.contains("similar"),
            "the unpublished row is not counted as similar"
        );

        let marks = check::marks(&svg);
        assert_eq!(marks.len(), 4, "one marker per published value");
        assert_eq!(svg.matches(">not published</text>").count(), 1);
        let centres = check::lines(&svg, "centre");
        assert_eq!(centres.len(), 5);
        let cx = centres[0].0;
        assert!(marks[0].0 < cx, "30 < 50: left of centre");
        assert!(marks[1].0 > cx, "65 > 50: right of centre");
        assert!((marks[2].0 - cx).abs() < 0.11, "equal: on the centre");
        assert!(marks[3].0 < cx);
        // Rows in order; the unpublished row has no marker.
        assert!(marks[1].1 < centres[2].1 && marks[2].1 > centres[2].3);

        let tags = check::classed(&svg, "mark");
        assert!(tags[0].contains(r#"d="M0,"#) && tags[0].contains(&format!(r#"fill="{ORANGE}""#)));
        assert!(tags[1].contains(r#"d="M-6,0a"#) && tags[1].contains(&format!(r#"fill="{BLUE}""#)));
        assert!(tags[2].contains(r#"h10.8"#) && tags[2].contains(&format!(r#"fill="{GREY}""#)));
        assert!(tags[3].contains(&format!(r#"fill="{BLUE}""#)));

        assert!(svg.contains(">30.0%</text>"));
        // The area heading wraps onto two lines.
        assert!(svg.contains(">Leeds &amp;</text>") && svg.contains(">&lt;Wakefield&gt;</text>"));
        for legend in [
            "Lowest area",
            "25th–75th percentile",
            "Highest area",
            "England value",
            "Worse / higher than England",
            "Similar to England",
            "Not compared",
        ] {
            assert!(
                svg.contains(&format!(">{legend}</text>"))
                    || svg.contains(&format!(">{legend}</tspan>")),
                "{legend}"
            );
        }
    }

    #[test]
    fn long_labels_and_names_wrap_instead_of_being_cut() {
        let label = "Uses of section 136 (a place of safety) per 100,000 population aged 16 and over, age-standardised";
        let comparator = "North East and North Cumbria Integrated Care Board";
        let svg = spine_chart(
            "Long",
            "NHS South Yorkshire Integrated Care Board",
            comparator,
            &[
                row(label, Some(30.0), Compared::Worse),
                row("Short", Some(40.0), Compared::Similar),
            ],
        );
        check::assert_well_formed(&svg);
        assert!(!svg.contains('…'), "nothing cut");
        // Every word of the label is drawn, on three lines of the label column.
        for line in [
            ">Uses of section 136 (a place of</tspan>",
            r#"dy="13">safety) per 100,000 population</tspan>"#,
            r#"dy="13">aged 16 and over, age-standardised</tspan>"#,
        ] {
            assert!(svg.contains(line), "{line}");
        }
        // The rows grow to hold their lines: the long row is taller than the short one.
        let centres = check::lines(&svg, "centre");
        let (long_h, short_h) = (centres[0].3 - centres[0].1, centres[1].3 - centres[1].1);
        assert!(long_h > short_h, "{long_h} {short_h}");
        // The comparator's and the area's whole names are in the headings and the legend.
        assert!(
            svg.contains(">Integrated Care Board</tspan>"),
            "over the spine"
        );
        assert!(svg.contains(">Yorkshire</text>") && svg.contains(">Cumbria</text>"));
        assert!(
            svg.contains(">and North Cumbria Integrated</tspan>"),
            "in the legend"
        );
        assert!(svg.contains("Worse / higher than North"));
    }

    #[test]
    fn spine_is_scaled_per_row_from_the_comparator() {
        let r = row("A", Some(30.0), Compared::Worse);
        assert_eq!(r.at(50.0), SPINE_CX);
        // 10 is the farther end (40 below 50): it reaches the left edge; 70 does not reach the right.
        assert_eq!(r.at(10.0), SPINE_CX - SPINE_HALF);
        assert!((r.at(70.0) - (SPINE_CX + SPINE_HALF / 2.0)).abs() < 1e-9);
        let mut wide = r.clone();
        wide.max = 250.0;
        assert_eq!(wide.at(250.0), SPINE_CX + SPINE_HALF);
        assert!(
            wide.at(30.0) > r.at(30.0),
            "a wider range pulls the marker in"
        );
        let svg = spine_chart("T", "A", "England", &[r]);
        let band = check::classed(&svg, "centre");
        assert_eq!(band.len(), 1);
        assert!(svg.contains(&format!(r#"<rect x="{:.1}""#, SPINE_CX - SPINE_HALF)));
    }

    #[test]
    fn spine_ids_differ_from_other_charts() {
        let a = spine_chart("Same", "A", "England", &rows());
        let b = crate::dot_whisker("Same", "x", &[], None);
        let ids_a = check::ids(&a);
        assert!(check::ids(&b).iter().all(|id| !ids_a.contains(id)));
    }
}
