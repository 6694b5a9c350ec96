//! Checks every rendered report must pass: one language, one h1, no scripts or fetched
//! resources, unique ids, and a titled, described chart with a data table in every figure.
//! Shared by the report's tests and the demo's.

use scraper::{Html, Selector};

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

/// Every check the report promises about its structure; returns the number of figures.
pub fn check_structure(page: &str) -> usize {
    let doc = Html::parse_document(page);
    assert_eq!(
        doc.select(&sel("html[lang=en]")).count(),
        1,
        "lang attribute"
    );
    assert_eq!(doc.select(&sel("h1")).count(), 1, "one h1");
    assert_eq!(doc.select(&sel("script")).count(), 0, "no scripts");
    assert_eq!(
        doc.select(&sel(
            "link, iframe, img, object, embed, video, audio, source"
        ))
        .count(),
        0,
        "no linked resources"
    );
    for el in doc.select(&sel("[src], [href], [xlink\\:href]")) {
        for (name, value) in el.value().attrs() {
            if matches!(name, "src" | "href" | "xlink:href") {
                assert!(value.starts_with('#'), "{name}={value}: only in-page links");
            }
        }
    }
    for style in doc.select(&sel("style")) {
        let css = style.text().collect::<String>();
        assert!(
            !css.contains("@import") && !css.contains("url("),
            "CSS fetches nothing"
        );
    }
    let figures: Vec<_> = doc.select(&sel("figure.chart")).collect();
    assert!(!figures.is_empty());
    let mut ids = std::collections::HashSet::new();
    for el in doc.select(&sel("[id]")) {
        let id = el.value().attr("id").unwrap();
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
    }
    for f in &figures {
        let svgs: Vec<_> = f.select(&sel("svg")).collect();
        assert!(!svgs.is_empty(), "a figure without a chart");
        let svg = svgs[0];
        assert_eq!(svg.value().attr("role"), Some("img"));
        let labelled = svg
            .value()
            .attr("aria-labelledby")
            .expect("aria-labelledby");
        for id in labelled.split_whitespace() {
            assert!(ids.contains(id), "aria-labelledby names a missing id {id}");
        }
        assert!(svg.select(&sel("title")).next().is_some(), "chart title");
        assert!(
            svg.select(&sel("desc")).next().is_some(),
            "chart description"
        );
        let table = f
            .select(&sel("table"))
            .next()
            .expect("a data table behind every chart");
        assert!(table.select(&sel("th[scope=col]")).count() >= 2);
        assert!(table.select(&sel("tbody tr")).count() >= 1);
        assert!(f.select(&sel("figcaption")).next().is_some());
    }
    figures.len()
}
