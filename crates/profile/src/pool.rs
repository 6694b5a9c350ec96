//! Pooling periods (a spec's `[periods] pool`): months and quarters summed into financial or
//! calendar years before anything is estimated, so that a small group's counts reach a size
//! that disclosure control lets through, each pooled row saying what it pools.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use levelfield_model::period::{Length, start};

use crate::{
    ProfileError,
    spec::Pool,
    strata::{KeyColumn, Population, PopulationRow, Role, Strata},
};

/// The periods a profile pooled: each pooled label with the labels it sums, in order, and how
/// many periods of that length a whole pooled period holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pooled {
    /// Pooled label → (the labels in it, periods a whole one holds).
    pub parts: BTreeMap<String, (Vec<String>, usize)>,
}

impl Pooled {
    /// The note of a row in a pooled period: `pooled: 2024-25 Q1 to 2024-25 Q4 (4 quarters)`,
    /// or `… (3 of 4 quarters)` when the data hold only some of its periods.
    pub fn note(&self, period: &str) -> Option<String> {
        let (parts, whole) = self.parts.get(period)?;
        let (first, last) = (parts.first()?, parts.last()?);
        if parts.len() == 1 && first == period {
            return None;
        }
        let word = Length::of(first).map_or("periods", |l| match l {
            Length::Month => "months",
            Length::Quarter => "quarters",
            Length::Year => "years",
        });
        let count = if parts.len() == *whole {
            format!("{whole} {word}")
        } else {
            format!("{} of {whole} {word}", parts.len())
        };
        Some(if first == last {
            format!("pooled: {first} ({count})")
        } else {
            format!("pooled: {first} to {last} ({count})")
        })
    }
}

/// The pooled period a label falls in, and the share of a year the label covers.
///
/// # Method
/// The label's start date ([`levelfield_model::period::start`]) and length
/// ([`Length::of`]) place it: under `financial-year` in the year from April
/// (`2024-06`, `2024-25 Q1` and `2025 Q1` are all in `2024-25`); under `calendar-year` in its
/// calendar year (`2024-25 Q4` is in `2025`). A label must lie wholly inside one pooled period.
///
/// # Errors
/// A sentence naming the label and what pooling needs, for a label that is not a month,
/// quarter or year, or that straddles two pooled periods (a calendar year under
/// `financial-year`, a financial year under `calendar-year`).
pub fn pooled_label(pool: Pool, label: &str) -> Result<(String, f64), String> {
    let (length, (y, m, _)) = match (Length::of(label), start(label)) {
        (Some(l), Some(s)) => (l, s),
        _ => {
            return Err(format!(
                "period `{label}` is not a month (2024-06), quarter (2024-25 Q1, 2024 Q1) or year (2024-25, 2024): [periods] pool needs labels it can place in time"
            ));
        }
    };
    let months = length.months();
    let share = f64::from(months) / 12.0;
    match pool {
        Pool::None => Ok((label.to_string(), 1.0)),
        Pool::FinancialYear => {
            let fy = if m >= 4 { y } else { y - 1 };
            // The label's last month must fall in the same financial year.
            let end = (y * 12 + m - 1) + months - 1;
            let end_fy = if end % 12 + 1 >= 4 {
                end / 12
            } else {
                end / 12 - 1
            };
            if end_fy != fy {
                return Err(format!(
                    "period `{label}` runs across two financial years: pool = \"financial-year\" needs months, quarters or financial years (2024-25)"
                ));
            }
            Ok((format!("{fy}-{:02}", (fy + 1) % 100), share))
        }
        Pool::CalendarYear => {
            if m + months - 1 > 12 {
                return Err(format!(
                    "period `{label}` runs across two calendar years: pool = \"calendar-year\" needs months, quarters or calendar years (2024)"
                ));
            }
            Ok((y.to_string(), share))
        }
    }
}

/// Strata with their periods pooled: each period's label replaced by its pooled label and the
/// strata that then share every key summed. Returns the strata and what each pooled period
/// holds.
///
/// # Errors
/// [`ProfileError::Data`] naming the first label that cannot be pooled (see [`pooled_label`]).
pub fn pool_strata(
    pool: Pool,
    strata: &Strata,
    file: &str,
) -> Result<(Strata, Pooled), ProfileError> {
    let Some(p) = strata.keys.iter().position(|(r, _)| *r == Role::Period) else {
        return Ok((strata.clone(), Pooled::default()));
    };
    let old = &strata.keys[p].1;
    let mut dictionary: Vec<Option<String>> = Vec::new();
    let mut map: Vec<u32> = Vec::with_capacity(old.dictionary.len());
    let mut parts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut whole: HashMap<String, usize> = HashMap::new();
    for label in &old.dictionary {
        let pooled = match label {
            Some(l) => {
                let (to, share) = pooled_label(pool, l)
                    .map_err(|m| ProfileError::Data(format!("{file}: {m}")))?;
                parts.entry(to.clone()).or_default().insert(l.clone());
                whole.insert(to.clone(), (1.0 / share).round() as usize);
                Some(to)
            }
            None => None,
        };
        let code = dictionary
            .iter()
            .position(|d| *d == pooled)
            .unwrap_or_else(|| {
                dictionary.push(pooled);
                dictionary.len() - 1
            });
        map.push(code as u32);
    }
    // Rows that now share every key are one stratum, their measures summed.
    let n = strata.len();
    let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut keys: Vec<(Role, KeyColumn)> = strata
        .keys
        .iter()
        .enumerate()
        .map(|(k, (r, c))| {
            (
                *r,
                KeyColumn {
                    dictionary: if k == p {
                        dictionary.clone()
                    } else {
                        c.dictionary.clone()
                    },
                    codes: Vec::new(),
                },
            )
        })
        .collect();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); strata.values.len()];
    for row in 0..n {
        let key: Vec<u32> = strata
            .keys
            .iter()
            .enumerate()
            .map(|(k, (_, c))| {
                let code = c.codes[row];
                if k == p { map[code as usize] } else { code }
            })
            .collect();
        match index.get(&key) {
            Some(&at) => {
                for (m, v) in values.iter_mut().zip(&strata.values) {
                    m[at] += v[row];
                }
            }
            None => {
                index.insert(key.clone(), values.first().map_or(index.len(), Vec::len));
                for ((_, col), code) in keys.iter_mut().zip(&key) {
                    col.codes.push(*code);
                }
                for (m, v) in values.iter_mut().zip(&strata.values) {
                    m.push(v[row]);
                }
            }
        }
    }
    let pooled = Pooled {
        parts: parts
            .into_iter()
            .map(|(to, from)| {
                let w = whole.get(&to).copied().unwrap_or(1);
                (to, (from.into_iter().collect(), w))
            })
            .collect(),
    };
    Ok((Strata { keys, values }, pooled))
}

/// A population with its periods pooled: each row's population weighted by the share of a
/// year its period covers (so four quarters of the same population make one year of it:
/// person-years), and rows that then share every key summed.
///
/// A population given by quarter or month must cover every period the events of its pooled
/// period have (`pooled`, from [`pool_strata`]): a quarter of events without its population
/// would give the year a rate over too few person-years.
///
/// # Errors
/// [`ProfileError::Data`] naming the file and row of a period that cannot be pooled, or the
/// pooled period and the periods whose population is missing.
pub fn pool_population(
    pool: Pool,
    population: &Population,
    pooled: &Pooled,
) -> Result<Population, ProfileError> {
    let mut covered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &population.rows {
        if let Ok((to, _)) = pooled_label(pool, &r.period) {
            covered.entry(to).or_default().insert(r.period.clone());
        }
    }
    for (to, (parts, _)) in &pooled.parts {
        let Some(have) = covered.get(to) else {
            continue;
        };
        // A population given for the pooled period itself covers all of it.
        if have.contains(to) {
            continue;
        }
        let missing: Vec<&str> = parts
            .iter()
            .filter(|p| !have.contains(*p))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(ProfileError::Data(format!(
                "{}: pooling into {to}, the events have {} but the population has no rows for it; add its population (or give the population for {to} itself)",
                population.file,
                missing.join(", ")
            )));
        }
    }
    type Key = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut rows: Vec<PopulationRow> = Vec::new();
    for r in &population.rows {
        let (period, share) = pooled_label(pool, &r.period)
            .map_err(|m| ProfileError::Data(format!("{}: row {}: {m}", population.file, r.row)))?;
        let key: Key = (
            period.clone(),
            r.area.clone(),
            r.ethnicity.clone(),
            r.age_band.clone(),
            r.sex.clone(),
            r.imd.clone(),
        );
        match index.get(&key) {
            Some(&at) => rows[at].population += r.population * share,
            None => {
                index.insert(key, rows.len());
                rows.push(PopulationRow {
                    period,
                    population: r.population * share,
                    ..r.clone()
                });
            }
        }
    }
    Ok(Population {
        file: population.file.clone(),
        rows,
        roles: population.roles.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fall_in_their_pooled_year() {
        let fy = |l: &str| pooled_label(Pool::FinancialYear, l).map(|(p, _)| p);
        assert_eq!(fy("2024-25 Q1").unwrap(), "2024-25");
        assert_eq!(fy("2024-25 Q4").unwrap(), "2024-25");
        assert_eq!(fy("2024-04").unwrap(), "2024-25");
        assert_eq!(fy("2025-03").unwrap(), "2024-25");
        assert_eq!(fy("2025 Q1").unwrap(), "2024-25");
        assert_eq!(fy("2025 Q2").unwrap(), "2025-26");
        assert_eq!(fy("2024-25").unwrap(), "2024-25");
        assert!(fy("2024").unwrap_err().contains("two financial years"));
        assert!(fy("Baseline").unwrap_err().contains("Baseline"));
        let cy = |l: &str| pooled_label(Pool::CalendarYear, l).map(|(p, _)| p);
        assert_eq!(cy("2024-25 Q4").unwrap(), "2025");
        assert_eq!(cy("2024-25 Q1").unwrap(), "2024");
        assert_eq!(cy("2024-12").unwrap(), "2024");
        assert!(cy("2024-25").unwrap_err().contains("two calendar years"));
        assert_eq!(
            pooled_label(Pool::FinancialYear, "2024-25 Q2").unwrap().1,
            0.25
        );
    }

    #[test]
    fn strata_sum_into_their_year_and_population_into_person_years() {
        let roles = [Role::Period, Role::Ethnicity];
        let rows = vec![
            (vec![Some("2024-25 Q1"), Some("A")], vec![1.0, 10.0]),
            (vec![Some("2024-25 Q2"), Some("A")], vec![2.0, 20.0]),
            (vec![Some("2024-25 Q3"), Some("H")], vec![3.0, 30.0]),
            (vec![Some("2025-26 Q1"), Some("A")], vec![4.0, 40.0]),
            (vec![None, Some("A")], vec![5.0, 50.0]),
        ];
        let s = Strata::from_rows(&roles, &rows);
        let (pooled, parts) = pool_strata(Pool::FinancialYear, &s, "events.csv").unwrap();
        let mut seen: Vec<(Option<String>, Option<String>, f64, f64)> = (0..pooled.len())
            .map(|r| {
                (
                    pooled.keys[0].1.value(r).map(String::from),
                    pooled.keys[1].1.value(r).map(String::from),
                    pooled.values[0][r],
                    pooled.values[1][r],
                )
            })
            .collect();
        seen.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            seen,
            vec![
                (None, s("A"), 5.0, 50.0),
                (s("2024-25"), s("A"), 3.0, 30.0),
                (s("2024-25"), s("H"), 3.0, 30.0),
                (s("2025-26"), s("A"), 4.0, 40.0),
            ]
        );
        // Every measure's total is kept.
        let total = |st: &Strata, m: usize| st.values[m].iter().sum::<f64>();
        assert_eq!(total(&pooled, 0), 15.0);
        assert_eq!(
            parts.note("2024-25").unwrap(),
            "pooled: 2024-25 Q1 to 2024-25 Q3 (3 of 4 quarters)"
        );
        assert_eq!(
            parts.note("2025-26").unwrap(),
            "pooled: 2025-26 Q1 (1 of 4 quarters)"
        );
        let population = Population {
            file: "population.csv".into(),
            rows: ["2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4"]
                .iter()
                .enumerate()
                .map(|(k, p)| PopulationRow {
                    period: (*p).into(),
                    area: "E1".into(),
                    population: 1000.0,
                    row: k + 1,
                    ..PopulationRow::default()
                })
                .collect(),
            roles: vec![Role::Period, Role::Area],
        };
        let quarters = Pooled::default();
        let pooled = pool_population(Pool::FinancialYear, &population, &quarters).unwrap();
        assert_eq!(pooled.rows.len(), 1);
        assert_eq!(pooled.rows[0].period, "2024-25");
        assert!((pooled.rows[0].population - 1000.0).abs() < 1e-9);
        assert_eq!(pooled.rows[0].row, 1);
        let bad = Population {
            rows: vec![PopulationRow {
                period: "2024".into(),
                row: 7,
                ..PopulationRow::default()
            }],
            ..population
        };
        let e = pool_population(Pool::FinancialYear, &bad, &quarters)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("population.csv: row 7") && e.contains("`2024`"),
            "{e}"
        );
    }

    #[test]
    fn events_of_a_quarter_without_its_population_are_refused() {
        let roles = [Role::Period];
        let labels = ["2024-25 Q1", "2024-25 Q2", "2024-25 Q3"];
        let rows: Vec<(Vec<Option<&str>>, Vec<f64>)> =
            labels.iter().map(|l| (vec![Some(*l)], vec![1.0])).collect();
        let (_, parts) = pool_strata(
            Pool::FinancialYear,
            &Strata::from_rows(&roles, &rows),
            "e.csv",
        )
        .unwrap();
        let population = |periods: &[&str]| Population {
            file: "population.csv".into(),
            rows: periods
                .iter()
                .enumerate()
                .map(|(k, p)| PopulationRow {
                    period: (*p).into(),
                    population: 100.0,
                    row: k + 1,
                    ..PopulationRow::default()
                })
                .collect(),
            roles: vec![Role::Period],
        };
        let e = pool_population(Pool::FinancialYear, &population(&labels[..2]), &parts)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("pooling into 2024-25, the events have 2024-25 Q3 but the population has no rows for it"),
            "{e}"
        );
        // The whole year's population, or every quarter of the events, is enough.
        assert!(pool_population(Pool::FinancialYear, &population(&["2024-25"]), &parts).is_ok());
        assert!(pool_population(Pool::FinancialYear, &population(&labels), &parts).is_ok());
    }
}
