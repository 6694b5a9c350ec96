//! The demo profile: NHS England's published Mental Health Act figures (shipped in `data/`,
//! with their sources and the OGL attribution) turned into the tables of an equality profile —
//! estimates with intervals, comparisons with the reference group, inequality measures, SPC
//! trends and data quality — ready for the report.
//!
//! The figures are aggregates, so nothing is re-aggregated: crude rates are recomputed from the
//! published count and the denominator implied by the published rate (and must round back to
//! the published rate), with exact Poisson (Byar) intervals; standardised rates keep their
//! published values and intervals; ratios, gaps and trends are computed here.
//!
//! Why one long file: the shipped figures become every table of the demo profile here; each
//! table's builder is short and reads the same parsed figures.

#![deny(missing_docs)]

use std::collections::BTreeMap;

use levelfield_model::ethnicity::{BroadGroup, detailed_order};
use levelfield_report::{
    IndicatorMeta, Meta, OGL_ATTRIBUTION, ProfileData, SourceMeta,
    data::{ComparisonRow, EstimateRow, InequalityRow, QualityRow, TrendRow},
    schema::OVERALL,
};
use levelfield_stats::{
    ConfidenceLevel, Interval,
    compare::{Benchmark, benchmark, compare_estimates, compare_rates},
    inequality::{DimensionType, Group, Measure, Polarity},
    measure,
    rate::crude_rate,
    spc::{Improvement, SpcConfig, spc},
};
use levelfield_table::{Table, read_csv_bytes};

/// The shipped files: (name, contents).
pub const FILES: [(&str, &str); 4] = [
    (
        "mha_2023_24_england.csv",
        include_str!("../data/mha_2023_24_england.csv"),
    ),
    (
        "mha_2023_24_icb_subicb.csv",
        include_str!("../data/mha_2023_24_icb_subicb.csv"),
    ),
    (
        "mha_headlines_2015_2025.csv",
        include_str!("../data/mha_headlines_2015_2025.csv"),
    ),
    ("sources.csv", include_str!("../data/sources.csv")),
];

/// England's ONS code, the comparator of the demo.
pub const ENGLAND: &str = "E92000001";
/// The ICB whose spine chart the demo draws (NHS North East London).
pub const FOCUS_ICB: &str = "QMF";
const PER_100K: f64 = 100_000.0;
const UNIT: &str = "per 100,000 population";

/// Dimension labels.
pub const ETHNICITY: &str = "Ethnic group (NHS 5 groups)";
/// Dimension label of the 16 NHS ethnic categories.
pub const ETHNICITY_DETAILED: &str = "Ethnic category (NHS 16 categories)";
/// Dimension label of IMD deciles.
pub const IMD: &str = "IMD decile (1 = most deprived)";
const AGE: &str = "Age band";
const SEX: &str = "Sex";

/// What can go wrong reading the shipped figures (only a broken build can cause it).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A shipped file does not parse or lacks a column.
    #[error("shipped data: {0}")]
    Data(String),
}

/// One published figure.
#[derive(Clone, Debug, Default)]
struct Row {
    indicator: String,
    period: String,
    geography: String,
    code: String,
    dimension: String,
    group: String,
    numerator: Option<f64>,
    denominator_implied: Option<f64>,
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    value_type: String,
    source_id: String,
    source_table: String,
    source_status: String,
    notes: String,
}

fn rows(name: &str) -> Result<Vec<Row>, DemoError> {
    let text = FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| DemoError::Data(format!("{name} is not shipped")))?;
    let t = read_csv_bytes(text.as_bytes(), name).map_err(|e| DemoError::Data(e.to_string()))?;
    let text_col = |c: &str| -> Result<Vec<String>, DemoError> {
        let k = t
            .index(c)
            .map_err(|e| DemoError::Data(format!("{name}: {e}")))?;
        Ok((0..t.n_rows()).map(|r| t.text(k, r).into_owned()).collect())
    };
    let num = |c: &str| -> Result<Vec<Option<f64>>, DemoError> {
        t.numbers(c).map_err(|e| DemoError::Data(e.to_string()))
    };
    let (indicator, period, geography, code) = (
        text_col("indicator")?,
        text_col("period")?,
        text_col("geography")?,
        text_col("geography_code")?,
    );
    let (dimension, group, value_type) = (
        text_col("dimension")?,
        text_col("group")?,
        text_col("value_type")?,
    );
    let (source_id, source_table, source_status, notes) = (
        text_col("source_id")?,
        text_col("source_table")?,
        text_col("source_status")?,
        text_col("notes")?,
    );
    let (numerator, implied, value, lower, upper) = (
        num("numerator")?,
        num("denominator_implied")?,
        num("value")?,
        num("lower_ci")?,
        num("upper_ci")?,
    );
    let mut rows: Vec<Row> = (0..t.n_rows())
        .map(|i| Row {
            indicator: indicator[i].clone(),
            period: period[i].clone(),
            geography: geography[i].clone(),
            code: code[i].clone(),
            dimension: dimension[i].clone(),
            group: group[i].clone(),
            numerator: numerator[i],
            denominator_implied: implied[i],
            value: value[i],
            lower: lower[i],
            upper: upper[i],
            value_type: value_type[i].clone(),
            source_id: source_id[i].clone(),
            source_table: source_table[i].clone(),
            source_status: source_status[i].clone(),
            notes: notes[i].clone(),
        })
        .collect();
    in_standard_group_order(&mut rows)?;
    Ok(rows)
}

/// Puts the ethnic-group rows of each figure (same indicator, period, area and dimension; a
/// group's kinds of value stay in their order) into the standard order (NHS
/// England publishes them alphabetically), whatever a shipped file's order: the broad groups in [`BroadGroup`]'s order, the detailed
/// in [`detailed_order`]'s, the total ("All") first. Every table and chart of the demo then
/// lists the groups in that order.
///
/// # Errors
/// [`DemoError::Data`] for a group label neither order knows.
fn in_standard_group_order(rows: &mut [Row]) -> Result<(), DemoError> {
    let key = |r: &Row| -> Result<u16, DemoError> {
        let bad = |e: levelfield_model::UnknownCode| DemoError::Data(e.to_string());
        if r.group == "All" {
            return Ok(0);
        }
        if r.dimension == "ethnicity_broad" {
            BroadGroup::parse_label(&r.group)
                .map(|g| 1 + g as u16)
                .map_err(bad)
        } else {
            detailed_order(&r.group).map(|k| 1 + k).map_err(bad)
        }
    };
    // The places of each figure's ethnic-group rows, wherever they are in the file: the rows
    // are put into order among those places, and no other row moves.
    let mut figures: BTreeMap<(String, String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.dimension.starts_with("ethnicity_") {
            figures
                .entry((
                    r.indicator.clone(),
                    r.period.clone(),
                    r.code.clone(),
                    r.dimension.clone(),
                ))
                .or_default()
                .push(i);
        }
    }
    for places in figures.values() {
        let mut keyed = places
            .iter()
            .map(|&i| Ok((key(&rows[i])?, rows[i].clone())))
            .collect::<Result<Vec<_>, DemoError>>()?;
        // Stable: a group's rows (one per kind of value) keep their order.
        keyed.sort_by_key(|(k, _)| *k);
        for (&i, (_, r)) in places.iter().zip(keyed) {
            rows[i] = r;
        }
    }
    Ok(())
}

/// The caveat a published ethnic group's rate carries: an `Other` group may be over-estimated,
/// because `Other` codes are used as a default; in the broad groups (only there: the detailed
/// ones give Chinese its own row) Chinese people are counted in Other Ethnic Groups, not Asian.
fn ethnic_group_note(group: &str, dimension: &str, published_notes: &str) -> String {
    let mut parts = Vec::new();
    if group.contains("Other") {
        parts.push("'Other' groups may be over-estimated ('Other' is used as a default code)");
    }
    if dimension == "ethnicity_broad" && published_notes.contains("Chinese") {
        parts.push(
            "NHS England counts Chinese people in Other Ethnic Groups, not in Asian or Asian British",
        );
    }
    parts.join("; ")
}

fn sources() -> Result<Vec<SourceMeta>, DemoError> {
    let text = FILES[3].1;
    let t: Table = read_csv_bytes(text.as_bytes(), "sources.csv")
        .map_err(|e| DemoError::Data(e.to_string()))?;
    let col = |c: &str| t.index(c).map_err(|e| DemoError::Data(e.to_string()));
    let (id, desc, url, licence) = (
        col("source_id")?,
        col("description")?,
        col("url")?,
        col("licence")?,
    );
    Ok((0..t.n_rows())
        .map(|r| SourceMeta {
            id: t.text(id, r).into_owned(),
            title: t.text(desc, r).into_owned(),
            url: t.text(url, r).into_owned(),
            licence: t.text(licence, r).into_owned(),
        })
        .collect())
}

/// The determinant the demo relates to detentions across ICBs.
pub const DETERMINANT: &str = "Black share of the population (%)";

/// The association across ICBs between the share of the population in the Black group (from
/// the populations the published counts and rates imply) and the overall detention rate.
fn determinants(data: &mut ProfileData, id: &str, period: &str) {
    let denominator = |area: &str, dimension: &str, group: &str| {
        data.estimates
            .iter()
            .find(|e| {
                e.indicator_id == id
                    && e.period == period
                    && e.area_code == area
                    && e.dimension == dimension
                    && e.group == group
            })
            .and_then(|e| e.denominator)
    };
    let mut shares = std::collections::BTreeMap::new();
    for e in data
        .estimates
        .iter()
        .filter(|e| e.indicator_id == id && e.area_code != ENGLAND && e.dimension == OVERALL)
    {
        if let (Some(black), Some(all)) = (
            denominator(&e.area_code, ETHNICITY, "Black or Black British"),
            e.denominator,
        ) && all > 0.0
        {
            shares.insert(e.area_code.clone(), 100.0 * black / all);
        }
    }
    data.associations = levelfield_report::associate::rows(
        data,
        id,
        period,
        DETERMINANT,
        "the populations implied by NHS England's published ICB counts and crude rates, MHA Statistics 2023-24",
        &shares,
    );
}

/// "NHS NORTH EAST LONDON INTEGRATED CARE BOARD" → "NHS North East London ICB".
pub fn tidy_name(name: &str) -> String {
    let name = name.replace("INTEGRATED CARE BOARD", "ICB");
    name.split(' ')
        .enumerate()
        .map(|(k, w)| match w {
            "NHS" | "ICB" => w.to_string(),
            "AND" | "OF" | "THE" | "ON" if k > 0 => w.to_lowercase(),
            _ => w
                .split('-')
                .map(|part| {
                    let mut c = part.chars();
                    match c.next() {
                        Some(f) => f
                            .to_uppercase()
                            .chain(c.flat_map(char::to_lowercase))
                            .collect(),
                        None => String::new(),
                    }
                })
                .collect::<Vec<String>>()
                .join("-"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The published IMD label ("10 Most deprived", NHS order: 01 = least deprived) as our decile
/// number, 1 = most deprived.
fn imd_decile(label: &str) -> Option<u32> {
    let n: u32 = label.get(..2)?.trim().parse().ok()?;
    (1..=10).contains(&n).then(|| 11 - n)
}

struct Builder {
    data: ProfileData,
    levels: Vec<ConfidenceLevel>,
}

fn level95() -> ConfidenceLevel {
    ConfidenceLevel::new(0.95).expect("0.95 is a valid level")
}

impl Builder {
    fn estimate(&mut self, row: EstimateRow) {
        self.data.estimates.push(row);
    }

    /// A crude rate from a published count and the implied denominator, checked against the
    /// published rate.
    #[allow(clippy::too_many_arguments)]
    fn crude(
        &mut self,
        indicator: (&str, &str),
        area: (&str, &str),
        period: &str,
        dimension: &str,
        group: (&str, &str),
        reference: bool,
        r: &Row,
        note: &str,
    ) {
        let mut notes: Vec<String> = Vec::new();
        if !note.is_empty() {
            notes.push(note.to_string());
        }
        if r.notes.contains("UNCERTAIN") {
            notes.push("UNCERTAIN decile label in the source copy (see caveats)".into());
        }
        // The source notes rounding on every row of the ICB file, the national total's too;
        // England's counts are exact.
        if r.notes.contains("rounded") && area.0 != ENGLAND {
            notes.push("count rounded to the nearest 5 by NHS England".into());
        }
        let (value, lower, upper, method, suppressed) = match (r.numerator, r.denominator_implied) {
            (Some(x), Some(n)) if n > 0.0 => {
                notes.push("denominator implied from the published count and rate".into());
                match crude_rate(x, n, &self.levels, PER_100K) {
                    Ok(e) => (
                        e.value,
                        e.intervals.first().copied().flatten().map(|i| i.lower),
                        e.intervals.first().copied().flatten().map(|i| i.upper),
                        e.method.label().to_string(),
                        false,
                    ),
                    Err(_) => (None, None, None, String::new(), false),
                }
            }
            _ if r.value_type == "suppressed" => {
                notes.push("suppressed by NHS England (small numbers)".into());
                (None, None, None, String::new(), true)
            }
            _ => {
                notes.push("no rate published: no population for this group".into());
                (None, None, None, String::new(), false)
            }
        };
        self.estimate(EstimateRow {
            indicator_id: indicator.0.into(),
            indicator: indicator.1.into(),
            statistic: "crude rate".into(),
            area_code: area.0.into(),
            area_name: area.1.into(),
            period: period.into(),
            dimension: dimension.into(),
            group_code: group.0.into(),
            group: group.1.into(),
            reference_group: reference,
            numerator: r.numerator,
            denominator: r.denominator_implied,
            value,
            lower,
            upper,
            method,
            comparator: if area.0 == ENGLAND {
                String::new()
            } else {
                "England".into()
            },
            compared_to_comparator: String::new(),
            suppressed,
            note: notes.join("; "),
        });
    }
}

/// An indicator's rows of one dimension at one area and period, in order.
fn select<'a>(
    data: &'a ProfileData,
    id: &str,
    area: &str,
    period: &str,
    dimension: &str,
) -> Vec<&'a EstimateRow> {
    data.estimates
        .iter()
        .filter(|e| {
            e.indicator_id == id
                && e.area_code == area
                && e.period == period
                && e.dimension == dimension
        })
        .collect()
}

/// Standard error of an estimate from its 95 % limits.
fn se95(e: &EstimateRow) -> Option<f64> {
    Some((e.upper? - e.lower?) / (2.0 * level95().z()))
}

fn comparisons(data: &mut ProfileData, id: &str, dimension: &str, period: &str) {
    let rows: Vec<EstimateRow> = select(data, id, ENGLAND, period, dimension)
        .into_iter()
        .cloned()
        .collect();
    let Some(reference) = rows.iter().find(|e| e.reference_group).cloned() else {
        return;
    };
    let levels = [level95()];
    for e in rows
        .iter()
        .filter(|e| !e.reference_group && e.value.is_some())
    {
        let comparison = if e.statistic == "crude rate" {
            match (
                e.numerator,
                e.denominator,
                reference.numerator,
                reference.denominator,
            ) {
                (Some(x1), Some(n1), Some(x2), Some(n2)) => {
                    compare_rates(x1, n1, x2, n2, &levels, PER_100K).ok()
                }
                _ => None,
            }
        } else {
            match (e.value, se95(e), reference.value, se95(&reference)) {
                (Some(y1), Some(s1), Some(y2), Some(s2)) => {
                    compare_estimates((y1, s1), (y2, s2), &levels).ok()
                }
                (Some(y1), None, Some(y2), _) => Some(levelfield_stats::compare::Comparison {
                    difference: y1 - y2,
                    difference_intervals: Vec::new(),
                    ratio: (y2 != 0.0).then_some(y1 / y2),
                    ratio_intervals: vec![None],
                    methods: ("", ""),
                }),
                _ => None,
            }
        };
        let Some(c) = comparison else { continue };
        let note = if e.statistic == "crude rate" {
            String::new()
        } else if c.ratio_intervals.first().copied().flatten().is_some() {
            "standard errors from the published 95% half-widths".to_string()
        } else {
            "no interval: none was published".to_string()
        };
        data.comparisons.push(ComparisonRow {
            indicator_id: id.into(),
            area_code: ENGLAND.into(),
            period: period.into(),
            dimension: dimension.into(),
            group: e.group.clone(),
            reference_group: reference.group.clone(),
            difference: Some(c.difference),
            difference_lower: c.difference_intervals.first().map(|i| i.lower),
            difference_upper: c.difference_intervals.first().map(|i| i.upper),
            ratio: c.ratio,
            ratio_lower: c
                .ratio_intervals
                .first()
                .copied()
                .flatten()
                .map(|i| i.lower),
            ratio_upper: c
                .ratio_intervals
                .first()
                .copied()
                .flatten()
                .map(|i| i.upper),
            ratio_method: c.methods.1.to_string(),
            note,
        });
    }
}

/// Where a set of inequality measures belongs.
struct At<'a> {
    id: &'a str,
    period: &'a str,
    dimension: &'a str,
    groups: usize,
}

fn measure_row(
    at: &At,
    name: &str,
    m: Option<Measure>,
    method: &str,
    detail: String,
) -> InequalityRow {
    let ci = m.and_then(|m| m.interval(0.95));
    InequalityRow {
        indicator_id: at.id.into(),
        area_code: ENGLAND.into(),
        period: at.period.into(),
        dimension: at.dimension.into(),
        measure: name.into(),
        value: m.map(|m| m.value),
        lower: ci.map(|c| c.0),
        upper: ci.map(|c| c.1),
        groups: Some(at.groups as f64),
        method: method.into(),
        detail,
    }
}

/// Inequality measures across a dimension's groups with values, populations and intervals.
fn inequality_measures(
    data: &mut ProfileData,
    id: &str,
    dimension: &str,
    period: &str,
    ordered: bool,
) {
    let rows: Vec<EstimateRow> = select(data, id, ENGLAND, period, dimension)
        .into_iter()
        .filter(|e| e.value.is_some() && e.denominator.is_some())
        .cloned()
        .collect();
    let groups: Vec<Group> = rows
        .iter()
        .filter_map(|e| {
            Some(Group {
                value: e.value?,
                se: se95(e)?,
                population: e.denominator?,
            })
        })
        .collect();
    if groups.len() < 2 || groups.len() != rows.len() {
        return;
    }
    let names: Vec<&str> = rows.iter().map(|e| e.group.as_str()).collect();
    let dim_type = if ordered {
        DimensionType::Ordered
    } else {
        DimensionType::Unordered
    };
    let at = At {
        id,
        period,
        dimension,
        groups: groups.len(),
    };
    let out: Vec<InequalityRow> = measure::summaries(&groups, &names, dim_type, Polarity::Adverse)
        .into_iter()
        .map(|m| measure_row(&at, m.measure.code(), m.value, m.method, m.detail))
        .collect();
    data.inequality.extend(out);
}

/// The headline series since 2016-17 (2017-18 was not found: a gap, kept), with the
/// 2023-24 standardised rates from the annual figures.
const PERIODS: [&str; 9] = [
    "2016-17", "2017-18", "2018-19", "2019-20", "2020-21", "2021-22", "2022-23", "2023-24",
    "2024-25",
];
/// A series' points: value and note per period.
type Series = Vec<(Option<f64>, String)>;

const RATIO_ID: &str = "detentions_ratio";
const RATIO_NAME: &str = "Detentions: Black or Black British to White rate ratio by year";
const RATIO_GROUP: &str = "Black or Black British to White";

/// The series is rebased where denominators moved to Census 2021 (2022-23).
const CENSUS_2021_FROM: usize = 6;

fn trends(b: &mut Builder, headlines: &[Row], england: &[Row]) {
    let id = "detentions_headline";
    let name = "Detentions under the Mental Health Act: headline rates by year";
    let mut series: BTreeMap<&str, Vec<(Option<f64>, String)>> = BTreeMap::new();
    for group in ["Black or Black British", "White"] {
        let mut points = vec![(None, String::new()); PERIODS.len()];
        for (k, period) in PERIODS.iter().enumerate() {
            let published = if *period == "2023-24" {
                england.iter().find(|r| {
                    r.indicator == "mha_detentions"
                        && r.dimension == "ethnicity_broad"
                        && r.group == group
                        && r.value_type == "age_sex_standardised_rate"
                })
            } else {
                headlines.iter().find(|r| {
                    r.indicator == "mha_detentions"
                        && r.period == *period
                        && r.dimension == "ethnicity_broad"
                        && r.group == group
                        && r.value_type.starts_with("rate_headline")
                })
            };
            if let Some(r) = published {
                let mut note = format!("source {} ({})", r.source_id, r.source_status);
                if r.value_type.ends_with("rounded") {
                    note.push_str("; published rounded to whole numbers");
                }
                if k == CENSUS_2021_FROM {
                    note.push_str("; break: Census 2021 denominators from here");
                }
                points[k] = (r.value, note);
            } else {
                points[k].1 = "not found in published sources: a gap, kept".into();
            }
        }
        series.insert(group, points);
    }
    let ratio: Vec<(Option<f64>, String)> = (0..PERIODS.len())
        .map(|k| {
            let b = &series["Black or Black British"][k];
            let w = &series["White"][k];
            match (b.0, w.0) {
                (Some(x), Some(y)) if y > 0.0 => (
                    Some(x / y),
                    format!("ratio of the two published rates; {}", b.1),
                ),
                _ => (None, "not found in published sources: a gap, kept".into()),
            }
        })
        .collect();
    let all: Vec<(&str, &str, &Series)> = vec![
        (
            id,
            "Black or Black British",
            &series["Black or Black British"],
        ),
        (id, "White", &series["White"]),
        (RATIO_ID, RATIO_GROUP, &ratio),
    ];
    for (id, group, points) in all {
        let values: Vec<Option<f64>> = points.iter().map(|p| p.0).collect();
        let chart = spc(
            &values,
            None,
            &SpcConfig {
                rebase_at: vec![CENSUS_2021_FROM],
                // A smaller disparity is an improvement; a group's rate alone has no direction.
                improvement: if id == RATIO_ID {
                    Improvement::Decrease
                } else {
                    Improvement::Neutral
                },
                ..SpcConfig::default()
            },
        );
        let variation = chart.variation.label();
        for (k, p) in chart.points.iter().enumerate() {
            b.data.trends.push(TrendRow {
                indicator_id: id.into(),
                area_code: ENGLAND.into(),
                dimension: if id == RATIO_ID { OVERALL } else { ETHNICITY }.into(),
                group: group.into(),
                period: PERIODS[k].into(),
                value: p.value,
                mean: p.mean.is_finite().then_some(p.mean),
                lower_process_limit: p.lower_limit.is_finite().then_some(p.lower_limit),
                upper_process_limit: p.upper_limit.is_finite().then_some(p.upper_limit),
                special_cause: p.rule.map_or("", |r| r.label()).into(),
                point_type: p.point_type.label().into(),
                series_variation: variation.into(),
                note: points[k].1.clone(),
            });
        }
        // The latest year as estimates, so each section has its figure.
        let last = PERIODS.len() - 1;
        if id == RATIO_ID {
            b.estimate(EstimateRow {
                indicator_id: id.into(),
                indicator: RATIO_NAME.into(),
                statistic: "ratio of two published rates".into(),
                area_code: ENGLAND.into(),
                area_name: "England".into(),
                period: PERIODS[last].into(),
                dimension: OVERALL.into(),
                group_code: RATIO_GROUP.into(),
                group: RATIO_GROUP.into(),
                value: points[last].0,
                method: "ratio of the published rates (no interval published)".into(),
                note: points[last].1.clone(),
                ..EstimateRow::default()
            });
        } else {
            b.estimate(EstimateRow {
                indicator_id: id.into(),
                indicator: name.into(),
                statistic: "rate (headline, as published)".into(),
                area_code: ENGLAND.into(),
                area_name: "England".into(),
                period: PERIODS[last].into(),
                dimension: ETHNICITY.into(),
                group_code: group.into(),
                group: group.into(),
                reference_group: group == "White",
                value: points[last].0,
                method: "as published (no interval published)".into(),
                note: points[last].1.clone(),
                ..EstimateRow::default()
            });
        }
    }
    comparisons(&mut b.data, id, ETHNICITY, PERIODS[PERIODS.len() - 1]);
}

/// Builds the demo profile from the shipped figures.
///
/// # Errors
/// [`DemoError::Data`] if a shipped file is malformed (a build defect, never user input).
pub fn profile() -> Result<ProfileData, DemoError> {
    let england = rows("mha_2023_24_england.csv")?;
    let icb = rows("mha_2023_24_icb_subicb.csv")?;
    let headlines = rows("mha_headlines_2015_2025.csv")?;
    let period = "2023-24";
    let mut b = Builder {
        data: ProfileData {
            meta: meta()?,
            ..ProfileData::default()
        },
        levels: vec![level95()],
    };
    let eng = (ENGLAND, "England");

    // Standardised rates by ethnic group: published values and intervals.
    for (id, source, name) in [
        (
            "detentions_std",
            "mha_detentions",
            "Detentions under the Mental Health Act: age-sex standardised rate",
        ),
        (
            "cto_std",
            "mha_cto_uses",
            "Community treatment orders: age-sex standardised rate",
        ),
        (
            "s136_std",
            "mha_s136_uses",
            "Section 136 (place of safety) uses: age-sex standardised rate",
        ),
    ] {
        for (dim_source, dim) in [
            ("ethnicity_broad", ETHNICITY),
            ("ethnicity_detailed", ETHNICITY_DETAILED),
        ] {
            for r in england.iter().filter(|r| {
                r.indicator == source
                    && r.dimension == dim_source
                    && r.value_type == "age_sex_standardised_rate"
            }) {
                let reference = r.group == "White" || r.group == "British";
                // NHS England's 16 categories name White British and Irish without "White".
                let label = match r.group.as_str() {
                    "British" => "White British".to_string(),
                    "Irish" => "White Irish".to_string(),
                    g => g.to_string(),
                };
                b.estimate(EstimateRow {
                    indicator_id: id.into(),
                    indicator: name.into(),
                    statistic: "age-sex standardised rate".into(),
                    area_code: ENGLAND.into(),
                    area_name: "England".into(),
                    period: period.into(),
                    dimension: dim.into(),
                    group_code: r.group.clone(),
                    group: label,
                    reference_group: reference,
                    numerator: r.numerator,
                    denominator: None,
                    value: r.value,
                    lower: r.lower,
                    upper: r.upper,
                    method: "as published: direct standardisation to England's Census 2021 population (6 age bands × 2 sexes); 95% limits = value ∓ published half-width".into(),
                    comparator: String::new(),
                    compared_to_comparator: String::new(),
                    suppressed: false,
                    note: ethnic_group_note(&r.group, dim_source, &r.notes),
                });
            }
            comparisons(&mut b.data, id, dim, period);
        }
        // Denominators for the inequality weights: the implied crude denominators.
        let crude: Vec<(String, f64)> = england
            .iter()
            .filter(|r| {
                r.indicator == source
                    && r.dimension == "ethnicity_broad"
                    && r.value_type == "crude_rate"
            })
            .filter_map(|r| Some((r.group.clone(), r.denominator_implied?)))
            .collect();
        for e in b
            .data
            .estimates
            .iter_mut()
            .filter(|e| e.indicator_id == id && e.dimension == ETHNICITY)
        {
            if let Some((_, n)) = crude.iter().find(|(g, _)| *g == e.group) {
                e.denominator = Some(*n);
                e.note = [
                    e.note.as_str(),
                    "denominator implied from the published crude rate",
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("; ");
            }
        }
        inequality_measures(&mut b.data, id, ETHNICITY, period, false);
    }

    // Crude detention rates: overall, ethnic group, deprivation, age, sex.
    let id = (
        "detentions",
        "Detentions under the Mental Health Act: crude rate",
    );
    let icb_total = icb
        .iter()
        .find(|r| r.code == "All prov" && r.dimension == "total")
        .ok_or_else(|| DemoError::Data("no All providers row".into()))?;
    b.crude(id, eng, period, OVERALL, ("All", "All people"), false, icb_total, "MHSDS detentions (the 2,021 from acute trusts via ECDS have no demographics and are left out)");
    for r in england.iter().filter(|r| {
        r.indicator == "mha_detentions"
            && r.dimension == "ethnicity_broad"
            && matches!(r.value_type.as_str(), "crude_rate" | "count_only")
            && r.group != "All"
            && r.group != "Not Known"
            && r.group != "Not Stated"
    }) {
        b.crude(
            id,
            eng,
            period,
            ETHNICITY,
            (&r.group, &r.group),
            r.group == "White",
            r,
            "",
        );
    }
    let mut imd: Vec<(u32, &Row)> = england
        .iter()
        .filter(|r| r.indicator == "mha_detentions" && r.dimension == "imd_decile")
        .filter_map(|r| Some((imd_decile(&r.group)?, r)))
        .collect();
    imd.sort_by_key(|(d, _)| *d);
    for (d, r) in &imd {
        let label = levelfield_model::deprivation::decile_label(*d as u8);
        b.crude(id, eng, period, IMD, (&r.group, &label), *d == 10, r, "");
    }
    for r in england.iter().filter(|r| {
        r.indicator == "mha_detentions"
            && r.dimension == "age_band"
            && r.value_type == "crude_rate"
            && r.group != "All"
    }) {
        b.crude(id, eng, period, AGE, (&r.group, &r.group), false, r, "");
    }
    for r in england.iter().filter(|r| {
        r.indicator == "mha_detentions"
            && r.dimension == "sex"
            && r.value_type == "crude_rate"
            && r.group != "All genders"
    }) {
        b.crude(
            id,
            eng,
            period,
            SEX,
            (&r.group, &r.group),
            r.group == "Female",
            r,
            "",
        );
    }
    comparisons(&mut b.data, id.0, ETHNICITY, period);
    comparisons(&mut b.data, id.0, IMD, period);
    comparisons(&mut b.data, id.0, SEX, period);
    inequality_measures(&mut b.data, id.0, IMD, period, true);
    inequality_measures(&mut b.data, id.0, ETHNICITY, period, false);

    // ICBs: overall and by ethnic group (counts rounded to 5), benchmarked against England.
    let icb_rows: Vec<&Row> = icb
        .iter()
        .filter(|r| {
            r.source_table.ends_with("CSV 2023-24, ICB rows")
                && r.code != "All prov"
                && r.code != "UNKNOWN"
        })
        .collect();
    for r in icb_rows {
        let name = tidy_name(&r.geography);
        let (dim, group) = if r.dimension == "total" {
            (OVERALL, ("All", "All people"))
        } else {
            (ETHNICITY, (r.group.as_str(), r.group.as_str()))
        };
        if r.group == "Unknown" {
            continue;
        }
        b.crude(
            id,
            (&r.code, &name),
            period,
            dim,
            group,
            group.0 == "White",
            r,
            "",
        );
    }
    // Benchmarks: each ICB's interval against England's value of the same group.
    let england_values: Vec<(String, String, f64)> = b
        .data
        .estimates
        .iter()
        .filter(|e| e.indicator_id == id.0 && e.area_code == ENGLAND)
        .filter_map(|e| Some((e.dimension.clone(), e.group.clone(), e.value?)))
        .collect();
    for e in b
        .data
        .estimates
        .iter_mut()
        .filter(|e| e.indicator_id == id.0 && e.area_code != ENGLAND)
    {
        let c = england_values
            .iter()
            .find(|(d, g, _)| *d == e.dimension && *g == e.group)
            .map(|x| x.2);
        // Higher detention rates are not simply worse (they may reflect need), so no polarity:
        // Fingertips' "Higher"/"Lower" labels, as for its own Mental Health Act indicators.
        let interval = e
            .lower
            .zip(e.upper)
            .map(|(lower, upper)| Interval { lower, upper });
        let label = benchmark(e.value, interval, c, None, None);
        e.compared_to_comparator = if c.is_none() {
            Benchmark::NotCompared
        } else {
            label
        }
        .label()
        .into();
    }

    determinants(&mut b.data, id.0, period);
    trends(&mut b, &headlines, &england);
    quality(&mut b.data, &england);
    Ok(b.data)
}

fn quality(data: &mut ProfileData, england: &[Row]) {
    let count = |dim: &str, group: &str| -> f64 {
        england
            .iter()
            .find(|r| r.indicator == "mha_detentions" && r.dimension == dim && r.group == group)
            .and_then(|r| r.numerator)
            .unwrap_or(f64::NAN)
    };
    // Detentions recorded in MHSDS (the rows with demographics), and all detentions
    // (MHSDS and ECDS), as published.
    let records = count("imd_decile", "All");
    let all = count("total", "All");
    let known = count("ethnicity_broad", "All");
    let not_stated = count("ethnicity_broad", "Not Stated");
    let not_known = count("ethnicity_broad", "Not Known");
    data.quality.push(QualityRow {
        area_code: ENGLAND.into(),
        period: "2023-24".into(),
        field: "ethnicity (detentions, MHSDS)".into(),
        records: Some(records),
        recorded: Some(known),
        not_stated: Some(not_stated),
        not_known: Some(not_known),
        unrecognised: Some(records - known - not_stated - not_known),
        percent_recorded: Some(known / records * 100.0),
    });
    let no_decile = count("imd_decile", "Not stated/Not known/Invalid");
    data.quality.push(QualityRow {
        area_code: ENGLAND.into(),
        period: "2023-24".into(),
        field: "IMD decile of residence (detentions, MHSDS)".into(),
        records: Some(records),
        recorded: Some(records - no_decile),
        not_stated: None,
        not_known: Some(no_decile),
        unrecognised: None,
        percent_recorded: Some((records - no_decile) / records * 100.0),
    });
    let male_female = count("sex", "Male") + count("sex", "Female");
    let missing = count("sex", "Missing");
    let stated_no = count("sex", "Not stated");
    data.quality.push(QualityRow {
        area_code: ENGLAND.into(),
        period: "2023-24".into(),
        field: "sex, male or female (detentions, MHSDS)".into(),
        records: Some(records),
        recorded: Some(male_female),
        not_stated: Some(stated_no),
        not_known: Some(missing),
        unrecognised: Some(records - male_female - stated_no - missing),
        percent_recorded: Some(male_female / records * 100.0),
    });
    data.quality.push(QualityRow {
        area_code: ENGLAND.into(),
        period: "2023-24".into(),
        field: "any demographics (all detentions, MHSDS and ECDS)".into(),
        records: Some(all),
        recorded: Some(records),
        not_stated: None,
        not_known: Some(all - records),
        unrecognised: None,
        percent_recorded: Some(records / all * 100.0),
    });
}

fn meta() -> Result<Meta, DemoError> {
    let used = [
        "S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08b", "S09", "S14", "S15",
    ];
    let sources = sources()?
        .into_iter()
        .filter(|s| used.contains(&s.id.as_str()))
        .collect();
    let indicator = |id: &str, name: &str, definition: &str| IndicatorMeta {
        id: id.into(),
        name: name.into(),
        unit: UNIT.into(),
        per: "year".into(),
        polarity: levelfield_report::meta::IndicatorPolarity::Adverse,
        definition: definition.into(),
    };
    Ok(Meta {
        title: "Mental Health Act detentions in England: an equality profile".into(),
        subtitle: "NHS England's published Mental Health Act Statistics for 2023-24, and the headline rates since 2016-17, re-analysed with levelfield".into(),
        comparator_code: ENGLAND.into(),
        comparator_name: "England".into(),
        area_type: "Integrated care board".into(),
        focus_area: Some(FOCUS_ICB.into()),
        disclosure: "These are published figures: NHS England applied its own disclosure control before publication (sub-national counts rounded to the nearest 5, small numbers suppressed). levelfield withholds nothing further here; rows NHS England suppressed are shown as suppressed, and intervals built on rounded counts say so in their notes.".into(),
        indicators: vec![
            indicator("detentions_std", "Detentions under the Mental Health Act: age-sex standardised rate", "Detentions per 100,000 people in each ethnic group, 2023-24, directly standardised by NHS England to England's Census 2021 population over 6 age bands and 2 sexes, so groups with younger age profiles compare fairly. Values and 95% limits as published."),
            indicator("detentions", "Detentions under the Mental Health Act: crude rate", "Detentions recorded in the Mental Health Services Data Set per 100,000 people, 2023-24: England by ethnic group, deprivation decile of residence, age and sex, and each integrated care board. Recomputed from published counts with exact Poisson (Byar) 95% limits."),
            indicator("cto_std", "Community treatment orders: age-sex standardised rate", "Uses of community treatment orders per 100,000 people in each ethnic group, 2023-24, standardised as for detentions."),
            indicator("s136_std", "Section 136 (place of safety) uses: age-sex standardised rate", "Uses of section 136 per 100,000 people in each ethnic group, 2023-24, standardised as for detentions."),
            indicator("detentions_headline", "Detentions under the Mental Health Act: headline rates by year", "The detention rates of Black or Black British and White people as published each year since 2016-17 (standardised rates from NHS England's chapters where published; 2022-23 as GOV.UK's whole numbers)."),
            IndicatorMeta {
                id: RATIO_ID.into(),
                name: RATIO_NAME.into(),
                unit: "times the White rate".into(),
                per: String::new(),
                polarity: levelfield_report::meta::IndicatorPolarity::Adverse,
                definition: "The Black or Black British detention rate divided by the White rate, each year since 2016-17: the headline measure of the disparity.".into(),
            },
        ],
        methods: vec![
            "Crude rates are recomputed from each published count and the population implied by the published rate (count ÷ rate × 100,000); every recomputed rate rounds to the published one. Their 95% limits are exact Poisson limits (Byar's approximation from 389 events), as PHEindicatormethods computes them.".into(),
            "Age-sex standardised rates are NHS England's: direct standardisation to England's Census 2021 population (6 age bands × 2 sexes), with the published 95% half-widths. Ratios of two standardised rates take their standard errors from those half-widths and build the interval on the log scale (delta method); ratios of crude rates use the exact conditional (binomial) interval.".into(),
            "Inequality measures follow WHO HEAT's definitions: difference and ratio between the extreme groups, population attributable risk and fraction, between-group variance, Theil index and mean log deviation for ethnic groups; for deprivation deciles the slope and relative indices of inequality, by weighted least squares on the population-midpoint ranks (1 = most deprived), as PHEindicatormethods' phe_sii, with exact standard errors.".into(),
            "Trends are XmR statistical process control charts (NHS England's Making Data Count rules) on the published headline rates. The chart is rebased at 2022-23, when denominators moved to Census 2021; with so few points the limits are trial limits. The missing 2017-18 figures are kept as a gap, not closed up.".into(),
            "The funnel plot shows each integrated care board's crude detention rate against the pooled average, with exact Poisson 95% and 99.8% limits. The spine chart places NHS North East London ICB among all ICBs; an ICB is Higher or Lower when its 95% interval excludes England's value.".into(),
        ],
        caveats: vec![
            "Rates are undercounts: not every provider submitted data, and the 2,021 detentions reported by acute trusts through the Emergency Care Data Set (of 52,458 in all) carry no demographics. Of the 50,437 recorded in the Mental Health Services Data Set, 45,525 (90.3%) have a valid ethnic group, 3,726 are not stated or not known, and 1,186 are not accounted for in the ethnicity table.".into(),
            "The series breaks twice: in 2016-17 the source moved from KP90 returns to MHSDS (63,622 detentions in 2015-16 against 45,864 in 2016-17, not comparable), and in 2022-23 denominators moved from 2011-based estimates to Census 2021, which lowered rates. A cyber incident affected data from August 2022 to March 2023. The trend shows these breaks and its limits are rebased at 2022-23.".into(),
            "NHS England's grouping differs from the ONS's: Chinese and Arab people are counted in Other Ethnic Groups, and 'Other' codes are thought to be over-used as a default, so Other rates (e.g. Any Other Black background, standardised 740.6) may be over-estimated.".into(),
            "Denominators differ by breakdown: Census 2021 for ethnicity, ONS mid-2023 estimates for age and sex, and mid-2022 LSOA estimates joined to IMD 2019 for deprivation — about 3.3 million people (5.8%) have no decile, so every decile's denominator is understated.".into(),
            "The 2023-24 figures come from a copy of NHS England's CSV in which two deprivation rows were mislabelled; they are placed as deciles 10 (least deprived, 2,292 detentions) and 9 (2,637) by their order and NHS England's coding, and are marked UNCERTAIN. The most-to-least deprived ratio (3.49) agrees with Mind's independent report of 3.5.".into(),
            "Integrated care board counts are rounded to the nearest 5 by NHS England, so their rates and intervals carry rounding error; England's counts are exact. Headline rates for 2016-17, 2019-20, 2020-21 and 2024-25 are taken from press and charity reports of NHS figures (marked secondary in the trend's notes); 2022-23's are GOV.UK's whole numbers.".into(),
            "Standardisation matters for young groups: the Mixed group's crude rate is 115.9 but its standardised rate 177.1. Both are reported; comparisons between ethnic groups should use the standardised rates.".into(),
        ],
        sources,
        attribution: vec![
            OGL_ATTRIBUTION.into(),
            "Source: NHS England, Mental Health Act Statistics, Annual Figures; GOV.UK Ethnicity facts and figures. Figures from press and charity reports are used for their numbers only, with attribution.".into(),
        ],
    })
}

/// The headline findings printed by `levelfield demo`, computed from the profile's tables.
pub fn headlines(data: &ProfileData) -> Vec<String> {
    let mut out = Vec::new();
    let ratio = |id: &str, dim: &str, group: &str| {
        data.comparisons.iter().find(|c| {
            c.indicator_id == id && c.dimension == dim && c.group == group && c.area_code == ENGLAND
        })
    };
    let value = |id: &str, dim: &str, group: &str| {
        data.estimates.iter().find(|e| {
            e.indicator_id == id && e.dimension == dim && e.group == group && e.area_code == ENGLAND
        })
    };
    let f1 = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.1}"));
    let f2 = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.2}"));
    // The first finding is the report's page-one finding, by the report's rule, so the two
    // never disagree; the demo adds whether the two rates' intervals overlap.
    if let (Some(finding), Some(c)) = (
        levelfield_report::board::finding_sentence(data),
        levelfield_report::board::headline(data).and_then(|h| h.gap),
    ) {
        let rate = |group: &str| {
            data.estimates.iter().find(|e| {
                e.indicator_id == c.indicator_id
                    && e.dimension == c.dimension
                    && e.period == c.period
                    && e.group == group
                    && e.area_code == ENGLAND
            })
        };
        let overlap = match (rate(&c.group), rate(&c.reference_group)) {
            (Some(a), Some(b)) => {
                let apart = a.lower.zip(b.upper).is_some_and(|(l, u)| l > u)
                    || b.lower.zip(a.upper).is_some_and(|(l, u)| l > u);
                format!(
                    " The two rates ({} against {} per 100,000) have 95% intervals that {}.",
                    f1(a.value),
                    f1(b.value),
                    if apart { "do not overlap" } else { "overlap" }
                )
            }
            _ => String::new(),
        };
        out.push(format!("{finding}{overlap}"));
    }
    if let (Some(c), Some(b), Some(w)) = (
        ratio("cto_std", ETHNICITY, "Black or Black British"),
        value("cto_std", ETHNICITY, "Black or Black British"),
        value("cto_std", ETHNICITY, "White"),
    ) {
        out.push(format!(
            "Community treatment orders: {} times the White rate ({} against {} per 100,000; 95% CI of the ratio {} to {}).",
            f2(c.ratio),
            f1(b.value),
            f1(w.value),
            f2(c.ratio_lower),
            f2(c.ratio_upper)
        ));
    }
    if let (Some(c), Some(m), Some(l)) = (
        ratio("detentions", IMD, "Decile 1 (most deprived)"),
        value("detentions", IMD, "Decile 1 (most deprived)"),
        value("detentions", IMD, "Decile 10 (least deprived)"),
    ) {
        out.push(format!(
            "People in the most deprived decile were detained at {} times the rate of those in the least deprived ({} against {} per 100,000; 95% CI {} to {}).",
            f2(c.ratio),
            f1(m.value),
            f1(l.value),
            f2(c.ratio_lower),
            f2(c.ratio_upper)
        ));
    }
    let ratio_series: Vec<&TrendRow> = data
        .trends
        .iter()
        .filter(|t| t.indicator_id == RATIO_ID && t.value.is_some())
        .collect();
    if let (Some(first), Some(last)) = (ratio_series.first(), ratio_series.last()) {
        let special = ratio_series
            .iter()
            .filter(|t| t.point_type.starts_with("special"))
            .count();
        let peak = ratio_series
            .iter()
            .max_by(|a, b| a.value.unwrap_or(0.0).total_cmp(&b.value.unwrap_or(0.0)));
        out.push(format!(
            "Since {}: the Black:White detention rate ratio went from {} to {} in {}, peaking at {} in {}; the series breaks in 2022-23 (Census 2021 denominators); {}.",
            first.period,
            f2(first.value),
            f2(last.value),
            last.period,
            f2(peak.and_then(|p| p.value)),
            peak.map_or("", |p| p.period.as_str()),
            if special == 0 {
                "no year is a special cause on the SPC chart (trial limits)".to_string()
            } else {
                format!("{special} year(s) are special causes on the SPC chart")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests;
