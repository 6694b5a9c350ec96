//! The attacker of a published profile: random small profiles (counts by area, period,
//! ethnicity and sex; a rate, a proportion and a rate sharing the proportion's denominator)
//! go through `profile`, and an attacker who knows the rule and the tables' structure tries to
//! recover counts from everything published — exact integer search over the additive
//! structure (groups to overall rows, areas to all areas, one count shared by two indicators,
//! numerators within denominators) and the inversion of every published value and interval.

use std::path::Path;

use levelfield_profile::{
    Spec,
    compute::ALL_AREAS,
    output,
    plan::plan,
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
    let (request, _) = plan(spec, &columns()).unwrap();
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
        let mut b = self.bounds.clone();
        if y < b[v].0 || y > b[v].1 {
            return false;
        }
        b[v] = (y, y);
        self.search(b, nodes)
    }

    fn search(&self, mut b: Vec<(f64, f64)>, nodes: &mut usize) -> bool {
        *nodes += 1;
        assert!(
            *nodes < 2_000_000,
            "the attack is too large for exhaustive search"
        );
        if !propagate(&mut b, &self.equations, &self.at_most, 200) || b.iter().any(|x| x.0 > x.1) {
            return false;
        }
        let pick = (0..b.len())
            .filter(|&w| b[w].1 > b[w].0)
            .min_by(|&a, &c| (b[a].1 - b[a].0).total_cmp(&(b[c].1 - b[c].0)));
        let Some(w) = pick else {
            // Every count fixed: check the equations exactly.
            return self
                .equations
                .iter()
                .all(|eq| eq.iter().map(|&(x, a)| a * b[x].0).sum::<f64>().abs() < 1e-9)
                && self.at_most.iter().all(|&(x, z)| b[x].0 <= b[z].0);
        };
        let (lo, hi) = b[w];
        let mut y = lo;
        while y <= hi {
            let mut c = b.clone();
            c[w] = (y, y);
            if self.search(c, nodes) {
                return true;
            }
            y += 1.0;
        }
        false
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
        let (text, rule) = [
            ("rule = \"nhs-mha\"", Rule::NHS_MHA),
            ("rule = \"hes-2018\"", Rule::HES_2018),
        ][rule_index];
        let spec = spec(text);
        let (_, layout) = plan(&spec, &columns()).unwrap();
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
        let audit = &tables.tables.iter().find(|(s, _)| *s == "disclosure_audit").unwrap().1;
        let residual = audit.numbers("residual").unwrap();
        prop_assert!(residual.iter().all(|r| *r == Some(0.0)), "the audit reports a residual: {:?}\n{:#?}", p.audit, p.quality);

        // 2. Exact search over the additive structure, period by period.
        let count_of = |i: usize, den: bool| -> &'static str {
            match (spec.indicators[i].id.as_str(), den) {
                ("det", _) => "detentions",
                ("restr", false) => "restrained",
                _ => "inpatients",
            }
        };
        for period in 0..p.periods.len() {
            let mut a = Attack::default();
            let mut pattern_hidden_small: Vec<bool> = Vec::new();
            for e in p.estimates.iter().filter(|e| e.period == period) {
                let mut vs = Vec::new();
                for den in [false, true] {
                    let (truth, published) = if den {
                        if spec.indicators[e.indicator].id != "restr" { continue; }
                        (e.denominator, e.published_denominator)
                    } else {
                        (e.numerator, e.published_numerator)
                    };
                    let Some(truth) = truth else { continue };
                    let v = a.var((count_of(e.indicator, den).into(), e.area, e.dimension, e.group), truth);
                    // A hidden count: the rule's range when it is small (the attacker is told
                    // which hidden counts are small, to be on the safe side), else anything.
                    let seen = match published {
                        Some(x) => rule.range_of(Some(x)),
                        None if rule.hides(truth) => rule.range_of(None),
                        None => (0.0, CAP),
                    };
                    a.observe(v, seen);
                    pattern_hidden_small.resize(a.truth.len(), false);
                    pattern_hidden_small[v] |= published.is_none() && rule.hides(truth);
                    vs.push(v);
                }
                if vs.len() == 2 {
                    a.at_most.push((vs[0], vs[1]));
                }
            }
            // Structure: each dimension's groups add up to the overall row; areas to all areas.
            let keys: Vec<(String, u32, usize, usize)> = a.vars.keys().cloned().collect();
            let names: std::collections::BTreeSet<String> = keys.iter().map(|k| k.0.clone()).collect();
            let mut areas: Vec<u32> = (0..p.areas.len() as u32).collect();
            areas.push(ALL_AREAS);
            for name in &names {
                let get = |ar: u32, d: usize, g: usize| a.vars.get(&(name.clone(), ar, d, g)).copied();
                let mut eqs = Vec::new();
                for &ar in &areas {
                    let Some(total) = get(ar, 0, 0) else { continue };
                    for d in 1..p.groups.len() {
                        let parts: Vec<usize> = (0..p.groups[d].len()).filter_map(|g| get(ar, d, g)).collect();
                        let mut eq = vec![(total, -1.0)];
                        eq.extend(parts.iter().map(|&x| (x, 1.0)));
                        eqs.push(eq);
                    }
                }
                for d in 0..p.groups.len() {
                    for g in 0..p.groups[d].len().max(1) {
                        let Some(total) = get(ALL_AREAS, d, g) else { continue };
                        let parts: Vec<usize> = areas[..areas.len() - 1].iter().filter_map(|&ar| get(ar, d, g)).collect();
                        let mut eq = vec![(total, -1.0)];
                        eq.extend(parts.iter().map(|&x| (x, 1.0)));
                        eqs.push(eq);
                    }
                }
                for eq in eqs {
                    // The structure holds for these data by construction; check it does.
                    let sum: f64 = eq.iter().map(|&(x, c)| c * a.truth[x]).sum();
                    prop_assert!(sum.abs() < 1e-9, "structure does not hold");
                    a.equations.push(eq);
                }
            }
            // What the suppression pattern alone implies (hidden counts in the rule's range,
            // shown ones unknown): with zeros published, two hidden parts make a total of at
            // least 2 — the rule's own doing, not the published figures'.
            let mut pattern: Vec<(f64, f64)> = (0..a.truth.len())
                .map(|v| if pattern_hidden_small[v] { rule.range_of(None) } else { (0.0, CAP) })
                .collect();
            propagate(&mut pattern, &a.equations, &a.at_most, 200);
            let mut nodes = 0;
            for v in 0..a.truth.len() {
                let (lo, hi) = rule.protection(a.truth[v]);
                let (lo, hi) = (lo.max(pattern[v].0), hi.min(pattern[v].1));
                for y in [lo, hi] {
                    if y != a.truth[v] {
                        prop_assert!(
                            a.feasible(v, y, &mut nodes),
                            "period {period}: count {:?} (true {}) proven not to be {y}; its protection range is {lo}..{hi}",
                            keys.iter().find(|k| a.vars[*k] == v).unwrap(), a.truth[v]
                        );
                    }
                }
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
