//! The tables' schema end to end: what `levelfield_profile::output` writes for a small profile
//! is in the schema's profile layout, the report reads it, and what the report writes back is
//! byte for byte the profile's columns of the report layout — and reads and writes again
//! unchanged.

use std::path::Path;

use levelfield_profile::{
    Spec, output,
    query::aggregation,
    strata::{Measure, Population, PopulationRow, Role, Strata},
};
use levelfield_report::{
    Meta, ProfileData,
    schema::{self, Layout},
};
use levelfield_table::{Column, Table, read_csv_bytes, write_csv_to};

const SPEC: &str = r#"
name = "round trip"
confidence = [95, 99.8]
[counts]
path = "counts.csv"
[population]
path = "population.csv"
[[indicator]]
id = "det"
name = "Detentions"
statistic = "rate"
numerator = "detentions"
polarity = "low-is-good"
[[indicator]]
id = "restr"
name = "Restrained"
statistic = "proportion"
numerator = "restrained"
denominator = "inpatients"
[[dimension]]
kind = "ethnicity"
reference = "White"
[trends]
min_periods = 4
[disclosure]
rule = "nhs-mha"
"#;

const PERIODS: [&str; 5] = ["2020-21", "2021-22", "2022-23", "2023-24", "2024-25"];

fn spec() -> Spec {
    Spec::parse(SPEC, "test spec", Path::new(".")).unwrap()
}

fn columns() -> Vec<String> {
    [
        "period",
        "area_code",
        "ethnic_category",
        "records",
        "detentions",
        "inpatients",
        "restrained",
    ]
    .map(String::from)
    .to_vec()
}

/// Strata for every period: (area, ethnic code, [records, detentions, inpatients, restrained]),
/// the counts growing a little each period; one small group so disclosure control hides some.
fn strata() -> Strata {
    let base: [(&str, &str, [f64; 4]); 7] = [
        ("E1", "A", [1000.0, 30.0, 100.0, 10.0]),
        ("E1", "C", [200.0, 10.0, 20.0, 4.0]),
        ("E1", "M", [300.0, 45.0, 40.0, 12.0]),
        ("E1", "Z", [50.0, 5.0, 5.0, 1.0]),
        ("E2", "A", [800.0, 20.0, 80.0, 8.0]),
        ("E2", "N", [400.0, 60.0, 50.0, 15.0]),
        ("E2", "P", [20.0, 2.0, 3.0, 1.0]),
    ];
    let (request, _) = aggregation(&spec(), &columns()).unwrap();
    let names = ["records", "detentions", "inpatients", "restrained"];
    let order: Vec<usize> = request
        .measures
        .iter()
        .map(|m| match m {
            Measure::SumColumn(c) => names.iter().position(|n| n == c).unwrap(),
            other => panic!("unexpected measure {other:?}"),
        })
        .collect();
    let mut rows: Vec<(Vec<Option<&str>>, Vec<f64>)> = Vec::new();
    for (k, period) in PERIODS.iter().enumerate() {
        for (a, c, v) in &base {
            let grown: Vec<f64> = v
                .iter()
                .map(|x| x + (k as f64) * (x / 10.0).floor())
                .collect();
            rows.push((
                vec![Some(*period), Some(*a), Some(*c)],
                order.iter().map(|&m| grown[m]).collect(),
            ));
        }
    }
    Strata::from_rows(&[Role::Period, Role::Area, Role::Ethnicity], &rows)
}

fn population() -> Population {
    let groups = [
        ("E1", "White", 100_000.0),
        ("E1", "Black or Black British", 20_000.0),
        ("E1", "Mixed", 5_000.0),
        ("E2", "White", 90_000.0),
        ("E2", "Black or Black British", 30_000.0),
        ("E2", "Asian or Asian British", 8_000.0),
    ];
    let mut rows = Vec::new();
    for period in PERIODS {
        for (a, g, p) in groups {
            rows.push(PopulationRow {
                period: period.into(),
                area: a.into(),
                ethnicity: Some(g.into()),
                population: p,
                row: rows.len(),
                ..PopulationRow::default()
            });
        }
    }
    Population {
        file: "population.csv".into(),
        rows,
        roles: vec![Role::Period, Role::Area, Role::Ethnicity],
    }
}

fn csv(table: &Table) -> String {
    let mut out = Vec::new();
    write_csv_to(table, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The profile's tables as the CSV files `levelfield profile` writes.
fn profile_files() -> Vec<(&'static str, String)> {
    let spec = spec();
    let (_, layout) = aggregation(&spec, &columns()).unwrap();
    let p = levelfield_profile::run(&spec, &layout, &strata(), Some(&population())).unwrap();
    output::tables(&spec, &p)
        .tables
        .iter()
        .map(|(stem, t)| (*stem, csv(t)))
        .collect()
}

fn read_back(files: &[(&'static str, String)]) -> ProfileData {
    let tables: Vec<(&str, Table)> = files
        .iter()
        .map(|(stem, text)| (*stem, read_csv_bytes(text.as_bytes(), stem).unwrap()))
        .collect();
    ProfileData::from_tables(Meta::default(), &tables).unwrap()
}

fn report_files(data: &ProfileData) -> Vec<(&'static str, String)> {
    data.to_tables()
        .iter()
        .map(|(stem, t)| (*stem, csv(t)))
        .collect()
}

/// A profile table narrowed to the report layout: its columns the layout holds, in the
/// layout's order, and an empty text column for each the profile does not write.
fn projected(stem: &str, text: &str) -> String {
    let table = read_csv_bytes(text.as_bytes(), stem).unwrap();
    let schema = schema::table(stem).unwrap();
    let mut out = Table::with_rows(table.n_rows());
    for name in schema.names(Layout::Report, &[schema::REPORT_SUFFIX]) {
        let column = match table.column(&name) {
            Ok(c) => c.clone(),
            Err(_) => Column::from_strings(vec![""; table.n_rows()]),
        };
        out.push(name, column).unwrap();
    }
    csv(&out)
}

#[test]
fn the_profile_writes_the_schema_layout() {
    let files = profile_files();
    let stems: Vec<&str> = files.iter().map(|(s, _)| *s).collect();
    let expected: Vec<&str> = schema::PROFILE_TABLES.iter().map(|t| t.name).collect();
    assert_eq!(stems, expected);
    for (stem, text) in &files {
        let header = text.lines().next().unwrap();
        let names = schema::table(stem)
            .unwrap()
            .names(Layout::Profile, &["95_0", "99_8"]);
        assert_eq!(header, names.join(","), "{stem}");
    }
    // The profile is small but not trivial: every table the report reads has rows, and
    // disclosure control has hidden something.
    for stem in [
        "estimates",
        "comparisons",
        "inequality",
        "trends",
        "data_quality",
    ] {
        let (_, text) = files.iter().find(|(s, _)| *s == stem).unwrap();
        assert!(text.lines().count() > 2, "{stem} has no rows");
    }
    let (_, estimates) = &files[0];
    assert!(estimates.contains(&format!(",{},", schema::SUPPRESSED)));
    assert!(estimates.contains(&format!(",{},", schema::OVERALL)));
}

#[test]
fn what_the_report_writes_is_what_the_profile_wrote() {
    let files = profile_files();
    let data = read_back(&files);
    let written = report_files(&data);
    for (stem, text) in &files {
        if schema::REPORT_TABLES.iter().any(|t| t.name == *stem) {
            let (_, again) = written.iter().find(|(s, _)| s == stem).unwrap();
            assert_eq!(*again, projected(stem, text), "{stem}");
        }
    }
    // Read and written again: the same bytes.
    let again = report_files(&read_back(&written));
    assert_eq!(again, written);
}

#[test]
fn report_rows_are_named_after_their_columns() {
    let files = profile_files();
    let data = read_back(&files);
    let t = read_csv_bytes(files[0].1.as_bytes(), "estimates").unwrap();
    let k = t.index(schema::col::COMPARED_TO_COMPARATOR).unwrap();
    for (r, e) in data.estimates.iter().enumerate() {
        assert_eq!(e.compared_to_comparator, t.text(k, r));
    }
    let t = read_csv_bytes(files[3].1.as_bytes(), "trends").unwrap();
    let lower = t.numbers(schema::col::LOWER_PROCESS_LIMIT).unwrap();
    let upper = t.numbers(schema::col::UPPER_PROCESS_LIMIT).unwrap();
    for (r, p) in data.trends.iter().enumerate() {
        assert_eq!(
            (p.lower_process_limit, p.upper_process_limit),
            (lower[r], upper[r])
        );
    }
}
