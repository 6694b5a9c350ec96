//! The demo report: the structure every report must have, on the real published figures, and
//! the headline figures where a reader finds them.

#[path = "../../report/tests/support/structure.rs"]
mod structure;

#[test]
fn the_demo_report_is_self_contained_with_a_table_behind_every_chart() {
    let data = levelfield_demo::profile().unwrap();
    let page = levelfield_report::html::render(&data);
    let figures = structure::check_structure(&page);
    assert!(figures >= 20, "{figures} figures");
    for needle in [
        "3.54 times that of White",
        "7.07 times that of White",
        "3.49 times that of 10 (least deprived)",
        "Contains public sector information licensed under the Open Government Licence v3.0.",
        "UNCERTAIN",
        "rounded to the nearest 5",
        "denominator implied",
    ] {
        assert!(page.contains(needle), "the report lacks {needle:?}");
    }
    let book = levelfield_report::workbook(&data).unwrap();
    assert_eq!(&book[..2], b"PK");
}
