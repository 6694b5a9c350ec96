//! Disclosure control of a computed profile: the spec's rule applied to every published count
//! (primary suppression and rounding) with secondary suppression, the attacker audit over all of
//! a period's counts together (with repair until it finds nothing), and every derived value
//! published so that it reveals no more than the published counts (see `docs/DISCLOSURE.md`).

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use levelfield_stats::{
    ConfidenceLevel, Estimate, Interval, Note,
    disclosure::{Rule, apply},
    dist::qt,
    poisson, proportion, rate,
};

mod audit;

use audit::{
    EXACT_BUDGET, EXACT_COMPONENT_BUDGET, EXACT_MAX, Exact, Outcome, State, System, first, states,
};

use crate::{
    ProfileError,
    compute::{ALL_AREAS, EstimateRow, Profile},
    spec::{Spec, Statistic},
};

/// A line of a table: the variable of each cell, if it has one.
type Line = Vec<Option<usize>>;

/// The variables of a period's cells by (family, area, dimension, group).
type Cells = HashMap<(usize, u32, usize, usize), usize>;

/// One line of `disclosure_audit`: what was checked, what was repaired, what is left.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRow {
    /// The check (`additive structure`, `value inversion`, …).
    pub check: String,
    /// What it covers (the counts of a period, a statistic's rows).
    pub scope: String,
    /// Items checked.
    pub checked: usize,
    /// Items repaired (counts hidden, values coarsened or withheld).
    pub repaired: usize,
    /// Items that still disclose after repair (a published profile has none).
    pub residual: usize,
    /// How, in words.
    pub detail: String,
}

/// Significant figures of published standardised rates and ratios.
const SIGNIFICANT: i32 = 3;

/// The count an indicator's numerator (`false`) or denominator (`true`) is: a numerator and a
/// denominator (of any indicators) with the same condition count the same people, and are
/// protected as one.
fn family_key(spec: &Spec, i: usize, denominator: bool) -> String {
    let ind = &spec.indicators[i];
    if denominator {
        return format!("count {}", ind.denominator.clone().unwrap_or_default());
    }
    match ind.statistic {
        Statistic::Mean => format!("values of {}", ind.value.clone().unwrap_or_default()),
        _ => format!("count {}", ind.numerator.clone().unwrap_or_default()),
    }
}

/// Applies the spec's disclosure rule to a profile's estimates and data quality, audits the
/// result as an attacker would and repairs it, and publishes every value from the published
/// counts. Returns the number of hidden counts.
///
/// # Method
/// 1. *Counts.* Indicators whose numerators (or denominators) have the same condition count
///    the same people and are protected as one family. For each family, period and dimension,
///    the counts of the areas × the dimension's groups, with the areas' overall rows and the
///    all-areas rows as margins, go through [`levelfield_stats::disclosure::apply`] (primary
///    suppression, rounding, secondary suppression where the rule does not round).
/// 2. *Audit.* All counts of a period — every family, area, dimension and group, the overall
///    and all-areas rows, and data quality — form one system: each dimension's groups add up
///    to the overall row, the areas add up to the all-areas row, a proportion's numerator is at
///    most its denominator. Bounds propagation
///    ([`levelfield_stats::disclosure::propagate`]) from what is published gives the range an
///    attacker can prove for every count; it must cover the count's protection range
///    ([`Rule::protection`]: all of the hidden range for a hidden count, the whole rounding
///    interval for a rounded one). Where it does not, the smallest shown count of an equation
///    through it is hidden too, and the audit runs again.
/// 3. *Values.* Rates and proportions, their intervals, comparisons and benchmarks are computed
///    from the published counts, so inverting them gives back only a published count. Means
///    take their interval's degrees of freedom from the published count and are rounded to a
///    step of at least 1/n; standardised rates and ratios build their interval on the rounded
///    standardised count and are published to 3 significant figures.
///
/// # References
/// Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley, ch. 4–5; NHS Digital,
/// "Change to disclosure control methodology for HES and ECDS from September 2018"
/// (percentages from rounded figures).
///
/// # Edge cases
/// Populations are published statistics and are not suppressed. With the rule `none` nothing
/// is changed. What the audit cannot see is listed in `docs/DISCLOSURE.md` (limits).
///
/// # Errors
/// [`ProfileError::Spec`] for a custom rule without a threshold.
pub fn protect(spec: &Spec, profile: &mut Profile) -> Result<usize, ProfileError> {
    let Some((rule, label)) = spec.disclosure.rule()? else {
        profile.rule = "none: counts are not protected (for internal use only)".into();
        profile.audit = vec![AuditRow {
            check: "none".into(),
            scope: "all outputs".into(),
            checked: 0,
            repaired: 0,
            residual: 0,
            detail: "no disclosure rule: this profile is for internal use only".into(),
        }];
        return Ok(0);
    };
    profile.rule = label;
    let n_areas = profile.areas.len() as u32;
    let has_areas = profile.estimates.iter().any(|e| e.area != ALL_AREAS);
    let n_periods = profile.periods.len();

    // Families of counts and the cells of each (family, period, area, dimension, group).
    let mut families: Vec<String> = Vec::new();
    let mut family_of: HashMap<(usize, bool), usize> = HashMap::new();
    for i in 0..spec.indicators.len() {
        for den in [false, true] {
            if den && spec.indicators[i].statistic != Statistic::Proportion {
                continue;
            }
            let key = family_key(spec, i, den);
            let f = families.iter().position(|k| *k == key).unwrap_or_else(|| {
                families.push(key);
                families.len() - 1
            });
            family_of.insert((i, den), f);
        }
    }
    // Families that count the same people under different conditions (e.g. the values of a
    // mean recorded exactly for the events of a rate) are one count to an attacker who guesses
    // it: a family whose counts equal an earlier family's wherever both have them (and are zero
    // elsewhere) is protected as that family.
    let alias = aliases(profile, &family_of, families.len());
    for f in family_of.values_mut() {
        *f = alias[*f];
    }
    // Per period: a system whose variables are the period's cells.
    let mut systems: Vec<System> = (0..n_periods).map(|_| System::default()).collect();
    let mut cell_of: Vec<Cells> = vec![HashMap::new(); n_periods];
    // (row, denominator?) → (period, variable).
    let mut row_cell: HashMap<(usize, bool), usize> = HashMap::new();
    for (k, e) in profile.estimates.iter().enumerate() {
        for den in [false, true] {
            let Some(&f) = family_of.get(&(e.indicator, den)) else {
                continue;
            };
            let Some(x) = (if den { e.denominator } else { e.numerator }) else {
                continue;
            };
            let key = (f, e.area, e.dimension, e.group);
            let sys = &mut systems[e.period];
            let v = *cell_of[e.period]
                .entry(key)
                .or_insert_with(|| sys.push(x, first(&rule, x)));
            row_cell.insert((k, den), v);
        }
    }
    // Initial pattern: each (family, period, dimension) table through `apply`.
    let mut dims_of: BTreeMap<(usize, usize), HashSet<usize>> = BTreeMap::new();
    for (p, cells) in cell_of.iter().enumerate() {
        for &(f, _, d, _) in cells.keys() {
            dims_of.entry((f, p)).or_default().insert(d);
        }
    }
    let n_groups: Vec<usize> = profile.groups.iter().map(Vec::len).collect();
    let areas: Vec<u32> = if has_areas {
        (0..n_areas).collect()
    } else {
        vec![ALL_AREAS]
    };
    for (&(f, period), dims) in &dims_of {
        let cells = &cell_of[period];
        let sys = &mut systems[period];
        let get = |a: u32, d: usize, g: usize| cells.get(&(f, a, d, g)).copied();
        let mut dims: Vec<usize> = dims.iter().copied().collect();
        dims.sort_unstable();
        for d in dims {
            let (rows, margins_r, margins_c): (Vec<Line>, Line, Line) = if d == 0 {
                (
                    vec![areas.iter().map(|&a| get(a, 0, 0)).collect()],
                    vec![if has_areas {
                        get(ALL_AREAS, 0, 0)
                    } else {
                        None
                    }],
                    Vec::new(),
                )
            } else {
                (
                    areas
                        .iter()
                        .map(|&a| (0..n_groups[d]).map(|g| get(a, d, g)).collect())
                        .collect(),
                    areas.iter().map(|&a| get(a, 0, 0)).collect(),
                    (0..n_groups[d])
                        .map(|g| {
                            if has_areas {
                                get(ALL_AREAS, d, g)
                            } else {
                                None
                            }
                        })
                        .collect(),
                )
            };
            let table: Vec<Vec<Option<f64>>> = rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(|v| sys.truth[v])).collect())
                .collect();
            let p = apply(&table, &rule);
            for (r, row) in rows.iter().enumerate() {
                for (c, s) in states(&p.cells[r]).into_iter().enumerate() {
                    if let (Some(v), Some(s)) = (row[c], s)
                        && s == State::Secondary
                    {
                        sys.hide(v);
                    }
                }
                if p.withheld_rows[r]
                    && let Some(Some(m)) = margins_r.get(r)
                {
                    sys.hide(*m);
                }
            }
            for (c, m) in margins_c.iter().enumerate() {
                if p.withheld_columns.get(c).copied().unwrap_or(false)
                    && let Some(m) = m
                {
                    sys.hide(*m);
                }
            }
        }
    }
    // The attacker's equations: groups add up to the overall row, areas to the all-areas row.
    for (period, sys) in systems.iter_mut().enumerate() {
        let cells = &cell_of[period];
        let mut by_family: BTreeMap<usize, Vec<(u32, usize, usize)>> = BTreeMap::new();
        for &(f, a, d, g) in cells.keys() {
            by_family.entry(f).or_default().push((a, d, g));
        }
        for (f, _) in by_family {
            let get = |a: u32, d: usize, g: usize| cells.get(&(f, a, d, g)).copied();
            let mut all_areas = areas.clone();
            if has_areas {
                all_areas.push(ALL_AREAS);
            }
            for &a in &all_areas {
                let Some(total) = get(a, 0, 0) else { continue };
                for (d, &ng) in n_groups.iter().enumerate().skip(1) {
                    let parts: Vec<usize> = (0..ng).filter_map(|g| get(a, d, g)).collect();
                    sys.equation(total, &parts);
                }
            }
            if has_areas {
                for (d, &ng) in n_groups.iter().enumerate() {
                    for g in 0..ng.max(1) {
                        let Some(total) = get(ALL_AREAS, d, g) else {
                            continue;
                        };
                        let parts: Vec<usize> =
                            areas.iter().filter_map(|&a| get(a, d, g)).collect();
                        sys.equation(total, &parts);
                    }
                }
            }
        }
    }
    for (k, e) in profile.estimates.iter().enumerate() {
        if let (Some(&x), Some(&n)) = (row_cell.get(&(k, false)), row_cell.get(&(k, true))) {
            systems[e.period].at_most.push((x, n));
        }
    }
    // Data quality joins its period's system: recorded + not stated + not known + unrecognised
    // = records, the same records for every field, areas adding up to all areas.
    let mut quality_cells: Vec<[usize; 5]> = Vec::with_capacity(profile.quality.len());
    let mut by_key: HashMap<(usize, u32, &'static str), [usize; 5]> = HashMap::new();
    {
        let mut records_of: HashMap<(usize, u32), usize> = HashMap::new();
        for q in &profile.quality {
            let sys = &mut systems[q.period];
            let parts = [q.recorded, q.not_stated, q.not_known, q.unrecognised];
            let p = apply(&[parts.iter().map(|&x| Some(x)).collect()], &rule);
            let st = states(&p.cells[0]);
            let mut vars = [0usize; 5];
            vars[0] = sys.push(q.records, first(&rule, q.records));
            if p.withheld_rows[0] {
                sys.hide(vars[0]);
            }
            for j in 0..4 {
                vars[j + 1] = sys.push(parts[j], st[j].unwrap_or(State::Secondary));
            }
            sys.equation(vars[0], &vars[1..]);
            match records_of.get(&(q.period, q.area)) {
                Some(&r) => sys.equation(r, &[vars[0]]),
                None => {
                    records_of.insert((q.period, q.area), vars[0]);
                }
            }
            by_key.insert((q.period, q.area, q.field), vars);
            quality_cells.push(vars);
        }
        if has_areas {
            for q in profile.quality.iter().filter(|q| q.area == ALL_AREAS) {
                let total = by_key[&(q.period, q.area, q.field)];
                for j in 0..5 {
                    let parts: Vec<usize> = areas
                        .iter()
                        .filter_map(|&a| by_key.get(&(q.period, a, q.field)).map(|v| v[j]))
                        .collect();
                    systems[q.period].equation(total[j], &parts);
                }
            }
        }
    }
    // A proportion or a mean has a row wherever there are records or population (so it sits
    // beside every rate's row); a row still missing where another indicator has one would tell
    // the attacker that every count of that cell is zero. That is knowledge, not the rule's
    // doing: the audit counts what it pins as disclosed.
    let sums_only: Vec<usize> = (0..spec.indicators.len())
        .filter(|&i| {
            matches!(
                spec.indicators[i].statistic,
                Statistic::Proportion | Statistic::Mean
            )
        })
        .collect();
    if !sums_only.is_empty() {
        let with_records: HashSet<(usize, u32, usize, usize)> = profile
            .estimates
            .iter()
            .filter(|e| sums_only.contains(&e.indicator))
            .map(|e| (e.period, e.area, e.dimension, e.group))
            .collect();
        for (period, cells) in cell_of.iter().enumerate() {
            for (&(_, a, d, g), &v) in cells {
                if !with_records.contains(&(period, a, d, g)) && systems[period].truth[v] == 0.0 {
                    systems[period].zero.push(v);
                }
            }
        }
    }
    // Audit and repair, each period on its own core.
    let outcomes: Vec<Outcome> = systems.par_iter_mut().map(|s| s.audit(&rule)).collect();
    let mut audit = Vec::new();
    let total = outcomes.iter().fold(Outcome::default(), |a, o| Outcome {
        checked: a.checked + o.checked,
        repaired: a.repaired + o.repaired,
        residual: a.residual + o.residual,
        rounds: a.rounds.max(o.rounds),
        exact: Exact {
            components: a.exact.components + o.exact.components,
            counts: a.exact.counts + o.exact.counts,
            large: a.exact.large + o.exact.large,
            large_counts: a.exact.large_counts + o.exact.large_counts,
            undecided: a.exact.undecided + o.exact.undecided,
        },
        exact_found: a.exact_found + o.exact_found,
        exact_residual: a.exact_residual + o.exact_residual,
    });
    audit.push(AuditRow {
        check: "additive structure".into(),
        scope: format!(
            "every published or hidden count, {} period(s): groups of each dimension summing to the overall rows, areas to the all-areas rows, numerators within denominators, data-quality fields summing to records",
            n_periods
        ),
        checked: total.checked,
        repaired: total.repaired,
        residual: total.residual - total.exact_residual,
        detail: format!(
            "bounds propagation from the published cells and the rule's ranges; every count's provable range must cover its whole protection range ({} equations; at most {} round(s) of audit and repair)",
            systems.iter().map(|s| s.equations.len()).sum::<usize>(),
            total.rounds,
        ),
    });
    let x = total.exact;
    audit.push(AuditRow {
        check: "additive structure: exact integer search".into(),
        scope: format!(
            "{} connected component(s) of at most {EXACT_MAX} counts ({} counts); {} larger component(s) ({} counts) are covered by bounds propagation only",
            x.components, x.counts, x.large, x.large_counts
        ),
        checked: x.counts,
        repaired: total.exact_found,
        residual: total.exact_residual,
        detail: format!(
            "depth-first search over whole numbers with propagation at every node: for every count, an assignment meeting everything published that puts it at each end of its protection range; {} check(s) in the last pass ran out of their budget ({EXACT_BUDGET} nodes a check, {EXACT_COMPONENT_BUDGET} a component); a count not proven safe is treated as disclosed; {} count(s) found narrowed or not proven safe were repaired by more suppression",
            x.undecided, total.exact_found
        ),
    });

    // Counts as published, and every value from them.
    let published = |k: usize, den: bool, e: &EstimateRow| -> Option<Option<f64>> {
        let v = *row_cell.get(&(k, den))?;
        Some(match systems[e.period].state[v] {
            State::Shown(x) => Some(x),
            _ => None,
        })
    };
    let mut hidden = 0;
    let rows: Vec<(Option<f64>, Option<f64>)> = profile
        .estimates
        .iter()
        .enumerate()
        .map(|(k, e)| {
            (
                published(k, false, e).unwrap_or(e.numerator),
                if spec.indicators[e.indicator].statistic == Statistic::Proportion {
                    published(k, true, e).unwrap_or(e.denominator)
                } else {
                    e.denominator
                },
            )
        })
        .collect();
    for (e, (num, den)) in profile.estimates.iter_mut().zip(rows) {
        let den_is_count = spec.indicators[e.indicator].statistic == Statistic::Proportion;
        let num_hidden = e.numerator.is_some() && num.is_none();
        let den_hidden = den_is_count && e.denominator.is_some() && den.is_none();
        hidden += usize::from(num_hidden) + usize::from(den_hidden);
        // A row suppressed for its denominator shows no count at all.
        e.published_numerator = if den_hidden { None } else { num };
        e.published_denominator = den;
        if num_hidden || den_hidden {
            e.hidden = true;
            e.estimate = Estimate::withheld(
                e.estimate.intervals.len(),
                e.estimate.method,
                Note::MissingNumerator,
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
    let levels = profile.levels.clone();
    audit.extend(republish(
        spec,
        &rule,
        &levels,
        &profile.periods,
        &mut profile.estimates,
    ));
    crate::compute::benchmarks(spec, &mut profile.estimates, &levels);
    // A benchmark against a hidden all-areas value would say something about it: withheld too.
    let hidden_comparators: HashSet<(usize, usize, usize, usize)> = profile
        .estimates
        .iter()
        .filter(|e| e.area == ALL_AREAS && e.hidden)
        .map(|e| (e.indicator, e.period, e.dimension, e.group))
        .collect();
    for e in &mut profile.estimates {
        if e.hidden || hidden_comparators.contains(&(e.indicator, e.period, e.dimension, e.group)) {
            e.benchmark = None;
        }
    }
    // Data quality as published; percentages are computed from these counts at output.
    for (q, vars) in profile.quality.iter_mut().zip(&quality_cells) {
        let sys = &systems[q.period];
        let value = |v: usize| match sys.state[v] {
            State::Shown(x) => x,
            _ => f64::NAN,
        };
        q.records_published = value(vars[0]);
        q.published = [
            value(vars[1]),
            value(vars[2]),
            value(vars[3]),
            value(vars[4]),
        ];
    }
    audit.push(AuditRow {
        check: "value inversion: data quality".into(),
        scope: "percent_recorded".into(),
        checked: profile.quality.len(),
        repaired: 0,
        residual: profile
            .quality
            .iter()
            .filter(|q| q.records_published.is_finite() && q.published[0].is_finite())
            .filter(|q| {
                // The attacker's arithmetic: percent × records ÷ 100 must give back the
                // published count, not the true one.
                let pct = q.published[0] / q.records_published * 100.0;
                (pct * q.records_published / 100.0 - q.published[0]).abs() > 1e-6
            })
            .count(),
        detail: "percentages computed from the published counts: percent × published records ÷ 100 gives the published recorded count".into(),
    });
    profile.audit = audit;
    Ok(hidden)
}

/// For each family, the family it is protected as (itself, or an earlier one with the same
/// counts).
fn aliases(profile: &Profile, family_of: &HashMap<(usize, bool), usize>, n: usize) -> Vec<usize> {
    type Counts = HashMap<(usize, u32, usize, usize), f64>;
    let mut maps: Vec<Counts> = vec![HashMap::new(); n];
    for e in &profile.estimates {
        for den in [false, true] {
            if let (Some(&f), Some(x)) = (
                family_of.get(&(e.indicator, den)),
                if den { e.denominator } else { e.numerator },
            ) {
                maps[f].insert((e.period, e.area, e.dimension, e.group), x);
            }
        }
    }
    let same = |a: &Counts, b: &Counts| {
        a.iter().any(|(_, x)| *x > 0.0)
            && a.iter()
                .all(|(k, x)| b.get(k).map_or(*x == 0.0, |y| y == x))
            && b.iter().all(|(k, y)| a.contains_key(k) || *y == 0.0)
    };
    let mut alias: Vec<usize> = (0..n).collect();
    for b in 0..n {
        if let Some(a) = (0..b).find(|&a| alias[a] == a && same(&maps[a], &maps[b])) {
            alias[b] = a;
        }
    }
    alias
}

/// Rounds `x` to the nearest multiple of `step`.
fn round_to(x: f64, step: f64) -> f64 {
    if step > 0.0 && x.is_finite() {
        let r = (x / step).round() * step;
        // Tidy the binary representation of the multiple (e.g. 0.1 × 3).
        let digits = (-step.log10().floor()).clamp(0.0, 15.0) as usize;
        format!("{r:.digits$}").parse().unwrap_or(r)
    } else {
        x
    }
}

/// The step of `sig` significant figures of `x`.
fn significant_step(x: f64, sig: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    10f64.powi(x.abs().log10().floor() as i32 - (sig - 1))
}

fn round_estimate(e: &mut Estimate, step: f64) {
    e.value = e.value.map(|v| round_to(v, step));
    for iv in e.intervals.iter_mut().flatten() {
        iv.lower = round_to(iv.lower, step);
        iv.upper = round_to(iv.upper, step);
    }
}

/// Every published value and interval computed from the published counts (rates and
/// proportions), or on them and coarsened (means, standardised rates and ratios), then the
/// attacker's inversion of each: the audit rows.
fn republish(
    spec: &Spec,
    rule: &Rule,
    levels: &[ConfidenceLevel],
    periods: &[String],
    estimates: &mut [EstimateRow],
) -> Vec<AuditRow> {
    let base = if rule.rounds() { rule.round_to } else { 0.0 };
    // (checked, residual) per statistic.
    let counts: Vec<(Statistic, bool, bool)> = estimates
        .par_iter_mut()
        .map(|e| {
            let ind = &spec.indicators[e.indicator];
            // The estimate's own multiplier: per year when annualised (its period label was
            // checked when it was made).
            let m = ind
                .multiplier_in(&periods[e.period])
                .unwrap_or_else(|_| ind.multiplier());
            if e.hidden || e.estimate.value.is_none() {
                return (ind.statistic, false, false);
            }
            let (Some(x), Some(xp)) = (e.numerator, e.published_numerator) else {
                return (ind.statistic, false, false);
            };
            match ind.statistic {
                Statistic::Rate => {
                    let Some(n) = e.denominator.filter(|n| *n > 0.0) else {
                        return (ind.statistic, false, false);
                    };
                    if let Ok(est) = rate::crude_rate(xp, n, levels, m) {
                        e.estimate = est;
                    }
                    // The attacker: value × population ÷ multiplier, and each interval inverted.
                    let back = e.estimate.value.unwrap_or(0.0) * n / m;
                    let intervals_match = e.estimate.intervals
                        == rate::crude_rate(xp, n, levels, m)
                            .map(|r| r.intervals)
                            .unwrap_or_default();
                    let leak = (back - xp).abs() > 1e-6 * xp.max(1.0) || !intervals_match;
                    (ind.statistic, true, leak)
                }
                Statistic::Proportion => {
                    let Some(np) = e.published_denominator.filter(|n| *n > 0.0) else {
                        return (ind.statistic, false, false);
                    };
                    if let Ok(est) = proportion::proportion(xp, np, levels, m) {
                        e.estimate = est;
                    }
                    let back = e.estimate.value.unwrap_or(0.0) * np / m;
                    let wilson: Vec<Option<Interval>> = levels
                        .iter()
                        .map(|&l| {
                            let i = proportion::wilson_interval(xp, np, l);
                            Some(Interval {
                                lower: i.lower * m,
                                upper: i.upper * m,
                            })
                        })
                        .collect();
                    let close = |a: &[Option<Interval>], b: &[Option<Interval>]| {
                        a.len() == b.len()
                            && a.iter().zip(b).all(|(a, b)| match (a, b) {
                                (Some(a), Some(b)) => {
                                    (a.lower - b.lower).abs() <= 1e-9 * m
                                        && (a.upper - b.upper).abs() <= 1e-9 * m
                                }
                                (None, None) => true,
                                _ => false,
                            })
                    };
                    let leak = (back - xp).abs() > 1e-6 * xp.max(1.0)
                        || !close(&e.estimate.intervals, &wilson);
                    (ind.statistic, true, leak)
                }
                Statistic::Mean => {
                    if base <= 0.0 {
                        return (ind.statistic, true, false);
                    }
                    let value = e.estimate.value.unwrap_or(0.0);
                    let (n_lo, _) = rule.range_of(Some(xp));
                    for (iv, l) in e.estimate.intervals.iter_mut().zip(levels) {
                        let Some(iv) = iv.as_mut() else { continue };
                        if x < 2.0 || xp < 2.0 {
                            continue;
                        }
                        let p = (1.0 - l.fraction()) / 2.0;
                        let sd = (iv.upper - value) * x.sqrt() / qt(p, x - 1.0).abs();
                        let half = qt(p, xp - 1.0).abs() * sd / xp.sqrt();
                        iv.lower = value - half;
                        iv.upper = value + half;
                    }
                    // A step of at least 1/n: every count in the rounding interval has a whole
                    // sum of values that rounds to the published mean.
                    let step = significant_step(value, SIGNIFICANT)
                        .max(10f64.powf((1.0 / n_lo.max(1.0)).log10().ceil()));
                    round_estimate(&mut e.estimate, step);
                    (ind.statistic, true, false)
                }
                Statistic::Dsr | Statistic::Isr => {
                    let Some(o) = e.standardised_count.filter(|o| *o > 0.0) else {
                        return (ind.statistic, true, false);
                    };
                    let op = if base > 0.0 {
                        (o / base).round() * base
                    } else {
                        o
                    };
                    let value = e.estimate.value.unwrap_or(0.0);
                    if ind.statistic == Statistic::Dsr {
                        for (iv, &l) in e.estimate.intervals.iter_mut().zip(levels) {
                            let Some(i) = iv.as_mut() else { continue };
                            let (_, o_u) = poisson::count_interval(o, l);
                            let scale = (i.upper - value) / (o_u - o);
                            let (l2, u2) = poisson::count_interval(op, l);
                            *iv = l2.map(|l2| Interval {
                                lower: value + scale * (l2 - op),
                                upper: value + scale * (u2 - op),
                            });
                        }
                    } else {
                        let per = value / o;
                        e.estimate.value = Some(op * per);
                        for (iv, &l) in e.estimate.intervals.iter_mut().zip(levels) {
                            if iv.is_none() {
                                continue;
                            }
                            let (l2, u2) = poisson::count_interval(op, l);
                            *iv = l2.map(|l2| Interval {
                                lower: l2 * per,
                                upper: u2 * per,
                            });
                        }
                    }
                    let step = significant_step(e.estimate.value.unwrap_or(0.0), SIGNIFICANT);
                    round_estimate(&mut e.estimate, step);
                    (ind.statistic, true, false)
                }
            }
        })
        .collect();
    let mut rows = Vec::new();
    for (statistic, how) in [
        (
            Statistic::Rate,
            "value × population ÷ multiplier and the exact/Byar interval inverted give back the published count only: values are computed from it",
        ),
        (
            Statistic::Proportion,
            "value × published denominator ÷ multiplier and the Wilson interval inverted give back the published counts only: values are computed from them",
        ),
        (
            Statistic::Mean,
            "the t quantile from the ratio of interval widths gives back the published count only (degrees of freedom from it); value and limits rounded to a step of at least 1/n, so a whole sum of values fits every count in the rounding interval",
        ),
        (
            Statistic::Dsr,
            "Dobson's interval built on the rounded standardised count, so the ratio of its arms gives back only that; value and limits to 3 significant figures",
        ),
        (
            Statistic::Isr,
            "Byar/exact interval built on the rounded observed count, so the ratio of its limits gives back only that; value and limits to 3 significant figures",
        ),
    ] {
        let checked = counts.iter().filter(|c| c.0 == statistic && c.1).count();
        if checked == 0 {
            continue;
        }
        rows.push(AuditRow {
            check: "value inversion".into(),
            scope: format!("{} values and intervals", statistic.label()),
            checked,
            repaired: 0,
            residual: counts
                .iter()
                .filter(|c| c.0 == statistic && c.1 && c.2)
                .count(),
            detail: how.into(),
        });
    }
    rows
}

/// Whether a published count obeys a rule: not in the hidden range, and a multiple of the
/// rounding base.
pub fn obeys(rule: &Rule, count: f64) -> bool {
    !rule.hides(count) && (rule.round_to <= 0.0 || (count / rule.round_to).fract() == 0.0)
}
