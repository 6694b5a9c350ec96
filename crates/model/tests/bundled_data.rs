//! The shipped lookups read every group label in the bundled published data.

use levelfield_model::ethnicity::BroadGroup;

#[test]
fn every_ethnic_group_in_the_bundled_mha_file_is_known() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/mha_2023_24_england_ethnicity.csv"
    );
    let text = std::fs::read_to_string(path).expect("bundled data file");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "ethnic_group")
        .expect("ethnic_group column");
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in lines.enumerate() {
        let label = line.split(',').nth(col).unwrap();
        let group = BroadGroup::parse_label(label).unwrap_or_else(|e| panic!("row {}: {e}", i + 2));
        assert_eq!(group.label(), label, "labels round-trip");
        seen.insert(group);
    }
    // The file covers all five recorded groups.
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|g| g.is_recorded()));
}
