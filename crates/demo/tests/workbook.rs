//! The demo workbook read back: headings in words with their CSV names on the Columns sheet,
//! GSS markers in place of missing figures, and frozen header rows and label columns.

use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader, Xlsx};

fn demo_workbook() -> Vec<u8> {
    let data = levelfield_demo::profile().unwrap();
    levelfield_report::workbook(&data).unwrap()
}

fn column(sheet: &Range<Data>, heading: &str) -> usize {
    (0..sheet.width())
        .find(|&c| sheet.get((0, c)) == Some(&Data::String(heading.into())))
        .unwrap_or_else(|| panic!("no column {heading:?}"))
}

#[test]
fn the_demo_workbook_has_headings_in_words_and_their_csv_names() {
    let bytes = demo_workbook();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert!(names.iter().any(|n| n == "Columns"), "{names:?}");
    let est = book.worksheet_range("Estimates").unwrap();
    let headings: Vec<String> = (0..est.width())
        .map(|c| est.get((0, c)).unwrap().to_string())
        .collect();
    for h in &headings {
        assert!(!h.contains('_'), "a machine name as a heading: {h:?}");
    }
    for h in [
        "Indicator ID",
        "Area code",
        "Lower 95% limit",
        "Upper 95% limit",
        "Compared with comparator",
    ] {
        assert!(headings.iter().any(|x| x == h), "no {h:?} in {headings:?}");
    }
    let cmp = book.worksheet_range("Comparisons").unwrap();
    column(&cmp, "Lower 95% limit of ratio");

    // Every heading of every table sheet is on the Columns sheet with its CSV name.
    let map = book.worksheet_range("Columns").unwrap();
    let rows: Vec<Vec<String>> = map
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows[0], ["Sheet", "Heading", "CSV column", "CSV file"]);
    for (sheet, heading, csv, file) in [
        (
            "Estimates",
            "Lower 95% limit",
            "lower_ci_95_0",
            "estimates.csv",
        ),
        (
            "Estimates",
            "Compared with comparator",
            "compared_to_comparator",
            "estimates.csv",
        ),
        (
            "Comparisons",
            "Upper 95% limit of difference",
            "upper_difference_ci_95_0",
            "comparisons.csv",
        ),
    ] {
        assert!(
            rows.iter().any(|r| r == &[sheet, heading, csv, file]),
            "no row {sheet} {heading} {csv}"
        );
    }
    for name in names
        .iter()
        .filter(|n| !["Contents", "Summary", "Columns", "Notes"].contains(&n.as_str()))
    {
        let sheet = book.worksheet_range(name).unwrap();
        let listed = rows.iter().filter(|r| r[0] == *name).count();
        assert_eq!(listed, sheet.width(), "{name}: every column listed once");
    }
}

#[test]
fn the_demo_workbook_shows_gss_markers_for_missing_figures() {
    let data = levelfield_demo::profile().unwrap();
    let bytes = levelfield_report::workbook(&data).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let est = book.worksheet_range("Estimates").unwrap();
    let value = column(&est, "Value");
    let numerator = column(&est, "Numerator");
    let mut suppressed = 0;
    for (i, e) in data.estimates.iter().enumerate() {
        let cell = est.get((i + 1, value)).unwrap();
        match e.value {
            Some(_) => assert!(matches!(cell, Data::Float(_)), "row {i}: {cell:?}"),
            None if e.suppressed => {
                suppressed += 1;
                assert_eq!(cell, &Data::String("[c]".into()), "row {i}");
                if e.numerator.is_none() {
                    assert_eq!(
                        est.get((i + 1, numerator)),
                        Some(&Data::String("[c]".into()))
                    );
                }
            }
            None => {
                let m = cell.to_string();
                assert!(m == "[x]" || m == "[z]", "row {i}: {m:?}");
            }
        }
    }
    assert!(suppressed > 0, "the demo has rows NHS England suppressed");
    // No figure in any table sheet is left blank.
    for name in ["Estimates", "Comparisons", "Inequality", "Trends"] {
        let sheet = book.worksheet_range(name).unwrap();
        let figures: Vec<usize> = (0..sheet.width())
            .filter(|&c| {
                (1..sheet.height()).any(|r| matches!(sheet.get((r, c)), Some(Data::Float(_))))
            })
            .collect();
        for r in 1..sheet.height() {
            for &c in &figures {
                let cell = sheet.get((r, c)).unwrap_or(&Data::Empty);
                assert!(
                    matches!(cell, Data::Float(_))
                        || ["[c]", "[x]", "[z]"].contains(&cell.to_string().as_str()),
                    "{name} row {r} column {c}: {cell:?}"
                );
            }
        }
    }
    let notes = book.worksheet_range("Notes").unwrap();
    let text: Vec<String> = notes.rows().map(|r| r[0].to_string()).collect();
    for marker in [
        "[c] Confidential",
        "[x] Not available",
        "[z] Not applicable",
    ] {
        assert!(
            text.iter().any(|l| l.starts_with(marker)),
            "the notes do not say what {marker:?} means"
        );
    }
}

#[test]
fn the_demo_workbook_freezes_headers_and_label_columns() {
    let bytes = demo_workbook();
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let names = book.sheet_names();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut sheet_xml = |name: &str| {
        let n = names.iter().position(|s| s == name).unwrap() + 1;
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    // Estimates: indicator ID, indicator, statistic, area code and name, period, dimension,
    // group code and group; the others their leading identifiers.
    for (name, columns, corner) in [
        ("Estimates", 9, "J2"),
        ("Comparisons", 5, "F2"),
        ("Inequality", 5, "F2"),
        ("Trends", 5, "F2"),
        ("Data quality", 3, "D2"),
    ] {
        let xml = sheet_xml(name);
        let pane = format!(
            r#"<pane xSplit="{columns}" ySplit="1" topLeftCell="{corner}" activePane="bottomRight" state="frozen"/>"#
        );
        assert!(xml.contains(&pane), "{name}: no {pane} in its sheet XML");
    }
    let xml = sheet_xml("Columns");
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
}
