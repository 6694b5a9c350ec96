//! Checks every rendered report must pass: one language, one h1, no scripts or fetched
//! resources, unique ids, a titled, described chart with a data table in every figure, and
//! every chart and table in a named, focusable scrolling region.
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
        // The chart keeps its own width (so its text its size) in a region that scrolls.
        let region =
            scraper::ElementRef::wrap(svg.parent().expect("a parent")).expect("an element");
        assert_scroll_region(region, "a chart");
    }
    // Every table scrolls in a region of its own, so no table widens the page.
    for table in doc.select(&sel("table")) {
        let region =
            scraper::ElementRef::wrap(table.parent().expect("a parent")).expect("an element");
        assert_scroll_region(region, "a table");
    }
    // Regions are landmarks: each name once, so a screen reader's list of them tells them apart.
    let mut names = std::collections::HashSet::new();
    for region in doc.select(&sel("div.scroll[role=region]")) {
        let name = region.value().attr("aria-label").unwrap_or_default();
        assert!(names.insert(name.to_string()), "two regions named {name:?}");
    }
    figures.len()
}

/// `el` is a scrolling region a keyboard can reach and a screen reader names.
fn assert_scroll_region(el: scraper::ElementRef<'_>, what: &str) {
    let v = el.value();
    assert!(
        v.name() == "div" && v.classes().any(|c| c == "scroll"),
        "{what} outside a scrolling region: <{}>",
        v.name()
    );
    assert_eq!(v.attr("role"), Some("region"), "{what}: a region");
    assert_eq!(v.attr("tabindex"), Some("0"), "{what}: focusable");
    assert!(
        v.attr("aria-label").is_some_and(|l| !l.trim().is_empty()),
        "{what}: a named region"
    );
}
