//! Drawing helpers shared by the dot-and-whisker, gradient and spine charts: linear scales,
//! round axes that include zero, marker shapes, number formatting and fitting labels to space
//! (wrapping, never cutting, and thinning by width).

use std::fmt::Write;

use crate::{esc, tick_step};

/// Text colours (both pass WCAG AA on white).
pub(crate) const INK: &str = "#000000";
pub(crate) const INK2: &str = "#333333";
/// Decorative grid lines.
pub(crate) const GRID: &str = "#e6e6e6";

/// A linear map from data values to pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    /// Data value at `r0`.
    pub(crate) d0: f64,
    /// Data value at `r1`.
    pub(crate) d1: f64,
    /// Pixel at `d0`.
    pub(crate) r0: f64,
    /// Pixel at `d1`.
    pub(crate) r1: f64,
}

impl Scale {
    /// The pixel of a data value.
    pub(crate) fn at(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// A round axis covering every finite value given and zero: `(start, end, ticks)`, with the
/// start and end on ticks.
pub(crate) fn axis_with_zero(values: impl Iterator<Item = f64>) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if hi > lo { (lo, hi) } else { (0.0, 1.0) };
    let step = tick_step(lo, hi);
    let start = (lo / step + 1e-9).floor() * step;
    let end = (hi / step - 1e-9).ceil() * step;
    let n = ((end - start) / step).round() as usize;
    let ticks = (0..=n)
        .map(|i| {
            let t = start + i as f64 * step;
            if t.abs() < step * 1e-9 { 0.0 } else { t }
        })
        .collect();
    (start, end, ticks)
}

/// A value for display: two significant figures below 1, two decimals below 10, one below
/// 1,000, none above (with thousands separators).
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let a = v.abs();
    let decimals = if a >= 1000.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 || a == 0.0 {
        2
    } else {
        ((-a.log10()).ceil() as usize + 1).min(6)
    };
    let s = format!("{a:.decimals$}");
    let negative = v < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0');
    let grouped = crate::group_thousands(&s);
    if negative {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// `text` wrapped at spaces into lines at most `width` pixels wide in Arial at `size` pixels
/// (by [`text_width`]'s estimate). Nothing is cut: a word wider than `width` has a line of its
/// own, and every word of `text` is on some line.
pub(crate) fn wrap_px(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if cur.is_empty() {
            cur = word.to_string();
        } else if text_width(&format!("{cur} {word}"), size) <= width {
            cur.push(' ');
            cur.push_str(word);
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A text element of one line per entry of `lines` (a `<tspan>` each when there are more than
/// one), `line_height` pixels apart, the first on the baseline `y`; `attrs` may set anchor,
/// size, colour and so on.
pub(crate) fn text_lines(
    svg: &mut String,
    (x, y): (f64, f64),
    attrs: &str,
    lines: &[String],
    line_height: f64,
) {
    if let [one] = lines {
        text(svg, x, y, attrs, one);
        return;
    }
    let _ = write!(svg, r##"<text x="{x:.1}" y="{y:.1}" {attrs}>"##);
    for (k, l) in lines.iter().enumerate() {
        let dy = if k == 0 { 0.0 } else { line_height };
        let _ = write!(svg, r##"<tspan x="{x:.1}" dy="{dy}">{}</tspan>"##, esc(l));
    }
    svg.push_str("</text>");
}

/// The approximate width in pixels of `text` in Arial at `size` pixels.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}

/// The stride at which to show labels at most `widest` pixels wide, centred on slots `step`
/// pixels apart, so that neighbouring labels leave at least `gap` pixels between them: 1 shows
/// every label, 2 every other, and so on.
pub(crate) fn label_stride(step: f64, widest: f64, gap: f64) -> usize {
    if step.is_nan() || step <= 0.0 || !widest.is_finite() {
        return 1;
    }
    ((widest + gap) / step - 1e-9).ceil().max(1.0) as usize
}

/// A marker's shape: the shape, not only the colour, carries the meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A circle.
    Circle,
    /// A diamond (a square on its point).
    Diamond,
    /// A square.
    Square,
}

/// A marker style.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Marker {
    /// Shape.
    pub(crate) shape: Shape,
    /// Half the marker's size in pixels.
    pub(crate) r: f64,
    /// Fill colour.
    pub(crate) fill: &'static str,
    /// Outline colour.
    pub(crate) stroke: &'static str,
    /// Outline width.
    pub(crate) stroke_width: f64,
}

impl Marker {
    /// Draws the marker centred on `(x, y)`. Data markers carry `class="mark"`; legend samples
    /// do not.
    pub(crate) fn draw(&self, svg: &mut String, x: f64, y: f64, data: bool) {
        let r = self.r;
        let d = match self.shape {
            Shape::Circle => format!(
                "M{},0a{r},{r} 0 1,0 {},0a{r},{r} 0 1,0 {},0Z",
                -r,
                2.0 * r,
                -2.0 * r
            ),
            Shape::Diamond => {
                let q = r * 1.3;
                format!("M0,{}L{q},0L0,{q}L{},0Z", -q, -q)
            }
            Shape::Square => {
                let q = r * 0.9;
                format!("M{},{}h{}v{}h{}Z", -q, -q, 2.0 * q, 2.0 * q, -2.0 * q)
            }
        };
        let class = if data { r#" class="mark""# } else { "" };
        let _ = write!(
            svg,
            r##"<path{class} transform="translate({x:.1} {y:.1})" d="{d}" fill="{}" stroke="{}" stroke-width="{}"/>"##,
            self.fill, self.stroke, self.stroke_width
        );
    }
}

/// A line segment.
pub(crate) fn line(svg: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
    let _ = write!(
        svg,
        r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {style}/>"##
    );
}

/// A text element; `attrs` may set anchor, size, colour and so on.
pub(crate) fn text(svg: &mut String, x: f64, y: f64, attrs: &str, content: &str) {
    let _ = write!(
        svg,
        r##"<text x="{x:.1}" y="{y:.1}" {attrs}>{}</text>"##,
        esc(content)
    );
}

/// A label and its value.
pub(crate) type Labelled<'a> = (&'a str, f64);

/// The highest and the lowest finite value with their labels (the first on ties).
pub(crate) fn extremes<'a>(
    items: impl Iterator<Item = Labelled<'a>>,
) -> Option<(Labelled<'a>, Labelled<'a>)> {
    items
        .filter(|(_, v)| v.is_finite())
        .fold(None, |acc, item| match acc {
            None => Some((item, item)),
            Some((hi, lo)) => Some((
                if item.1 > hi.1 { item } else { hi },
                if item.1 < lo.1 { item } else { lo },
            )),
        })
}

/// "1 group" / "2 groups".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_num(4.873), "4.87");
        assert_eq!(fmt_num(88.34), "88.3");
        assert_eq!(fmt_num(12345.6), "12,346");
        assert_eq!(fmt_num(0.0534), "0.053");
        assert_eq!(fmt_num(-0.0001), "-0.00010");
        assert_eq!(fmt_num(-0.0), "0.00");
        assert_eq!(fmt_num(-1234.0), "-1,234");
    }

    #[test]
    fn axes_are_round_and_include_zero() {
        let (s, e, t) = axis_with_zero([0.95, 4.87].into_iter());
        assert_eq!((s, e), (0.0, 5.0));
        assert_eq!(t, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        let (s, e, _) = axis_with_zero([-3.2, 7.1].into_iter());
        assert!(s <= -3.2 && e >= 7.1 && s > -5.1 && e < 10.1, "{s} {e}");
        assert_eq!(axis_with_zero(std::iter::empty()).1, 1.0);
    }

    #[test]
    fn label_strides_keep_labels_apart() {
        // Ten-character labels (56 px at 10 px) on slots 16.7 px apart: every fourth.
        assert_eq!(label_stride(16.7, 56.0, 8.0), 4);
        assert_eq!(label_stride(100.0, 56.0, 8.0), 1);
        assert_eq!(label_stride(0.0, 56.0, 8.0), 1);
        for (step, widest) in [(3.0, 61.6), (16.28, 61.6), (29.3, 40.0), (64.0, 56.0)] {
            let k = label_stride(step, widest, 8.0);
            assert!(
                k as f64 * step >= widest + 8.0 - 1e-6,
                "{step} {widest} {k}"
            );
            assert!(
                k == 1 || (k - 1) as f64 * step < widest + 8.0,
                "not the least"
            );
        }
    }

    #[test]
    fn wrapped_labels_keep_every_word_within_the_width() {
        let text = "10 (least deprived) (reference)";
        let lines = wrap_px(text, 110.0, 11.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), text, "nothing cut");
        for l in &lines {
            assert!(text_width(l, 11.0) <= 110.0 || !l.contains(' '), "{l}");
        }
        assert_eq!(wrap_px("short", 110.0, 11.0), vec!["short"]);
        assert_eq!(wrap_px("", 110.0, 11.0), vec![""]);
        let mut svg = String::new();
        text_lines(&mut svg, (5.0, 10.0), "font-size=\"11\"", &lines, 13.0);
        assert_eq!(svg.matches("<tspan").count(), lines.len());
        assert!(svg.contains(r#"dy="13""#));
    }
}
