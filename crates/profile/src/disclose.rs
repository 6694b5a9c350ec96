//! Disclosure control of a computed profile: the spec's rule applied to every published count
//! (primary suppression and rounding), secondary suppression across areas and groups so that no
//! hidden count can be recovered from the others and the totals, and values, intervals and
//! benchmarks withheld wherever their count is hidden.

use std::collections::{BTreeMap, HashMap, HashSet};

use levelfield_stats::{
    Estimate,
    disclosure::{Published, Rule, apply},
};

use crate::{
    ProfileError,
    compute::{ALL_AREAS, Profile},
    spec::{Spec, Statistic},
};

/// Applies the spec's disclosure rule to a profile's estimates and data quality, and records the
/// rule. Returns the number of hidden counts.
///
/// # Method
/// For each indicator, period and dimension, and each published count (numerators; event-based
/// denominators of proportions), the counts of the real areas × the dimension's groups form a
/// table whose margins are the areas' overall rows and the all-areas rows.
/// [`levelfield_stats::disclosure::apply`] hides and rounds the cells and adds secondary
/// suppression until its audit pins no hidden cell; margins it marks as withheld are hidden too.
/// The overall rows form one more table (areas, with the all-areas total as its margin). Margins
/// themselves are hidden or rounded by the rule. A row whose numerator or denominator is hidden
/// publishes no value, interval, comparison or benchmark.
///
/// # Edge cases
/// Values are computed from the unrounded counts (as NHS England's publications do); a value
/// whose count is hidden is withheld. Populations are published statistics and are not
/// suppressed. Relations between different indicators (a numerator of one that is the
/// denominator of another) are not audited.
///
/// # Errors
/// [`ProfileError::Spec`] for a custom rule without a threshold.
pub fn protect(spec: &Spec, profile: &mut Profile) -> Result<usize, ProfileError> {
    let Some((rule, label)) = spec.disclosure.rule()? else {
        profile.rule = "none: counts are not protected (for internal use only)".into();
        return Ok(0);
    };
    profile.rule = label;
    let n_areas = profile.areas.len() as u32;
    let has_areas = profile.estimates.iter().any(|e| e.area != ALL_AREAS);
    let index: HashMap<(usize, usize, u32, usize, usize), usize> = profile
        .estimates
        .iter()
        .enumerate()
        .map(|(k, e)| ((e.indicator, e.period, e.area, e.dimension, e.group), k))
        .collect();
    // Published value (None: hidden) for each (row, count kind).
    let mut published: HashMap<(usize, bool), Option<f64>> = HashMap::new();
    let mut keys: BTreeMap<(usize, usize, usize), ()> = BTreeMap::new();
    for e in &profile.estimates {
        keys.insert((e.indicator, e.period, e.dimension), ());
    }
    for &(i, period, d) in keys.keys() {
        let proportion = spec.indicators[i].statistic == Statistic::Proportion;
        let n_groups = profile.groups[d].len();
        for denominator in [false, true] {
            if denominator && !proportion {
                continue;
            }
            let count = |k: usize| {
                let e = &profile.estimates[k];
                if denominator {
                    e.denominator
                } else {
                    e.numerator
                }
            };
            // Margins: the rule applies to them as to any count.
            let margin = |k: usize, published: &mut HashMap<(usize, bool), Option<f64>>| {
                if let Some(x) = count(k) {
                    published
                        .entry((k, denominator))
                        .or_insert(if rule.hides(x) {
                            None
                        } else {
                            Some(rule.publish(x))
                        });
                }
            };
            if d == 0 {
                // One table: the areas' overall counts, with the all-areas total as margin.
                let row: Vec<Option<usize>> = (0..n_areas)
                    .map(|a| index.get(&(i, period, a, 0, 0)).copied())
                    .collect();
                let all = index.get(&(i, period, ALL_AREAS, 0, 0)).copied();
                if let Some(k) = all {
                    margin(k, &mut published);
                }
                let cells = vec![row.iter().map(|k| k.and_then(count)).collect::<Vec<_>>()];
                let p = apply(&cells, &rule);
                record(&p.cells[0], &row, denominator, &mut published);
                if p.withheld_rows[0]
                    && let Some(k) = all
                {
                    published.insert((k, denominator), None);
                }
                continue;
            }
            let areas: Vec<u32> = if has_areas {
                (0..n_areas).collect()
            } else {
                vec![ALL_AREAS]
            };
            let rows: Vec<Vec<Option<usize>>> = areas
                .iter()
                .map(|&a| {
                    (0..n_groups)
                        .map(|g| index.get(&(i, period, a, d, g)).copied())
                        .collect()
                })
                .collect();
            let cells: Vec<Vec<Option<f64>>> = rows
                .iter()
                .map(|r| r.iter().map(|k| k.and_then(count)).collect())
                .collect();
            let p = apply(&cells, &rule);
            for (r, row) in rows.iter().enumerate() {
                record(&p.cells[r], row, denominator, &mut published);
            }
            if has_areas {
                for g in 0..n_groups {
                    if let Some(&k) = index.get(&(i, period, ALL_AREAS, d, g)) {
                        if p.withheld_columns.get(g).copied().unwrap_or(false) {
                            published.insert((k, denominator), None);
                        } else {
                            margin(k, &mut published);
                        }
                    }
                }
            }
            for (r, &a) in areas.iter().enumerate() {
                if p.withheld_rows[r]
                    && let Some(&k) = index.get(&(i, period, a, 0, 0))
                {
                    published.insert((k, denominator), None);
                }
            }
        }
    }
    // Withhold what the hidden counts would reveal.
    let mut hidden = 0;
    for (k, e) in profile.estimates.iter_mut().enumerate() {
        let num = published.get(&(k, false)).copied().unwrap_or(e.numerator);
        let den_is_count = spec.indicators[e.indicator].statistic == Statistic::Proportion;
        let den = if den_is_count {
            published.get(&(k, true)).copied().unwrap_or(e.denominator)
        } else {
            e.denominator
        };
        let num_hidden = e.numerator.is_some() && num.is_none();
        let den_hidden = den_is_count && e.denominator.is_some() && den.is_none();
        hidden += usize::from(num_hidden) + usize::from(den_hidden);
        e.published_numerator = num;
        e.published_denominator = den;
        if num_hidden || den_hidden {
            e.hidden = true;
            e.estimate = Estimate::withheld(
                e.estimate.intervals.len(),
                e.estimate.method,
                levelfield_stats::Note::MissingNumerator,
            );
            e.notes = vec![format!(
                "suppressed: {} hidden under the disclosure rule",
                if num_hidden {
                    "the count"
                } else {
                    "the denominator"
                }
            )];
            e.benchmark = None;
        }
    }
    // A benchmark against a hidden all-areas value would say something about it: withheld too.
    let hidden_comparators: HashSet<(usize, usize, usize, usize)> = profile
        .estimates
        .iter()
        .filter(|e| e.area == ALL_AREAS && e.hidden)
        .map(|e| (e.indicator, e.period, e.dimension, e.group))
        .collect();
    for e in &mut profile.estimates {
        if hidden_comparators.contains(&(e.indicator, e.period, e.dimension, e.group)) {
            e.benchmark = None;
        }
    }
    // Data quality: each row's counts with their total.
    for q in &mut profile.quality {
        let cells = vec![vec![
            Some(q.recorded),
            Some(q.not_stated),
            Some(q.not_known),
            Some(q.unrecognised),
        ]];
        let p = apply(&cells, &rule);
        let value = |c: &Option<Published>| match c {
            Some(Published::Value(v)) => *v,
            _ => f64::NAN,
        };
        let records = if rule.hides(q.records) || p.withheld_rows[0] {
            f64::NAN
        } else {
            rule.publish(q.records)
        };
        q.records_published = records;
        q.published = [
            value(&p.cells[0][0]),
            value(&p.cells[0][1]),
            value(&p.cells[0][2]),
            value(&p.cells[0][3]),
        ];
    }
    Ok(hidden)
}

fn record(
    cells: &[Option<Published>],
    row: &[Option<usize>],
    denominator: bool,
    published: &mut HashMap<(usize, bool), Option<f64>>,
) {
    for (c, k) in cells.iter().zip(row) {
        if let (Some(c), Some(k)) = (c, k) {
            published.insert(
                (*k, denominator),
                match c {
                    Published::Value(v) => Some(*v),
                    Published::Primary | Published::Secondary => None,
                },
            );
        }
    }
}

/// Whether a published count obeys a rule: not in the hidden range, and a multiple of the
/// rounding base.
pub fn obeys(rule: &Rule, count: f64) -> bool {
    !rule.hides(count) && (rule.round_to <= 0.0 || (count / rule.round_to).fract() == 0.0)
}
