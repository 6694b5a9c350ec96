//! The demo report's words: notes that read as sentences, counts that read naturally, areas by
//! name, whole chart labels and ids unique in the page.

use scraper::{Html, Selector};

fn page() -> String {
    let data = levelfield_demo::profile().unwrap();
    levelfield_report::html::render(&data)
}

/// The text of every table cell in a "Note" or "notes" column.
fn note_cells(page: &str) -> Vec<String> {
    let doc = Html::parse_document(page);
    let table = Selector::parse("table").unwrap();
    let th = Selector::parse("thead th").unwrap();
    let tr = Selector::parse("tbody tr").unwrap();
    let td = Selector::parse("th, td").unwrap();
    let mut out = Vec::new();
    for t in doc.select(&table) {
        let heads: Vec<String> = t.select(&th).map(|h| h.text().collect()).collect();
        let Some(k) = heads.iter().position(|h| h.to_lowercase().contains("note")) else {
            continue;
        };
        for row in t.select(&tr) {
            if let Some(cell) = row.select(&td).nth(k) {
                out.push(cell.text().collect::<String>());
            }
        }
    }
    out
}

#[test]
fn notes_read_as_sentences_without_repeats() {
    let notes = note_cells(&page());
    assert!(notes.len() > 50, "{} note cells", notes.len());
    assert!(
        notes.iter().any(|n| n.starts_with("Log")),
        "ratio methods are in the notes"
    );
    for n in notes.iter().filter(|n| !n.is_empty()) {
        assert!(!n.contains(". ."), "{n:?}");
        assert!(!n.contains(".."), "{n:?}");
        assert!(!n.trim_start().starts_with(['.', ';']), "{n:?}");
        for sentence in n.split(". ") {
            assert!(sentence.starts_with(|c: char| !c.is_lowercase()), "{n:?}");
        }
        let clauses: Vec<String> = n
            .split(['.', ';', ':'])
            .map(|c| c.trim().to_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        for (i, c) in clauses.iter().enumerate() {
            assert!(!clauses[i + 1..].contains(c), "{c:?} twice in {n:?}");
            for d in clauses.iter().skip(i + 1) {
                assert!(!d.starts_with(&format!("{c} ")), "{c:?} repeated in {n:?}");
            }
        }
    }
}

#[test]
fn every_id_in_the_page_is_unique() {
    let page = page();
    let ids: Vec<&str> = page
        .split(" id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(ids.len() > 50, "{} ids", ids.len());
    let mut seen = std::collections::HashSet::new();
    for id in &ids {
        assert!(seen.insert(id), "id {id:?} twice");
    }
}

#[test]
fn counts_of_areas_read_naturally() {
    let page = page();
    assert!(!page.contains("area(s)"));
    assert!(!page.contains("in this profile area"));
    assert!(page.contains("3 areas without both values are left out."));
}

#[test]
fn areas_are_shown_by_name() {
    let page = page();
    assert!(!page.contains(">E92000001<"), "England shown by its code");
    assert!(page.contains("<td>England</td>"));
}
