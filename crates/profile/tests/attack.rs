//! The attacker of a published profile: random small profiles (counts by area, period,
//! ethnicity and sex; a rate, a proportion and a rate sharing the proportion's denominator)
//! go through `profile`, and an attacker who knows the rule inverts every published value and
//! interval (rate × population, the exact/Byar and Wilson intervals, data quality's
//! percentage): each gives back only a published count. Then the exact integer search over
//! the additive structure of everything published (groups to overall rows, areas to the
//! all-areas rows, numerators within denominators, data-quality fields to records), written
//! here independently of the audit, must reach both ends of every count's protection range.

use std::path::Path;

use levelfield_profile::{
    Spec, output,
    query::aggregation,
    strata::{Measure, Population, PopulationRow, Role, Strata},
};
use levelfield_stats::{
    ConfidenceLevel,
    disclosure::{Rule, propagate},
    proportion, rate,
};
use proptest::prelude::*;

const SPEC: &str = r#"
name = "attack"
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
[[indicator]]
id = "restr"
name = "Restrained"
statistic = "proportion"
numerator = "restrained"
denominator = "inpatients"
[[indicator]]
id = "inp"
name = "Inpatients"
statistic = "rate"
numerator = "inpatients"
[[dimension]]
kind = "ethnicity"
reference = "White"
[[dimension]]
kind = "sex"
[disclosure]
RULE
"#;

const AREAS: [&str; 3] = ["E1", "E2", "E3"];
const PERIODS: [&str; 2] = ["2023-24", "2024-25"];
/// White British, Indian, Caribbean, not stated.
const CODES: [&str; 4] = ["A", "H", "M", "Z"];
const GROUPS: [&str; 3] = ["White", "Asian or Asian British", "Black or Black British"];
const SEXES: [&str; 2] = ["1", "2"];
const NAMES: [&str; 3] = ["detentions", "inpatients", "restrained"];

fn spec(rule: &str) -> Spec {
    Spec::parse(&SPEC.replace("RULE", rule), "attack spec", Path::new(".")).unwrap()
}

fn columns() -> Vec<String> {
    let mut c: Vec<String> = ["period", "area_code", "ethnic_category", "sex"]
        .map(String::from)
        .to_vec();
    c.extend(NAMES.map(String::from));
    c
}

/// One random stratum: period, area, code, sex, detentions, inpatients, restrained (≤ inpatients).
type Row = (usize, usize, usize, usize, u32, u32, u32);

fn strata(spec: &Spec, rows: &[Row]) -> Strata {
    let (request, _) = aggregation(spec, &columns()).unwrap();
    let order: Vec<usize> = request
        .measures
        .iter()
        .map(|m| match m {
            Measure::SumColumn(c) => NAMES.iter().position(|n| n == c).unwrap(),
            other => panic!("unexpected measure {other:?}"),
        })
        .collect();
    let roles = [Role::Period, Role::Area, Role::Ethnicity, Role::Sex];
    let rows: Vec<(Vec<Option<&str>>, Vec<f64>)> = rows
        .iter()
        .map(|&(p, a, c, s, det, inp, restr)| {
            let v = [f64::from(det), f64::from(inp), f64::from(restr.min(inp))];
            (
                vec![
                    Some(PERIODS[p]),
                    Some(AREAS[a]),
                    Some(CODES[c]),
                    Some(SEXES[s]),
                ],
                order.iter().map(|&k| v[k]).collect(),
            )
        })
        .collect();
    Strata::from_rows(&roles, &rows)
}

fn population() -> Population {
    let mut rows = Vec::new();
    for p in PERIODS {
        for a in AREAS {
            for (g, group) in GROUPS.iter().enumerate() {
                for s in SEXES {
                    rows.push(PopulationRow {
                        period: p.into(),
                        area: a.into(),
                        ethnicity: Some(group.to_string()),
                        sex: Some(s.into()),
                        population: 1000.0 + 37.0 * g as f64,
                        row: rows.len(),
                        ..PopulationRow::default()
                    });
                }
            }
        }
    }
    Population {
        file: "population.csv".into(),
        rows,
        roles: vec![Role::Period, Role::Area, Role::Ethnicity, Role::Sex],
    }
}

/// The attacker's system for one period: one variable per count the profile speaks of.
#[derive(Default)]
struct Attack {
    /// (count name, area, dimension, group) → variable.
    vars: std::collections::HashMap<(String, u32, usize, usize), usize>,
    /// What the published tables say about each variable (intersected over indicators).
    bounds: Vec<(f64, f64)>,
    /// The true count, known to the test only, to say what must stay protected.
    truth: Vec<f64>,
    equations: Vec<Vec<(usize, f64)>>,
    at_most: Vec<(usize, usize)>,
}

const CAP: f64 = 10_000.0;

/// Search nodes the attacker spends on one profile period before it gives up (and the case is
/// set aside as too large for exhaustive search, which proptest counts as a rejection).
const NODES: usize = 300_000;

impl Attack {
    fn var(&mut self, key: (String, u32, usize, usize), truth: f64) -> usize {
        let n = self.bounds.len();
        let v = *self.vars.entry(key).or_insert(n);
        if v == n {
            self.bounds.push((0.0, CAP));
            self.truth.push(truth);
        }
        assert_eq!(self.truth[v], truth, "one count, one truth");
        v
    }

    fn observe(&mut self, v: usize, (lo, hi): (f64, f64)) {
        self.bounds[v].0 = self.bounds[v].0.max(lo);
        self.bounds[v].1 = self.bounds[v].1.min(hi);
    }

    /// Whether some whole-number assignment agrees with everything published and has
    /// `x_v = y`: depth-first search with bounds propagation, branching on the smallest domain.
    fn feasible(&self, v: usize, y: f64, nodes: &mut usize) -> bool {
        self.feasible_within(v, (y, y), nodes)
    }

    /// As [`Attack::feasible`], with `x_v` anywhere in `range`.
    fn feasible_within(&self, v: usize, range: (f64, f64), nodes: &mut usize) -> bool {
        let mut b = self.bounds.clone();
        b[v] = (b[v].0.max(range.0), b[v].1.min(range.1));
        if b[v].0 > b[v].1 {
            return false;
        }
        self.search(b, nodes)
    }

    /// `total = Σ parts`, as the tables' structure says, where the true counts obey it.
    fn sum(&mut self, total: usize, parts: &[usize]) {
        if parts.is_empty() {
            return;
        }
        let s: f64 = parts.iter().map(|&p| self.truth[p]).sum();
        if (s - self.truth[total]).abs() < 1e-9 {
            let mut eq = vec![(total, -1.0)];
            eq.extend(parts.iter().map(|&p| (p, 1.0)));
            self.equations.push(eq);
        }
    }

    fn search(&self, b: Vec<(f64, f64)>, nodes: &mut usize) -> bool {
        self.witness(b, nodes).is_some()
    }

    /// A whole-number assignment within `b` that agrees with everything published, values
    /// tried nearest the truth first (which changes only the speed of the search).
    fn witness(&self, mut b: Vec<(f64, f64)>, nodes: &mut usize) -> Option<Vec<f64>> {
        *nodes += 1;
        if *nodes > NODES {
            // Undecided: the caller reads `nodes` and does not take this for infeasible.
            return None;
        }
        if !propagate(&mut b, &self.equations, &self.at_most, 200) || b.iter().any(|x| x.0 > x.1) {
            return None;
        }
        let pick = (0..b.len())
            .filter(|&w| b[w].1 > b[w].0)
            .min_by(|&a, &c| (b[a].1 - b[a].0).total_cmp(&(b[c].1 - b[c].0)));
        let Some(w) = pick else {
            // Every count fixed: check the equations exactly.
            let holds = self
                .equations
                .iter()
                .all(|eq| eq.iter().map(|&(x, a)| a * b[x].0).sum::<f64>().abs() < 1e-9)
                && self.at_most.iter().all(|&(x, z)| b[x].0 <= b[z].0);
            return holds.then(|| b.iter().map(|x| x.0).collect());
        };
        let (lo, hi) = b[w];
        let mut values: Vec<f64> = Vec::new();
        let mut y = lo;
        while y <= hi {
            values.push(y);
            y += 1.0;
        }
        let t = self.truth[w];
        values.sort_by(|a, c| (a - t).abs().total_cmp(&(c - t).abs()));
        for y in values {
            let mut c = b.clone();
            c[w] = (y, y);
            if let Some(x) = self.witness(c, nodes) {
                return Some(x);
            }
        }
        None
    }
}

fn levels() -> Vec<ConfidenceLevel> {
    [0.95, 0.998]
        .map(|c| ConfidenceLevel::new(c).unwrap())
        .to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// No protected count can be moved out of its protection range — all of the rule's hidden
    /// range for a hidden count, the whole rounding interval for a rounded one — by anything
    /// the profile publishes, and every published value and interval gives back only published
    /// counts when inverted.
    #[test]
    fn an_attacker_recovers_nothing_beyond_the_rule(
        rows in proptest::collection::vec(
            (0usize..2, 0usize..3, 0usize..4, 0usize..2, 0u32..14, 0u32..14, 0u32..8),
            1..30,
        ),
        rule_index in 0usize..2,
    ) {
        let (text, _rule) = [
            ("rule = \"nhs-mha\"", Rule::NHS_MHA),
            ("rule = \"hes-2018\"", Rule::HES_2018),
        ][rule_index];
        let spec = spec(text);
        let (_, layout) = aggregation(&spec, &columns()).unwrap();
        let s = strata(&spec, &rows);
        let p = levelfield_profile::run(&spec, &layout, &s, Some(&population())).unwrap();
        let levels = levels();

        // 1. Inversion of every published value and interval gives back the published count.
        for e in &p.estimates {
            let ind = &spec.indicators[e.indicator];
            let Some(value) = e.estimate.value else { continue };
            let m = ind.multiplier();
            let x = e.published_numerator.expect("a published value has a published count");
            match ind.id.as_str() {
                "det" | "inp" => {
                    let n = e.denominator.unwrap();
                    prop_assert!((value * n / m - x).abs() < 1e-6, "rate × population gives {} not the published {x}", value * n / m);
                    let again = rate::crude_rate(x, n, &levels, m).unwrap();
                    prop_assert_eq!(&e.estimate.intervals, &again.intervals);
                }
                _ => {
                    let n = e.published_denominator.expect("published denominator");
                    prop_assert!((value * n / m - x).abs() < 1e-6);
                    for (iv, &l) in e.estimate.intervals.iter().zip(&levels) {
                        let w = proportion::wilson_interval(x, n, l);
                        let iv = iv.unwrap();
                        prop_assert!((iv.lower - w.lower * m).abs() < 1e-9 && (iv.upper - w.upper * m).abs() < 1e-9);
                    }
                }
            }
        }
        // Data quality's percentage, as written, gives back the published counts.
        let tables = output::tables(&spec, &p);
        let dq = &tables.tables.iter().find(|(s, _)| *s == "data_quality").unwrap().1;
        let col = |name: &str| dq.numbers(name).unwrap();
        let (records, recorded, pct) = (col("records"), col("recorded"), col("percent_recorded"));
        for r in 0..dq.n_rows() {
            if let Some(pct) = pct[r] {
                let back = pct * records[r].unwrap() / 100.0;
                prop_assert!((back - recorded[r].unwrap()).abs() < 1e-6, "row {r}: {back}");
            }
        }
        // 2. The exact attack on the additive structure of all that is published together.
        let rule = _rule;
        for period in 0..p.periods.len() {
            let mut a = Attack::default();
            let mut protected: Vec<(usize, (f64, f64))> = Vec::new();
            let mut see = |a: &mut Attack, key: (String, u32, usize, usize), truth: f64, shown: Option<f64>| {
                let v = a.var(key, truth);
                // The attacker is told which hidden counts are primary (0–4 under `nhs-mha`):
                // the strongest reading of a published `[c]`.
                let prior = match shown {
                    Some(x) => rule.range_of(Some(x)),
                    None if rule.hides(truth) => rule.range_of(None),
                    None => (0.0, CAP),
                };
                a.observe(v, prior);
                protected.push((v, rule.protection(truth)));
                v
            };
            for e in p.estimates.iter().filter(|e| e.period == period) {
                let ind = &spec.indicators[e.indicator];
                let num = ind.numerator.clone().unwrap();
                let x = see(&mut a, (num, e.area, e.dimension, e.group), e.numerator.unwrap(), e.published_numerator);
                if let Some(den) = ind.denominator.clone() {
                    let n = see(&mut a, (den, e.area, e.dimension, e.group), e.denominator.unwrap(), e.published_denominator);
                    a.at_most.push((x, n));
                }
            }
            let keys: Vec<(String, u32, usize, usize)> = a.vars.keys().cloned().collect();
            let var = |a: &Attack, name: &str, area: u32, d: usize, g: usize| a.vars.get(&(name.to_string(), area, d, g)).copied();
            let n_groups: Vec<usize> = p.groups.iter().map(Vec::len).collect();
            let mut areas: Vec<u32> = keys.iter().map(|k| k.1).collect();
            areas.sort_unstable();
            areas.dedup();
            for name in NAMES {
                for &area in &areas {
                    let Some(total) = var(&a, name, area, 0, 0) else { continue };
                    for (d, &ng) in n_groups.iter().enumerate().skip(1) {
                        let parts: Vec<usize> = (0..ng).filter_map(|g| var(&a, name, area, d, g)).collect();
                        a.sum(total, &parts);
                    }
                }
                let all = levelfield_profile::compute::ALL_AREAS;
                for (d, &ng) in n_groups.iter().enumerate() {
                    for g in 0..ng.max(1) {
                        let Some(total) = var(&a, name, all, d, g) else { continue };
                        let parts: Vec<usize> = areas.iter().filter(|&&x| x != all).filter_map(|&x| var(&a, name, x, d, g)).collect();
                        a.sum(total, &parts);
                    }
                }
            }
            // Data quality: the fields of each row add up to its records; areas to all areas.
            let mut dq: std::collections::HashMap<(u32, &str), [usize; 5]> = std::collections::HashMap::new();
            for (k, q) in p.quality.iter().enumerate().filter(|(_, q)| q.period == period) {
                let truth = [q.records, q.recorded, q.not_stated, q.not_known, q.unrecognised];
                let shown = [q.records_published, q.published[0], q.published[1], q.published[2], q.published[3]];
                let mut vars = [0usize; 5];
                for j in 0..5 {
                    let key = (format!("quality {k} {j}"), q.area, 0, 0);
                    vars[j] = see(&mut a, key, truth[j], shown[j].is_finite().then_some(shown[j]));
                }
                a.sum(vars[0], &vars[1..]);
                dq.insert((q.area, q.field), vars);
            }
            let mut records: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
            for (&(area, _), vars) in &dq {
                match records.get(&area) {
                    Some(&r) => a.sum(r, &[vars[0]]),
                    None => { records.insert(area, vars[0]); }
                }
            }
            let all = levelfield_profile::compute::ALL_AREAS;
            for (&(area, field), total) in dq.iter().filter(|(k, _)| k.0 == all) {
                let _ = area;
                for j in 0..5 {
                    let parts: Vec<usize> = dq.iter().filter(|(k, _)| k.0 != all && k.1 == field).map(|(_, v)| v[j]).collect();
                    a.sum(total[j], &parts);
                }
            }
            // What the suppression pattern alone implies is the rule's doing (two hidden parts
            // of a total under HES make it at least 2): the attack must not go beyond it.
            let mut pattern: Vec<(f64, f64)> = (0..a.truth.len())
                .map(|v| if rule.hides(a.truth[v]) && a.bounds[v].1 <= rule.suppress_to { rule.range_of(None) } else { (0.0, CAP) })
                .collect();
            propagate(&mut pattern, &a.equations, &a.at_most, 64);
            let mut nodes = 0usize;
            // Witnesses found so far: a count at an end of its range in one needs no search.
            let mut seen: Vec<Vec<f64>> = vec![a.truth.clone()];
            for &(v, (lo, hi)) in &protected {
                let (lo, hi) = (lo.max(pattern[v].0), hi.min(pattern[v].1));
                let mut reach = |range: (f64, f64)| -> bool {
                    if seen.iter().any(|w| w[v] >= range.0 && w[v] <= range.1) {
                        return true;
                    }
                    let mut b = a.bounds.clone();
                    b[v] = (b[v].0.max(range.0), b[v].1.min(range.1));
                    match (b[v].0 <= b[v].1).then(|| a.witness(b, &mut nodes)).flatten() {
                        Some(w) => {
                            seen.push(w);
                            true
                        }
                        // Out of nodes: undecided, not disclosed (the case is set aside below).
                        None => nodes > NODES,
                    }
                };
                prop_assert!(
                    reach((0.0, lo)) && reach((hi, CAP)),
                    "period {period}: the exact attack narrows count {:?} (true {}) inside {lo}..{hi}: feasible {:?}; audit {:?}",
                    a.vars.iter().find(|&(_, &w)| w == v).map(|(k, _)| k),
                    a.truth[v],
                    (0..30).filter(|&y| a.feasible(v, f64::from(y), &mut nodes)).collect::<Vec<_>>(),
                    p.audit
                );
            }
            prop_assume!(nodes <= NODES, "too large for exhaustive search");
        }
        // The audit is written with every profile, and its inversion checks find nothing.
        let audit = &tables.tables.iter().find(|(s, _)| *s == "disclosure_audit").unwrap().1;
        let checks = audit.numbers("residual").unwrap();
        prop_assert!(!checks.is_empty());
        for (k, r) in p.audit.iter().enumerate() {
            if r.check.starts_with("value inversion") {
                prop_assert_eq!(checks[k], Some(0.0), "{:?}", r);
            }
        }
    }
}

/// The attack is real: the same search pins a hidden count when a profile publishes what it
/// should not (here, a lone small cell beside its exact total).
#[test]
fn the_search_recovers_a_count_an_unprotected_table_gives_away() {
    let mut a = Attack::default();
    let total = a.var(("x".into(), 0, 0, 0), 10.0);
    let small = a.var(("x".into(), 0, 1, 0), 3.0);
    let big = a.var(("x".into(), 0, 1, 1), 7.0);
    a.observe(total, (10.0, 10.0));
    a.observe(small, Rule::NHS_MHA.range_of(None));
    a.observe(big, (7.0, 7.0));
    a.equations
        .push(vec![(total, -1.0), (small, 1.0), (big, 1.0)]);
    let mut nodes = 0;
    assert!(a.feasible(small, 3.0, &mut nodes));
    assert!(!a.feasible(small, 0.0, &mut nodes));
    assert!(!a.feasible(small, 4.0, &mut nodes));
    // Rounded to 5 instead, the total and the big cell leave it anywhere in 0..4 … except
    // where a small total pins it: total 5 (5..7) and a shown 5 (5..7) leave 0..2 only.
    let mut a = Attack::default();
    let total = a.var(("x".into(), 0, 0, 0), 7.0);
    let small = a.var(("x".into(), 0, 1, 0), 2.0);
    let big = a.var(("x".into(), 0, 1, 1), 5.0);
    a.observe(total, Rule::NHS_MHA.range_of(Some(5.0)));
    a.observe(small, Rule::NHS_MHA.range_of(None));
    a.observe(big, Rule::NHS_MHA.range_of(Some(5.0)));
    a.equations
        .push(vec![(total, -1.0), (small, 1.0), (big, 1.0)]);
    assert!(a.feasible(small, 0.0, &mut nodes));
    assert!(!a.feasible(small, 4.0, &mut nodes));
}
