//! The report's style sheet: every text colour it sets has a WCAG contrast of at least 4.5:1
//! against every background that text can sit on, and tables paint their own background (so a
//! table wider than a narrow screen, scrolled in its container, is read against a colour a
//! checker can find).

use levelfield_chart::contrast_ratio as ratio;
use levelfield_report::html::{CSS, FIGURES_CSS};

/// The declarations of the rule whose selector is exactly `selector`.
fn rule<'a>(css: &'a str, selector: &str) -> &'a str {
    let found = css
        .match_indices(&format!("{selector} {{"))
        .find(|(i, _)| *i == 0 || css[..*i].ends_with(['\n', '}']))
        .unwrap_or_else(|| panic!("no rule `{selector}` in the style sheet"));
    let start = found.0 + found.1.len();
    &css[start..start + css[start..].find('}').expect("rule end")]
}

/// The `#rrggbb` value of `property` in the rule for `selector`.
fn colour(css: &str, selector: &str, property: &str) -> [u8; 3] {
    let body = rule(css, selector);
    let value = body
        .split(';')
        .filter_map(|d| d.split_once(':'))
        .find(|(p, _)| p.trim() == property)
        .map(|(_, v)| v.trim())
        .unwrap_or_else(|| panic!("`{selector}` sets no {property}: {body}"));
    let hex = value
        .split_whitespace()
        .find(|w| w.starts_with('#'))
        .unwrap_or_else(|| {
            panic!("`{selector} {{ {property}: {value} }}` is not a #rrggbb colour")
        });
    let h = hex.trim_start_matches('#');
    assert_eq!(h.len(), 6, "{selector} {property}: {value}");
    let byte = |k: usize| u8::from_str_radix(&h[k..k + 2], 16).expect("hex");
    [byte(0), byte(2), byte(4)]
}

#[test]
fn every_text_colour_has_4_5_to_1_on_every_background_it_can_sit_on() {
    let page = colour(CSS, "body", "background");
    let heading_cell = colour(CSS, "th", "background");
    let callout = colour(CSS, ".callout", "background");
    let table = colour(CSS, "table", "background");
    let backgrounds = [
        ("page", page),
        ("th", heading_cell),
        (".callout", callout),
        ("table", table),
    ];
    let texts = [
        ("body", colour(CSS, "body", "color")),
        ("a", colour(CSS, "a", "color")),
        (".note", colour(CSS, ".note", "color")),
        (
            "details > summary",
            colour(CSS, "details > summary", "color"),
        ),
        (".subtitle", colour(CSS, ".subtitle", "color")),
        (".meta", colour(CSS, ".meta", "color")),
        ("footer", colour(CSS, "footer", "color")),
    ];
    let mut low = Vec::new();
    for (t, fg) in texts {
        for (b, bg) in backgrounds {
            let r = ratio(fg, bg);
            if r < 4.5 {
                low.push(format!("{t} on {b}: {r:.2}"));
            }
        }
    }
    // The skip link, when focused, on its own background.
    let skip = ratio(
        colour(CSS, ".skip:focus", "color"),
        colour(CSS, ".skip:focus", "background"),
    );
    if skip < 4.5 {
        low.push(format!(".skip:focus: {skip:.2}"));
    }
    assert!(low.is_empty(), "below 4.5:1: {low:?}");
    // The check reads what it should: black on white is 21:1, and a light grey fails.
    assert!((ratio([0; 3], [255; 3]) - 21.0).abs() < 1e-9);
    assert!(ratio([0x88; 3], page) < 4.5);
}

#[test]
fn tables_paint_an_opaque_background_in_the_report_and_in_the_app() {
    assert!(CSS.contains(FIGURES_CSS));
    assert_eq!(colour(FIGURES_CSS, "table", "background"), [255, 255, 255]);
}
