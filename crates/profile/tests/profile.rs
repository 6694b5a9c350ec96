//! The profile steps on hand-made strata: values checked against sums done in the test,
//! disclosure control of every published count, and an attacker who tries to recover hidden
//! counts from what a profile publishes.

use std::path::Path;

use levelfield_profile::{
    Spec,
    compute::ALL_AREAS,
    output,
    query::aggregation,
    strata::{Measure, Population, PopulationRow, Role, Strata},
};
use levelfield_stats::disclosure::{Protected, Published, Rule, attack};
use proptest::prelude::*;

const SPEC: &str = r#"
name = "hand-checked"
confidence = [95]
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
[disclosure]
rule = "none"
"#;

fn spec(text: &str) -> Spec {
    Spec::parse(text, "test spec", Path::new(".")).unwrap()
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

/// Strata rows: (area, code, [records, detentions, inpatients, restrained]), with the measures
/// put in the order the plan asks for them.
fn strata(rows: &[(&str, &str, [f64; 4])]) -> Strata {
    let (request, _) = aggregation(&spec(SPEC), &columns()).unwrap();
    let names = ["records", "detentions", "inpatients", "restrained"];
    let order: Vec<usize> = request
        .measures
        .iter()
        .map(|m| match m {
            Measure::SumColumn(c) => names.iter().position(|n| n == c).unwrap(),
            other => panic!("unexpected measure {other:?}"),
        })
        .collect();
    let roles = [Role::Period, Role::Area, Role::Ethnicity];
    let rows: Vec<(Vec<Option<&str>>, Vec<f64>)> = rows
        .iter()
        .map(|(a, c, v)| {
            (
                vec![Some("2024-25"), Some(*a), Some(*c)],
                order.iter().map(|&k| v[k]).collect(),
            )
        })
        .collect();
    Strata::from_rows(&roles, &rows)
}

fn population(rows: &[(&str, &str, f64)]) -> Population {
    Population {
        file: "population.csv".into(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, (a, g, p))| PopulationRow {
                period: "2024-25".into(),
                area: a.to_string(),
                ethnicity: Some(g.to_string()),
                population: *p,
                row: i,
                ..PopulationRow::default()
            })
            .collect(),
        roles: vec![Role::Period, Role::Area, Role::Ethnicity],
    }
}

#[test]
fn a_hand_checked_profile() {
    let spec = spec(SPEC);
    let (_, layout) = aggregation(&spec, &columns()).unwrap();
    // Layout of measures: records, detentions, inpatients, restrained (as planned).
    let s = strata(&[
        ("E1", "A", [1000.0, 30.0, 100.0, 10.0]),
        ("E1", "C", [200.0, 10.0, 20.0, 4.0]),
        ("E1", "M", [300.0, 45.0, 40.0, 12.0]),
        ("E1", "Z", [50.0, 5.0, 5.0, 1.0]),
        ("E2", "A", [800.0, 20.0, 80.0, 8.0]),
        ("E2", "N", [400.0, 60.0, 50.0, 15.0]),
    ]);
    let pop = population(&[
        ("E1", "White", 100_000.0),
        ("E1", "Black or Black British", 20_000.0),
        ("E2", "White", 90_000.0),
        ("E2", "Black or Black British", 30_000.0),
    ]);
    let p = levelfield_profile::run(&spec, &layout, &s, Some(&pop)).unwrap();
    let find = |ind: usize, area: &str, dim: usize, group: &str| {
        let a = if area == "ALL" {
            ALL_AREAS
        } else {
            p.areas.iter().position(|x| x == area).unwrap() as u32
        };
        p.estimates
            .iter()
            .find(|e| {
                e.indicator == ind
                    && e.area == a
                    && e.dimension == dim
                    && p.groups[dim][e.group].code == group
            })
            .unwrap_or_else(|| panic!("no row {ind} {area} {dim} {group}"))
    };
    // E1 White = codes A + C: 40 detentions in 100,000.
    let w1 = find(0, "E1", 1, "White");
    assert_eq!(w1.numerator, Some(40.0));
    assert_eq!(w1.denominator, Some(100_000.0));
    assert!((w1.estimate.value.unwrap() - 40.0).abs() < 1e-9);
    // Byar's 95 % limits for 40 events, per 100,000 of 100,000: computed here from the formula.
    let z: f64 = 1.959963984540054;
    let byar = |x: f64, upper: bool| {
        if upper {
            let x = x + 1.0;
            x * (1.0 - 1.0 / (9.0 * x) + z / (3.0 * x.sqrt())).powi(3)
        } else {
            x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt())).powi(3)
        }
    };
    let i = w1.estimate.intervals[0].unwrap();
    assert!((i.lower - byar(40.0, false)).abs() < 1e-9, "{i:?}");
    assert!((i.upper - byar(40.0, true)).abs() < 1e-9, "{i:?}");
    // E1 Black (code M): 45 in 20,000 = 225 per 100,000.
    let b1 = find(0, "E1", 1, "Black or Black British");
    assert!((b1.estimate.value.unwrap() - 225.0).abs() < 1e-9);
    // Not stated: counted, no rate.
    let z1 = find(0, "E1", 1, "Not stated");
    assert_eq!(z1.numerator, Some(5.0));
    assert_eq!(z1.estimate.value, None);
    assert!(z1.notes.join(" ").contains("not recorded"));
    // Overall E1: all 90 detentions over the whole population 120,000.
    let o1 = find(0, "E1", 0, "All");
    assert_eq!(o1.numerator, Some(90.0));
    assert!((o1.estimate.value.unwrap() - 75.0).abs() < 1e-9);
    // All areas, Black: 105 in 50,000 = 210.
    let ball = find(0, "ALL", 1, "Black or Black British");
    assert_eq!(ball.numerator, Some(105.0));
    assert!((ball.estimate.value.unwrap() - 210.0).abs() < 1e-9);
    // Proportion restrained, E2 Black: 15 of 50 = 30 %.
    let r2 = find(1, "E2", 1, "Black or Black British");
    assert!((r2.estimate.value.unwrap() - 30.0).abs() < 1e-9);
    // Wilson 95 % for 15/50, from its formula.
    let (x, n) = (15.0f64, 50.0f64);
    let centre = 2.0 * x + z * z;
    let root = z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt();
    let i = r2.estimate.intervals[0].unwrap();
    assert!((i.lower - (centre - root) / (2.0 * (n + z * z)) * 100.0).abs() < 1e-9);
    assert!((i.upper - (centre + root) / (2.0 * (n + z * z)) * 100.0).abs() < 1e-9);
    // Comparison: E1 Black vs White rate ratio 225/40, difference 185.
    let c = p
        .comparisons
        .iter()
        .find(|c| c.indicator == 0 && c.area == 0 && p.groups[1][c.group].code.starts_with("Black"))
        .unwrap();
    let c = c.comparison.as_ref().unwrap();
    assert!((c.ratio.unwrap() - 225.0 / 40.0).abs() < 1e-9);
    assert!((c.difference - 185.0).abs() < 1e-9);
    // Benchmark: E1 overall (75) against all areas (155/240,000 = 64.58): intervals overlap?
    assert!(o1.benchmark.is_some());
    // Data quality: E1 ethnicity recorded 1,500 of 1,550 records.
    let q = p
        .quality
        .iter()
        .find(|q| q.area == 0 && q.field == "ethnicity")
        .unwrap();
    assert_eq!(
        (q.records, q.recorded, q.not_stated),
        (1550.0, 1500.0, 50.0)
    );
    // Inequality: D and R between the two recorded groups of E1 (Black worse than White).
    let d = p
        .inequality
        .iter()
        .find(|r| r.indicator == 0 && r.area == 0 && r.measure == "D")
        .unwrap();
    assert!((d.value.unwrap().value - 185.0).abs() < 1e-9);
    // Tables lay the rows out with the right columns.
    let t = output::tables(&spec, &p);
    let est = &t.tables[0].1;
    assert_eq!(est.n_rows(), p.estimates.len());
    assert!(est.names().iter().any(|n| n == "lower_ci_95_0"));
    let ft = output::fingertips(&spec, &p);
    assert_eq!(ft.names().len(), 26);
}

#[test]
fn problems_are_listed_together() {
    let spec = spec(SPEC);
    let (_, layout) = aggregation(&spec, &columns()).unwrap();
    // Restrained above inpatients in E1, and Black events with no Black population in E2.
    let s = strata(&[
        ("E1", "A", [10.0, 3.0, 2.0, 5.0]),
        ("E2", "M", [10.0, 3.0, 2.0, 1.0]),
    ]);
    let pop = population(&[
        ("E1", "White", 1000.0),
        ("E1", "Black or Black British", 1000.0),
        ("E2", "White", 1000.0),
    ]);
    let err = levelfield_profile::run(&spec, &layout, &s, Some(&pop))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no population"), "{err}");
    assert!(err.contains("numerator 5 is above denominator 2"), "{err}");
}

#[test]
fn duplicated_population_rows_are_refused() {
    let spec = spec(SPEC);
    let (_, layout) = aggregation(&spec, &columns()).unwrap();
    let s = strata(&[("E1", "A", [10.0, 3.0, 2.0, 1.0])]);
    let pop = population(&[("E1", "White", 1000.0), ("E1", "White", 1000.0)]);
    let err = levelfield_profile::run(&spec, &layout, &s, Some(&pop))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("population.csv: row 2: duplicates row 1"),
        "{err}"
    );
}

#[test]
fn spec_problems_name_the_key_and_the_fix() {
    let err = Spec::parse(
        r#"
name = "x"
confidence = [120]
[counts]
path = "c.csv"
[[indicator]]
id = "bad id"
name = "n"
statistic = "proportion"
numerator = "a"
annualise = true
"#,
        "s.toml",
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("confidence"), "{err}");
    assert!(err.contains("id must be letters"), "{err}");
    assert!(err.contains("needs denominator"), "{err}");
    assert!(err.contains("annualise applies to rates and DSRs"), "{err}");
    let err = Spec::parse("name = 1", "s.toml", Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("s.toml:"), "{err}");
    for (name, _) in levelfield_profile::spec::BUILTIN {
        Spec::builtin(name, Path::new(".")).unwrap();
    }
}

#[test]
fn a_cluster_address_is_checked_when_the_spec_is_read() {
    let with = |cluster: &str| {
        Spec::parse(
            &format!("{SPEC}\n[execution]\ncluster = \"{cluster}\"\n"),
            "s.toml",
            Path::new("."),
        )
    };
    let remote = with("df://10.0.0.5:50050").unwrap();
    assert_eq!(
        remote.execution.cluster.as_deref(),
        Some("df://10.0.0.5:50050")
    );
    with("df://scheduler.internal:30050").unwrap();
    for bad in [
        "10.0.0.5:50050",
        "df://10.0.0.5",
        "df://:50050",
        "df://host:0",
        "df://host:99999",
        "df://a b:1",
    ] {
        let err = with(bad).unwrap_err().to_string();
        assert!(
            err.contains(&format!("[execution] cluster `{bad}`")) && err.contains("df://HOST:PORT"),
            "{bad}: {err}"
        );
    }
    assert!(
        spec(SPEC).execution.cluster.is_none(),
        "runs here by default"
    );
}

fn random_profile_spec(rule: &str) -> Spec {
    spec(&SPEC.replace("rule = \"none\"", rule))
}

/// The areas and ethnic codes of the random tables.
const AREAS: [&str; 4] = ["E1", "E2", "E3", "E4"];
const CODES: [&str; 5] = ["A", "H", "M", "D", "S"];

/// 10,000 people in each broad group of each area of the random tables.
fn random_population() -> Population {
    let mut rows = Vec::new();
    for a in AREAS {
        for g in ["White", "Asian", "Black", "Mixed", "Other"] {
            rows.push((a, g, 10_000.0));
        }
    }
    population(&rows)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Under each rule no published count breaks it, and an attacker who knows every published
    /// (600 cases × 2 indicators: 1,200 random tables with their margins)
    /// count and margin of each table (areas × groups, with the areas' overall rows and the
    /// all-areas rows) pins down no hidden count.
    #[test]
    fn published_counts_obey_the_rule_and_hide_what_they_hide(
        counts in proptest::collection::vec((0u32..4, 0usize..5, 0u32..30), 1..40),
        rule_index in 0usize..3,
    ) {
        let (text, rule) = [
            ("rule = \"nhs-mha\"", Rule::NHS_MHA),
            ("rule = \"hes-2018\"", Rule::HES_2018),
            ("rule = \"custom\"\nthreshold = 5", Rule::custom(5.0, 0.0, false).unwrap()),
        ][rule_index];
        let spec = random_profile_spec(text);
        let (_, layout) = aggregation(&spec, &columns()).unwrap();
        let rows: Vec<(&str, &str, [f64; 4])> = counts
            .iter()
            .map(|&(a, g, x)| (AREAS[a as usize], CODES[g], [f64::from(x), f64::from(x), f64::from(x) * 2.0, f64::from(x)]))
            .collect();
        let s = strata(&rows);
        let p = levelfield_profile::run(&spec, &layout, &s, Some(&random_population())).unwrap();
        for e in &p.estimates {
            if let Some(x) = e.published_numerator {
                prop_assert!(levelfield_profile::disclose::obeys(&rule, x), "published {x}");
            } else {
                prop_assert!(e.hidden && e.estimate.value.is_none());
            }
        }
        // The attacker, per indicator and dimension 1 (ethnicity): rows = real areas, columns = groups.
        for ind in 0..2 {
            let n_areas = p.areas.len();
            let n_groups = p.groups[1].len();
            let mut truth = vec![vec![None; n_groups]; n_areas];
            let mut published = vec![vec![None; n_groups]; n_areas];
            let mut withheld_rows = vec![false; n_areas];
            let mut withheld_columns = vec![false; n_groups];
            for e in p.estimates.iter().filter(|e| e.indicator == ind) {
                if e.area == ALL_AREAS {
                    if e.dimension == 1 && e.published_numerator.is_none() {
                        withheld_columns[e.group] = true;
                    }
                } else if e.dimension == 0 {
                    if e.published_numerator.is_none() {
                        withheld_rows[e.area as usize] = true;
                    }
                } else {
                    truth[e.area as usize][e.group] = e.numerator;
                    published[e.area as usize][e.group] = Some(match e.published_numerator {
                        Some(v) => Published::Value(v),
                        None => Published::Secondary,
                    });
                }
            }
            // A hidden cell's true range under the rule is known to the attacker.
            for (r, row) in published.iter_mut().enumerate() {
                for (c, cell) in row.iter_mut().enumerate() {
                    if *cell == Some(Published::Secondary) && truth[r][c].is_some_and(|x| rule.hides(x)) {
                        *cell = Some(Published::Primary);
                    }
                }
            }
            let protected = Protected { cells: published.clone(), withheld_rows, withheld_columns };
            for (r, row) in attack(&truth, &protected, &rule).iter().enumerate() {
                for (c, b) in row.iter().enumerate() {
                    // Small counts must not be pinned; a count hidden only to protect another
                    // (secondary) may be narrowed to what its own published value would show.
                    if matches!(published[r][c], Some(Published::Primary)) {
                        let (lo, hi) = b.unwrap();
                        prop_assert!(hi - lo >= 1.0, "cell ({r},{c}) pinned to {lo}..{hi}");
                    }
                }
            }
        }
    }
}

#[test]
fn small_counts_are_hidden_with_everything_derived_from_them() {
    let spec = random_profile_spec("rule = \"custom\"\nthreshold = 5");
    let (_, layout) = aggregation(&spec, &columns()).unwrap();
    // E1 Black has 3 detentions: hidden; without rounding, a second cell in its row and column
    // must be hidden too, or the totals give it away.
    let s = strata(&[
        ("E1", "A", [100.0, 40.0, 10.0, 2.0]),
        ("E1", "M", [20.0, 3.0, 2.0, 1.0]),
        ("E2", "A", [100.0, 50.0, 10.0, 2.0]),
        ("E2", "M", [20.0, 30.0, 2.0, 1.0]),
    ]);
    let pop = population(&[
        ("E1", "White", 1000.0),
        ("E1", "Black or Black British", 1000.0),
        ("E2", "White", 1000.0),
        ("E2", "Black or Black British", 1000.0),
    ]);
    let p = levelfield_profile::run(&spec, &layout, &s, Some(&pop)).unwrap();
    let det: Vec<_> = p
        .estimates
        .iter()
        .filter(|e| {
            e.indicator == 0
                && e.dimension == 1
                && e.area != ALL_AREAS
                && e.numerator.is_some_and(|x| x > 0.0)
        })
        .collect();
    let hidden: Vec<_> = det.iter().filter(|e| e.hidden).collect();
    assert!(hidden.len() >= 2, "{det:#?}");
    for e in &hidden {
        assert_eq!(e.published_numerator, None);
        assert_eq!(e.estimate.value, None);
        assert!(e.estimate.intervals.iter().all(Option::is_none));
    }
    // Comparisons involving a hidden group publish nothing.
    for c in p
        .comparisons
        .iter()
        .filter(|c| c.indicator == 0 && c.area == 0)
    {
        assert!(c.comparison.is_err(), "{c:?}");
    }
    assert!(p.rule.starts_with("custom: counts 1 to 4 hidden"));
}

#[test]
fn directly_standardised_rates_by_age_and_sex_and_by_age_alone() {
    let text = r#"
name = "dsr"
confidence = [95]
[counts]
path = "counts.csv"
[population]
path = "population.csv"
[[indicator]]
id = "dsr"
name = "DSR"
statistic = "dsr"
numerator = "detentions"
[disclosure]
rule = "none"
"#;
    let spec = spec(text);
    let cols = ["period", "age_band", "sex", "detentions"].map(String::from);
    let (_, layout) = aggregation(&spec, &cols).unwrap();
    let roles = [Role::Period, Role::AgeBand, Role::Sex];
    // (band, sex, events, population)
    let cells = [
        ("0-4", "1", 6.0, 1000.0),
        ("0-4", "2", 4.0, 2000.0),
        ("5-9", "1", 9.0, 3000.0),
        ("5-9", "2", 12.0, 1500.0),
    ];
    let rows: Vec<(Vec<Option<&str>>, Vec<f64>)> = cells
        .iter()
        .map(|(b, s, x, _)| (vec![Some("2024"), Some(*b), Some(*s)], vec![*x]))
        .collect();
    let strata = Strata::from_rows(&roles, &rows);
    let pop_rows = |with_sex: bool| Population {
        file: "population.csv".into(),
        rows: cells
            .iter()
            .enumerate()
            .map(|(i, (b, s, _, n))| PopulationRow {
                period: "2024".into(),
                age_band: Some(b.to_string()),
                sex: with_sex.then(|| s.to_string()),
                population: *n,
                row: i,
                ..PopulationRow::default()
            })
            .collect(),
        roles: if with_sex {
            vec![Role::Period, Role::AgeBand, Role::Sex]
        } else {
            vec![Role::Period, Role::AgeBand]
        },
    };
    // ESP2013 weights: 0-4 5000, 5-9 5500 (each sex stratum carries its band's weight).
    let by_sex: f64 = (6.0 / 1000.0 * 5000.0
        + 4.0 / 2000.0 * 5000.0
        + 9.0 / 3000.0 * 5500.0
        + 12.0 / 1500.0 * 5500.0)
        / (2.0 * (5000.0 + 5500.0))
        * 100_000.0;
    let p = levelfield_profile::run(&spec, &layout, &strata, Some(&pop_rows(true))).unwrap();
    let v = p.estimates[0].estimate.value.unwrap();
    assert!((v - by_sex).abs() < 1e-9, "{v} vs {by_sex}");
    // Without sex in the population (duplicate band rows are summed per band here).
    let mut pop = pop_rows(false);
    // Population by band alone: one row per band.
    pop.rows = vec![
        PopulationRow {
            period: "2024".into(),
            age_band: Some("0-4".into()),
            population: 3000.0,
            row: 0,
            ..PopulationRow::default()
        },
        PopulationRow {
            period: "2024".into(),
            age_band: Some("5-9".into()),
            population: 4500.0,
            row: 1,
            ..PopulationRow::default()
        },
    ];
    let by_age: f64 =
        (10.0 / 3000.0 * 5000.0 + 21.0 / 4500.0 * 5500.0) / (5000.0 + 5500.0) * 100_000.0;
    let p = levelfield_profile::run(&spec, &layout, &strata, Some(&pop)).unwrap();
    let v = p.estimates[0].estimate.value.unwrap();
    assert!((v - by_age).abs() < 1e-9, "{v} vs {by_age}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The order of the strata does not change the profile (the cells are filled a dimension
    /// per thread), each all-areas count, summed from the areas' cells, is the sum of the
    /// areas' counts, and no inequality measure is published as NaN or infinity (all-zero
    /// counts make ratios and logarithms undefined).
    #[test]
    fn strata_order_does_not_matter_and_all_areas_are_the_sum_of_the_areas(
        counts in proptest::collection::vec((0u32..4, 0usize..5, 0u32..40, 0u32..40), 1..40),
        seed in any::<u64>(),
    ) {
        let spec = spec(SPEC);
        let (_, layout) = aggregation(&spec, &columns()).unwrap();
        let rows: Vec<(&str, &str, [f64; 4])> = counts
            .iter()
            .map(|&(a, g, x, y)| {
                let (x, y) = (f64::from(x), f64::from(y));
                (AREAS[a as usize], CODES[g], [x + y, x, x + y, y])
            })
            .collect();
        // Fisher–Yates with a small LCG, so the permutation comes from the seed.
        let mut shuffled = rows.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let pop = random_population();
        let one = levelfield_profile::run(&spec, &layout, &strata(&rows), Some(&pop)).unwrap();
        let two = levelfield_profile::run(&spec, &layout, &strata(&shuffled), Some(&pop)).unwrap();
        prop_assert_eq!(&one, &two);
        for m in one.inequality.iter().filter_map(|r| r.value) {
            prop_assert!(m.value.is_finite() && m.se.is_none_or(f64::is_finite), "{m:?}");
        }
        for total in one.estimates.iter().filter(|e| e.area == ALL_AREAS) {
            let sum: f64 = one
                .estimates
                .iter()
                .filter(|e| {
                    e.area != ALL_AREAS
                        && (e.indicator, e.period, e.dimension, e.group)
                            == (total.indicator, total.period, total.dimension, total.group)
                })
                .filter_map(|e| e.numerator)
                .sum();
            prop_assert_eq!(total.numerator.unwrap_or(0.0), sum);
        }
    }
}

/// An annualised rate's multiplier scales to a year by the period's length; a label whose
/// length cannot be read is an error naming it.
#[test]
fn annualised_multipliers_follow_the_period_length() {
    let s = spec(&SPEC.replacen(
        "statistic = \"rate\"\n",
        "statistic = \"rate\"\nannualise = true\n",
        1,
    ));
    let det = &s.indicators[0];
    assert!(det.annualise);
    assert_eq!(det.multiplier_in("2024-25"), Ok(100_000.0));
    assert_eq!(det.multiplier_in("2024-25 Q3"), Ok(400_000.0));
    assert_eq!(det.multiplier_in("2024-06"), Ok(1_200_000.0));
    let err = det.multiplier_in("Baseline").unwrap_err();
    assert!(
        err.contains("`Baseline`") && err.contains("2024 Q1"),
        "{err}"
    );
    // Not annualised: the multiplier whatever the period.
    assert_eq!(s.indicators[1].multiplier_in("Baseline"), Ok(100.0));
}
