//! The demo report's page one: its plain sentences on the published figures (a snapshot), and
//! the headline the report's rule picks.

#[test]
fn snapshot_demo_page_one() {
    let data = levelfield_demo::profile().unwrap();
    let b = levelfield_report::board::board(&data);
    insta::assert_snapshot!(b.paragraphs.join("\n\n"));
}

#[test]
fn the_demo_headline_is_black_against_white_detentions_and_matches_the_cli() {
    let data = levelfield_demo::profile().unwrap();
    let b = levelfield_report::board::board(&data);
    let h = b.headline.as_ref().expect("a headline");
    assert_eq!(h.indicator_id, "detentions_std");
    assert_eq!(h.dimension, levelfield_demo::ETHNICITY);
    let gap = h.gap.expect("a significant gap");
    assert_eq!(gap.group, "Black or Black British");
    assert!(b.paragraphs[0].contains("3.54 times the rate for the White group"));
    assert!(b.paragraphs[0].contains("there were about 35 in the Black or Black British group"));
    // The demo's printed headline starts with the report's finding.
    let printed = levelfield_demo::headlines(&data);
    assert!(printed[0].starts_with(&b.paragraphs[0]), "{}", printed[0]);
    // The trend is the Black:White ratio series; the quality line is about ethnicity.
    assert!(
        b.paragraphs[1].contains("rate ratio by year"),
        "{}",
        b.paragraphs[1]
    );
    assert!(b.paragraphs[2].contains("ethnicity"), "{}", b.paragraphs[2]);
    let page = levelfield_report::html::render(&data);
    let headline = page.find("id=\"headline\"").unwrap();
    assert!(headline < page.find("aria-label=\"Contents\"").unwrap());
    assert!(page[headline..].contains("fig-headline-ratios"));
}
