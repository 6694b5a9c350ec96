//! The demo's figures against the published ones.

use super::*;

fn data() -> ProfileData {
    profile().expect("the shipped data build a profile")
}

fn estimate<'a>(d: &'a ProfileData, id: &str, dim: &str, group: &str) -> &'a EstimateRow {
    d.estimates
        .iter()
        .find(|e| {
            e.indicator_id == id && e.area_code == ENGLAND && e.dimension == dim && e.group == group
        })
        .unwrap_or_else(|| panic!("no {id} {dim} {group}"))
}

#[test]
fn black_white_standardised_ratio_is_3_54_with_separate_intervals() {
    let d = data();
    let c = d
        .comparisons
        .iter()
        .find(|c| {
            c.indicator_id == "detentions_std"
                && c.dimension == ETHNICITY
                && c.group == "Black or Black British"
        })
        .expect("comparison");
    assert_eq!(c.reference_group, "White");
    assert!((c.ratio.unwrap() - 242.3 / 68.4).abs() < 1e-12);
    assert_eq!(format!("{:.2}", c.ratio.unwrap()), "3.54");
    let (l, u) = (c.ratio_lower.unwrap(), c.ratio_upper.unwrap());
    assert!(l > 3.4 && l < 3.54 && u > 3.54 && u < 3.7, "{l} {u}");
    let b = estimate(&d, "detentions_std", ETHNICITY, "Black or Black British");
    let w = estimate(&d, "detentions_std", ETHNICITY, "White");
    assert_eq!((b.lower, b.upper), (Some(235.4), Some(249.2)));
    assert_eq!((w.lower, w.upper), (Some(67.7), Some(69.1)));
    assert!(b.lower.unwrap() > w.upper.unwrap());
}

#[test]
fn cto_ratio_is_7_07() {
    let d = data();
    let c = d
        .comparisons
        .iter()
        .find(|c| {
            c.indicator_id == "cto_std"
                && c.dimension == ETHNICITY
                && c.group == "Black or Black British"
        })
        .expect("comparison");
    assert_eq!(format!("{:.2}", c.ratio.unwrap()), "7.07");
}

#[test]
fn deprivation_ratio_is_about_3_5() {
    let d = data();
    let c = d
        .comparisons
        .iter()
        .find(|c| {
            c.indicator_id == "detentions"
                && c.dimension == IMD
                && c.group == "Decile 1 (most deprived)"
        })
        .expect("comparison");
    assert_eq!(c.reference_group, "Decile 10 (least deprived)");
    assert_eq!(format!("{:.2}", c.ratio.unwrap()), "3.49");
    let sii = d
        .inequality
        .iter()
        .find(|q| q.indicator_id == "detentions" && q.measure == measure::MeasureCode::Sii.code())
        .expect("SII");
    // Rates rise with deprivation: the fitted least-deprived end is far below the most deprived.
    assert!(
        sii.value.unwrap() < -100.0 && sii.upper.unwrap() < 0.0,
        "{sii:?}"
    );
}

#[test]
fn every_recomputed_crude_rate_rounds_to_the_published_one() {
    let england = rows("mha_2023_24_england.csv").unwrap();
    let icb = rows("mha_2023_24_icb_subicb.csv").unwrap();
    let d = data();
    let mut checked = 0;
    for e in d.estimates.iter().filter(|e| e.statistic == "crude rate") {
        let Some(v) = e.value else { continue };
        let published = england
            .iter()
            .chain(icb.iter())
            .find(|r| {
                r.value_type == "crude_rate"
                    && r.numerator == e.numerator
                    && r.denominator_implied == e.denominator
            })
            .and_then(|r| r.value)
            .expect("published row");
        assert!(
            (v - published).abs() <= 0.05 + 1e-9,
            "{} {}: {v} vs {published}",
            e.area_code,
            e.group
        );
        assert!(e.lower.unwrap() <= v && v <= e.upper.unwrap());
        checked += 1;
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn headline_series_and_findings() {
    let d = data();
    let ratio: Vec<Option<f64>> = d
        .trends
        .iter()
        .filter(|t| t.indicator_id == RATIO_ID)
        .map(|t| t.value)
        .collect();
    assert_eq!(ratio.len(), 9);
    assert_eq!(ratio[1], None, "2017-18 is a kept gap");
    assert!((ratio[0].unwrap() - 272.1 / 67.0).abs() < 1e-12);
    assert!((ratio[8].unwrap() - 262.4 / 65.8).abs() < 1e-12);
    let h = headlines(&d);
    assert_eq!(h.len(), 4);
    assert!(
        h[0].contains("3.54 times") && h[0].contains("do not overlap"),
        "{}",
        h[0]
    );
    assert!(h[1].contains("7.07 times"), "{}", h[1]);
    assert!(h[2].contains("3.49 times"), "{}", h[2]);
    assert!(
        h[3].contains("2016-17") && h[3].contains("4.06") && h[3].contains("3.99"),
        "{}",
        h[3]
    );
}

#[test]
fn icbs_are_named_benchmarked_and_complete() {
    let d = data();
    let overall: Vec<&EstimateRow> = d
        .estimates
        .iter()
        .filter(|e| {
            e.indicator_id == "detentions" && e.area_code != ENGLAND && e.dimension == OVERALL
        })
        .collect();
    assert_eq!(overall.len(), 42);
    let nel = overall.iter().find(|e| e.area_code == FOCUS_ICB).unwrap();
    assert_eq!(nel.area_name, "NHS North East London ICB");
    assert!(
        overall
            .iter()
            .all(|e| ["Higher", "Lower", "Similar"].contains(&e.compared_to_comparator.as_str()))
    );
    assert_eq!(
        tidy_name("NHS BATH AND NORTH EAST SOMERSET, SWINDON AND WILTSHIRE INTEGRATED CARE BOARD"),
        "NHS Bath and North East Somerset, Swindon and Wiltshire ICB"
    );
    assert_eq!(
        tidy_name("NHS STAFFORDSHIRE AND STOKE-ON-TRENT INTEGRATED CARE BOARD"),
        "NHS Staffordshire and Stoke-On-Trent ICB"
    );
}

#[test]
fn data_quality_adds_up() {
    let d = data();
    let eth = &d.quality[0];
    assert_eq!(eth.recorded, Some(45_525.0));
    assert_eq!(eth.unrecognised, Some(1_186.0));
    assert_eq!(format!("{:.1}", eth.percent_recorded.unwrap()), "90.3");
    assert_eq!(d.quality[3].not_known, Some(2_021.0));
}

#[test]
fn tables_round_trip_through_the_report_reader() {
    let d = data();
    let tables: Vec<(String, levelfield_table::Table)> = d
        .to_tables()
        .into_iter()
        .map(|(s, t)| (s.to_string(), t))
        .collect();
    let back = ProfileData::from_tables(d.meta.clone(), &tables).unwrap();
    assert_eq!(back, d);
}

/// England's counts are exact: only sub-national rows say their count was rounded, though the
/// source notes rounding on every row of the ICB file, the national total's too.
#[test]
fn only_sub_national_counts_are_noted_as_rounded() {
    let d = data();
    let england = estimate(&d, "detentions", OVERALL, "All people");
    assert!(!england.note.contains("rounded"), "{}", england.note);
    assert!(
        d.estimates
            .iter()
            .any(|e| e.area_code != ENGLAND && e.note.contains("rounded to the nearest 5")),
        "ICB rows keep the note"
    );
}

#[test]
fn ethnic_group_notes_say_only_what_holds_for_the_row() {
    let d = data();
    let note = |dim: &str, group: &str| estimate(&d, "detentions_std", dim, group).note.clone();
    // Chinese has its own detailed row, so no detailed row says it is counted in Other.
    for e in d
        .estimates
        .iter()
        .filter(|e| e.dimension == ETHNICITY_DETAILED)
    {
        assert!(!e.note.contains("Chinese"), "{}: {}", e.group, e.note);
    }
    assert!(note(ETHNICITY_DETAILED, "Any Other Black background").contains("over-estimated"));
    assert!(!note(ETHNICITY_DETAILED, "Chinese").contains("over-estimated"));
    // The broad Asian group is not an Other group, but does leave Chinese people out.
    let asian = note(ETHNICITY, "Asian or Asian British");
    assert!(
        asian.contains("Chinese") && !asian.contains("over-estimated"),
        "{asian}"
    );
    let other = note(ETHNICITY, "Other Ethnic Groups");
    assert!(
        other.contains("Chinese") && other.contains("over-estimated"),
        "{other}"
    );
    let white = note(ETHNICITY, "White");
    assert!(
        !white.contains("Chinese") && !white.contains("over-estimated"),
        "{white}"
    );
}

#[test]
fn sources_read_as_a_reader_should_see_them() {
    for s in sources().unwrap() {
        for text in [&s.title, &s.licence] {
            assert!(!text.contains("before shipping"), "{}: {text}", s.id);
        }
    }
}

#[test]
fn ethnic_groups_are_listed_in_the_standard_order() {
    let d = data();
    let groups = |dim: &str| -> Vec<String> {
        d.estimates
            .iter()
            .filter(|e| e.indicator_id == "detentions_std" && e.dimension == dim)
            .map(|e| e.group.clone())
            .collect()
    };
    assert_eq!(
        groups(ETHNICITY_DETAILED),
        [
            "White British",
            "White Irish",
            "Any Other White background",
            "White and Black Caribbean",
            "White and Black African",
            "White and Asian",
            "Any Other Mixed background",
            "Indian",
            "Pakistani",
            "Bangladeshi",
            "Any Other Asian background",
            "Caribbean",
            "African",
            "Any Other Black background",
            "Chinese",
            "Any Other Ethnic Group",
        ]
    );
    assert_eq!(
        groups(ETHNICITY),
        [
            "White",
            "Mixed",
            "Asian or Asian British",
            "Black or Black British",
            "Other Ethnic Groups",
        ]
    );
    // A label no order knows is refused, not put last.
    let mut odd = vec![Row {
        dimension: "ethnicity_detailed".into(),
        group: "Martian".into(),
        ..Row::default()
    }];
    assert!(in_standard_group_order(&mut odd).is_err());
}
