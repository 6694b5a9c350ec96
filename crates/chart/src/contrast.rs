//! Test: every text a chart draws has a WCAG contrast of at least 4.5:1 against everything
//! painted under it: the chart's white background, bands and stripes, lines and markers drawn
//! before it (or against its halo, when it has one). A browser's accessibility checker cannot
//! decide this for text inside SVG, so it is computed here from the markup.

use crate::{
    Compared, FunnelUnit, GroupPoint, Signal, SpcPoint, SpineRow, dot_whisker, funnel_plot,
    gradient, scatter, spc_chart, spine_chart,
};

/// WCAG 2's minimum contrast for text of normal size.
const MIN_RATIO: f64 = 4.5;

/// `#rrggbb` as red, green, blue.
fn rgb(hex: &str) -> Option<[u8; 3]> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let byte = |k: usize| u8::from_str_radix(&h[k..k + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

use crate::contrast_ratio as ratio;

/// An axis-aligned box: left, top, right, bottom.
type Box = [f64; 4];

fn overlaps(a: &Box, b: &Box) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// The value of attribute `name` in an opening tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

fn num(tag: &str, name: &str) -> Option<f64> {
    attr(tag, name)?.parse().ok()
}

/// `translate(x y)` and `rotate(a)` of a `transform`.
fn transform(tag: &str) -> ((f64, f64), f64) {
    let Some(t) = attr(tag, "transform") else {
        return ((0.0, 0.0), 0.0);
    };
    let inside = |f: &str| {
        let i = t.find(f)? + f.len();
        Some(t[i..i + t[i..].find(')')?].to_string())
    };
    let shift = inside("translate(")
        .and_then(|s| {
            let mut n = s.split([' ', ',']).filter(|p| !p.is_empty());
            Some((n.next()?.parse().ok()?, n.next()?.parse().ok()?))
        })
        .unwrap_or((0.0, 0.0));
    let turn = inside("rotate(")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0.0);
    (shift, turn)
}

/// Something painted: its colour and where.
#[derive(Debug)]
enum Paint {
    /// A filled area (rectangle, marker, circle) inside a box.
    Area(Box, [u8; 3]),
    /// A stroked segment of a line, with its half-width.
    Segment((f64, f64), (f64, f64), f64, [u8; 3]),
}

impl Paint {
    fn colour(&self) -> [u8; 3] {
        match self {
            Paint::Area(_, c) | Paint::Segment(_, _, _, c) => *c,
        }
    }

    /// Whether it paints anywhere in `b`.
    fn touches(&self, b: &Box) -> bool {
        match self {
            Paint::Area(a, _) => overlaps(a, b),
            Paint::Segment(p, q, half, _) => {
                let grown = [b[0] - half, b[1] - half, b[2] + half, b[3] + half];
                segment_meets_box(*p, *q, &grown)
            }
        }
    }
}

/// Whether the segment from `p` to `q` passes through `b` (sampled finely enough for charts).
fn segment_meets_box(p: (f64, f64), q: (f64, f64), b: &Box) -> bool {
    let steps = ((q.0 - p.0).hypot(q.1 - p.1) / 0.5).ceil().max(1.0) as usize;
    (0..=steps).any(|k| {
        let t = k as f64 / steps as f64;
        let (x, y) = (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1));
        x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]
    })
}

/// What an opening tag paints, if anything we read as a background.
fn paints(tag: &str, root_height: f64) -> Vec<Paint> {
    let name = tag[1..].split_whitespace().next().unwrap_or("");
    let fill = attr(tag, "fill").and_then(rgb);
    let stroke = attr(tag, "stroke").and_then(rgb);
    let half = num(tag, "stroke-width").unwrap_or(1.0) / 2.0;
    match name {
        "rect" => {
            let (Some(fill), x, y) = (fill, num(tag, "x"), num(tag, "y")) else {
                return Vec::new();
            };
            let full = |v: &str| v == "100%";
            let w = attr(tag, "width").map_or(0.0, |v| {
                if full(v) {
                    crate::WIDTH
                } else {
                    v.parse().unwrap_or(0.0)
                }
            });
            let h = attr(tag, "height").map_or(0.0, |v| {
                if full(v) {
                    root_height
                } else {
                    v.parse().unwrap_or(0.0)
                }
            });
            let (x, y) = (x.unwrap_or(0.0), y.unwrap_or(0.0));
            vec![Paint::Area([x, y, x + w, y + h], fill)]
        }
        "circle" => {
            let (Some(cx), Some(cy), Some(r)) = (num(tag, "cx"), num(tag, "cy"), num(tag, "r"))
            else {
                return Vec::new();
            };
            [fill, stroke]
                .into_iter()
                .flatten()
                .map(|c| {
                    Paint::Area(
                        [cx - r - half, cy - r - half, cx + r + half, cy + r + half],
                        c,
                    )
                })
                .collect()
        }
        // Markers: small shapes drawn about their translation.
        "path" => {
            let ((x, y), _) = transform(tag);
            [fill, stroke]
                .into_iter()
                .flatten()
                .map(|c| Paint::Area([x - 8.0, y - 8.0, x + 8.0, y + 8.0], c))
                .collect()
        }
        "line" => {
            let (Some(x1), Some(y1), Some(x2), Some(y2), Some(c)) = (
                num(tag, "x1"),
                num(tag, "y1"),
                num(tag, "x2"),
                num(tag, "y2"),
                stroke,
            ) else {
                return Vec::new();
            };
            vec![Paint::Segment((x1, y1), (x2, y2), half, c)]
        }
        "polyline" => {
            let Some(c) = stroke else {
                return Vec::new();
            };
            let points: Vec<(f64, f64)> = attr(tag, "points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            points
                .windows(2)
                .map(|w| Paint::Segment(w[0], w[1], half, c))
                .collect()
        }
        // Groups, texts and the chart's root paint nothing that a text is read against.
        _ => Vec::new(),
    }
}

/// The box a text's glyphs may cover, estimated generously from Arial's metrics: advance
/// widths up to 0.6 em (0.65 em bold), ascent 0.75 em, descent 0.25 em; rotated with the text.
fn text_box(tag: &str, text: &str, inherited_size: f64) -> Box {
    let size = num(tag, "font-size").unwrap_or(inherited_size);
    let bold = attr(tag, "font-weight") == Some("bold");
    let width = text.chars().count() as f64 * size * if bold { 0.65 } else { 0.6 };
    let (x, y) = (num(tag, "x").unwrap_or(0.0), num(tag, "y").unwrap_or(0.0));
    let left = match attr(tag, "text-anchor") {
        Some("middle") => x - width / 2.0,
        Some("end") => x - width,
        // `start`, or no anchor: SVG's default, the text begins at x.
        _ => x,
    };
    let corners = [
        (left, y - 0.75 * size),
        (left + width, y - 0.75 * size),
        (left, y + 0.25 * size),
        (left + width, y + 0.25 * size),
    ];
    let ((tx, ty), turn) = transform(tag);
    let (sin, cos) = turn.to_radians().sin_cos();
    let placed = corners.map(|(px, py)| (tx + px * cos - py * sin, ty + px * sin + py * cos));
    placed.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, (px, py)| [b[0].min(*px), b[1].min(*py), b[2].max(*px), b[3].max(*py)],
    )
}

/// Every text of `svg` whose contrast with something painted under it is below 4.5:1, as
/// `text: ratio against colour`. Tags are read in document order: what comes earlier lies under.
fn low_contrast(svg: &str) -> Vec<String> {
    let root_height = crate::check::svg_height_of(svg);
    let root = &svg[..svg.find('>').expect("root tag")];
    let root_size = num(root, "font-size").unwrap_or(12.0);
    let mut under: Vec<Paint> = Vec::new();
    let mut found = Vec::new();
    let mut rest = svg;
    let mut title_depth = 0;
    while let Some(i) = rest.find('<') {
        let j = i + rest[i..].find('>').expect("tag end");
        let tag = &rest[i..j];
        rest = &rest[j + 1..];
        // Tooltips (`<title>` inside a marker) are not drawn.
        if tag.starts_with("<title") {
            title_depth += 1;
            continue;
        }
        if tag.starts_with("</title") {
            title_depth -= 1;
            continue;
        }
        if title_depth > 0 {
            continue;
        }
        if tag.starts_with("<text") {
            let end = rest.find("</text>").expect("text end");
            let text = rest[..end]
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            let fill = attr(tag, "fill")
                .and_then(rgb)
                .unwrap_or_else(|| panic!("a text without an explicit #rrggbb fill: {tag}"));
            let halo = attr(tag, "stroke")
                .and_then(rgb)
                .filter(|_| attr(tag, "paint-order") == Some("stroke"));
            let backgrounds: Vec<[u8; 3]> = match halo {
                Some(h) => vec![h],
                None => {
                    let b = text_box(tag, &text, root_size);
                    under
                        .iter()
                        .filter(|p| p.touches(&b))
                        .map(Paint::colour)
                        .collect()
                }
            };
            for bg in backgrounds {
                let r = ratio(fill, bg);
                if r < MIN_RATIO {
                    found.push(format!("{text:?}: {r:.2} against {bg:02x?}"));
                }
            }
            continue;
        }
        under.extend(paints(tag, root_height));
    }
    found
}

fn point(label: &str, value: f64, highlight: bool) -> GroupPoint {
    GroupPoint {
        label: label.to_string(),
        value: Some(value),
        lower: Some(value * 0.8),
        upper: Some(value * 1.25),
        highlight,
    }
}

fn unit(label: &str, size: f64, value: f64, outlier: bool) -> FunnelUnit {
    FunnelUnit {
        label: label.to_string(),
        size,
        value,
        outlier,
    }
}

/// One chart of every kind, with labels set where they meet lines and markers: reference values
/// inside the data, missing values, outliers on and beside the fitted line.
fn every_kind_of_chart() -> Vec<(&'static str, String)> {
    let groups = vec![
        point("Asian or Asian British", 95.6, false),
        point("Black or Black British", 254.6, false),
        GroupPoint {
            label: "Mixed".into(),
            value: None,
            lower: None,
            upper: None,
            highlight: false,
        },
        point("White", 69.5, true),
        point("Other Ethnic Groups", 213.9, false),
    ];
    let ordered: Vec<(f64, GroupPoint)> = (0..10)
        .map(|k| {
            let v = 150.0 - 9.0 * k as f64;
            (
                (k as f64 + 0.5) / 10.0,
                point(&format!("Decile {}", k + 1), v, false),
            )
        })
        .collect();
    let spc: Vec<SpcPoint> = (0..14)
        .map(|k| SpcPoint {
            period: format!("{}-{:02}", 2010 + k, (11 + k) % 100),
            value: (k != 5).then_some(80.0 + (k as f64 * 1.7).sin() * 9.0 + k as f64),
            mean: 88.0,
            lower: 70.0,
            upper: 106.0,
            signal: [
                Signal::Common,
                Signal::Improvement,
                Signal::Concern,
                Signal::Neutral,
            ][k % 4],
        })
        .collect();
    let units: Vec<FunnelUnit> = (0..42)
        .map(|k| {
            let size = 400_000.0 + 90_000.0 * k as f64;
            let value = 88.0 + ((k * 37) % 23) as f64 * 4.0 - 40.0;
            unit(&format!("NHS Area {k} ICB"), size, value, k % 7 == 0)
        })
        .collect();
    let limits = vec![
        (
            0.95,
            (0..20)
                .map(|k| (60.0 - k as f64, 116.0 + k as f64))
                .collect(),
        ),
        (
            0.998,
            (0..20)
                .map(|k| (50.0 - k as f64, 126.0 + k as f64))
                .collect(),
        ),
    ];
    // Scatter: units on the line (labelled, so their labels cross it) and off it.
    let scattered: Vec<FunnelUnit> = (0..30)
        .map(|k| {
            let x = 2.0 + k as f64 * 0.7;
            let y = 40.0
                + 6.0 * x
                + if k % 5 == 0 {
                    0.0
                } else {
                    ((k * 13) % 9) as f64
                };
            unit(
                &format!("NHS North East and North Cumbria {k}"),
                x,
                y,
                k % 5 == 0,
            )
        })
        .collect();
    let spine: Vec<SpineRow> = [
        (Compared::Worse, 254.6),
        (Compared::Better, 60.0),
        (Compared::Similar, 88.0),
        (Compared::Higher, 130.0),
        (Compared::Lower, 70.0),
        (Compared::NotCompared, 95.0),
    ]
    .into_iter()
    .enumerate()
    .map(|(k, (compared, v))| SpineRow {
        label: format!("Indicator {k} with a long name"),
        value: Some(v),
        comparator: 88.3,
        min: 40.0,
        q1: 70.0,
        q3: 120.0,
        max: 260.0,
        compared,
        value_text: format!("{v:.1}"),
    })
    .collect();
    vec![
        (
            "dot_whisker",
            dot_whisker(
                "By ethnic group",
                "per 100,000",
                &groups,
                Some((88.3, "England 88.3")),
            ),
        ),
        (
            "dot_whisker ratios",
            dot_whisker(
                "Ratio to White",
                "Ratio to White",
                &groups,
                Some((1.0, "Same as White")),
            ),
        ),
        (
            "gradient",
            gradient(
                "By IMD decile",
                "per 100,000",
                &ordered,
                Some((150.0, 70.0)),
                ("Most deprived", "Least deprived"),
            ),
        ),
        ("spc_chart", spc_chart("Trend", "per 100,000", &spc)),
        (
            "funnel_plot",
            funnel_plot(
                "42 areas",
                &crate::FunnelNames {
                    x: "Population",
                    y: "per 100,000",
                    centre: "average",
                },
                &units,
                &limits,
                88.0,
            ),
        ),
        (
            "scatter",
            scatter(
                "Detentions and share",
                "Share (%)",
                "per 100,000",
                &scattered,
                Some((40.0, 6.0)),
            ),
        ),
        (
            "spine_chart",
            spine_chart("Indicators", "NHS Area", "England", &spine),
        ),
    ]
}

#[test]
fn contrast_ratios_follow_wcag() {
    let black = rgb("#000000").unwrap();
    let white = rgb("#ffffff").unwrap();
    assert!((ratio(black, white) - 21.0).abs() < 1e-9);
    assert!((ratio(white, white) - 1.0).abs() < 1e-9);
    // #767676 is the lightest grey with 4.5:1 on white.
    assert!(ratio(rgb("#767676").unwrap(), white) >= MIN_RATIO);
    assert!(ratio(rgb("#777777").unwrap(), white) < MIN_RATIO);
    assert_eq!(rgb("#0072B2"), Some([0, 0x72, 0xb2]));
    assert_eq!(rgb("none"), None);
}

#[test]
fn the_reader_finds_a_label_drawn_across_a_line_of_its_own_colour() {
    let svg = r##"<svg viewBox="0 0 760 100" width="760" height="100" font-size="12"><rect width="100%" height="100%" fill="#ffffff"/><polyline points="0,50 760,50" fill="none" stroke="#000000" stroke-width="1.5"/><text x="100" y="54" font-size="10" fill="#000000">Crossed</text><text x="100" y="90" font-size="10" fill="#000000">Clear</text><text x="300" y="54" stroke="#ffffff" stroke-width="3" paint-order="stroke" font-size="10" fill="#000000">Haloed</text></svg>"##;
    let found = low_contrast(svg);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("\"Crossed\": 1.00"), "{found:?}");
}

#[test]
fn every_chart_text_has_at_least_4_5_to_1_against_what_lies_under_it() {
    let charts = every_kind_of_chart();
    let mut texts = 0;
    let mut found = Vec::new();
    for (kind, svg) in &charts {
        crate::check::assert_well_formed(svg);
        texts += svg.matches("<text").count();
        found.extend(
            low_contrast(svg)
                .into_iter()
                .map(|f| format!("{kind}: {f}")),
        );
    }
    assert!(
        found.is_empty(),
        "text below {MIN_RATIO}:1 against what is painted under it:\n{}",
        found.join("\n")
    );
    assert!(texts > 100, "only {texts} texts drawn");
}
