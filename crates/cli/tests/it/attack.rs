//! The attacker of published profiles, end to end: synthetic events (`synth --seed 7`) through
//! `levelfield profile` with the synthetic spec and the built-in `triple-barrier` and `pcref`.
//! The attacker reads only the folder's tables and the spec; the true counts come from the
//! same spec run under rule `none`, to say what must stay protected. Rows: 20,000 in the suite;
//! `LEVELFIELD_ATTACK_ROWS=1000000` (see `scripts/attack-synth.sh`) for the full-size run.

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
};

use levelfield_profile::{Spec, spec::Statistic};
use levelfield_stats::{
    ConfidenceLevel,
    disclosure::{Rule, propagate},
    dist::qt,
    poisson, proportion, rate,
};

use crate::support::{number, read_csv, run_ok};

type Csv = Vec<HashMap<String, String>>;

/// What the attacker got.
#[derive(Debug, Default)]
struct Found {
    /// Counts whose provable range is narrower than their protection range.
    narrowed: usize,
    /// Counts the structure was checked for.
    counts: usize,
    /// Values or intervals that invert to a count other than the published one.
    inverted: usize,
    /// Values and intervals inverted.
    values: usize,
}

fn rows() -> u32 {
    std::env::var("LEVELFIELD_ATTACK_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn key(r: &HashMap<String, String>) -> (String, String, String, String, String) {
    (
        r["indicator_id"].clone(),
        r["area_code"].clone(),
        r["period"].clone(),
        r["dimension"].clone(),
        r["group_code"].clone(),
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

/// Every whole count in `rule.range_of(published)`.
fn candidates(rule: &Rule, published: f64) -> Vec<f64> {
    let (lo, hi) = rule.range_of(Some(published));
    let mut v = Vec::new();
    let mut y = lo;
    while y <= hi {
        v.push(y);
        y += 1.0;
    }
    v
}

/// Inverts every published value and interval of `values` (the published counts from
/// `published`, the values from `values`: the same folder, or values from the true counts to
/// show the attack works).
fn invert(spec: &Spec, rule: &Rule, published: &Csv, values: &Csv, found: &mut Found) {
    let by_key: HashMap<_, _> = values.iter().map(|r| (key(r), r)).collect();
    let level = |c: f64| ConfidenceLevel::new(c).unwrap();
    let levels = [level(0.95)];
    for r in published {
        let Some(v) = by_key.get(&key(r)) else {
            continue;
        };
        let Some(ind) = spec.indicators.iter().find(|i| i.id == r["indicator_id"]) else {
            continue;
        };
        let (Some(value), Some(x)) = (number(&v["value"]), number(&r["numerator"])) else {
            continue;
        };
        let m = ind.multiplier();
        let (lo, hi) = (number(&v["lower_ci_95_0"]), number(&v["upper_ci_95_0"]));
        found.values += 1;
        let pinned_other = |k: f64| (k - k.round()).abs() < 1e-6 && (k.round() - x).abs() > 0.5;
        match ind.statistic {
            Statistic::Rate => {
                let Some(n) = number(&r["denominator"]) else {
                    continue;
                };
                // Rate × population ÷ multiplier.
                let mut leak = pinned_other(value * n / m);
                // The interval on its own: which counts give exactly these limits?
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    leak |= candidates(rule, x).into_iter().any(|y| {
                        (y - x).abs() > 0.5
                            && rate::crude_rate(y, n, &levels, m).is_ok_and(|e| {
                                e.intervals[0]
                                    .is_some_and(|i| close(i.lower, lo) && close(i.upper, hi))
                            })
                    });
                }
                found.inverted += usize::from(leak);
            }
            Statistic::Proportion => {
                let Some(n) = number(&r["denominator"]) else {
                    continue;
                };
                let mut leak = pinned_other(value * n / m);
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    // Wilson inverted over every (count, denominator) the published pair allows.
                    for y in candidates(rule, x) {
                        for d in candidates(rule, n) {
                            if y > d || ((y - x).abs() < 0.5 && (d - n).abs() < 0.5) {
                                continue;
                            }
                            let w = proportion::wilson_interval(y, d, levels[0]);
                            leak |= close(w.lower * m, lo) && close(w.upper * m, hi);
                        }
                    }
                }
                found.inverted += usize::from(leak);
            }
            Statistic::Dsr | Statistic::Isr => {
                // Dobson: (U − D) ÷ (D − L) depends on the total count alone; Byar/exact for
                // ratios: U ÷ L does.
                let (Some(lo), Some(hi)) = (lo, hi) else {
                    continue;
                };
                let target = if ind.statistic == Statistic::Dsr {
                    (hi - value) / (value - lo)
                } else {
                    hi / lo
                };
                let matches: Vec<f64> = (1..=(3.0 * x + 30.0) as u32)
                    .map(f64::from)
                    .filter(|&o| {
                        let (l, u) = poisson::count_interval(o, levels[0]);
                        let Some(l) = l.filter(|l| *l > 0.0) else {
                            return false;
                        };
                        let r = if ind.statistic == Statistic::Dsr {
                            (u - o) / (o - l)
                        } else {
                            u / l
                        };
                        close(r, target)
                    })
                    .collect();
                let base = rule.round_to.max(1.0);
                found.inverted +=
                    usize::from(matches.len() == 1 && (matches[0] / base).fract() != 0.0);
            }
            Statistic::Mean => {
                // The ratio of the 95 % and 99.8 % half-widths is a ratio of t quantiles in n.
                let (Some(hi), Some(hi8)) = (hi, number(&v["upper_ci_99_8"])) else {
                    continue;
                };
                let target = (hi - value) / (hi8 - value);
                let matches: Vec<f64> = (2..=(3.0 * x + 30.0) as u32)
                    .map(f64::from)
                    .filter(|&n| close(qt(0.025, n - 1.0) / qt(0.001, n - 1.0), target))
                    .collect();
                found.inverted += usize::from(matches.len() == 1 && (matches[0] - x).abs() > 0.5);
            }
        }
    }
}

/// Data quality's percentage × records ÷ 100 against the published recorded count.
fn invert_quality(published: &Csv, values: &Csv, found: &mut Found) {
    let k = |r: &HashMap<String, String>| {
        (
            r["area_code"].clone(),
            r["period"].clone(),
            r["field"].clone(),
        )
    };
    let by_key: HashMap<_, _> = values.iter().map(|r| (k(r), r)).collect();
    for r in published {
        let Some(v) = by_key.get(&k(r)) else { continue };
        let (Some(pct), Some(records), Some(recorded)) = (
            number(&v["percent_recorded"]),
            number(&r["records"]),
            number(&r["recorded"]),
        ) else {
            continue;
        };
        found.values += 1;
        let back = pct * records / 100.0;
        found.inverted += usize::from(
            (back - back.round()).abs() < 1e-6 && (back.round() - recorded).abs() > 0.5,
        );
    }
}

/// A count the tables speak of: (count, area, dimension, group).
type Place = (String, String, String, String);

/// One period's counts as the attacker sees them.
#[derive(Default)]
struct Period {
    vars: HashMap<Place, usize>,
    bounds: Vec<(f64, f64)>,
    truth: Vec<f64>,
    equations: Vec<Vec<(usize, f64)>>,
    at_most: Vec<(usize, usize)>,
}

impl Period {
    fn var(&mut self, k: Place, truth: f64) -> usize {
        let n = self.truth.len();
        let v = *self.vars.entry(k).or_insert(n);
        if v == n {
            self.truth.push(truth);
            self.bounds.push((0.0, f64::INFINITY));
        }
        v
    }
    fn see(&mut self, v: usize, (lo, hi): (f64, f64)) {
        self.bounds[v].0 = self.bounds[v].0.max(lo);
        self.bounds[v].1 = self.bounds[v].1.min(hi);
    }
    fn holds(&self, total: usize, parts: &[usize]) -> bool {
        let sum: f64 = parts.iter().map(|&p| self.truth[p]).sum();
        !parts.is_empty() && (sum - self.truth[total]).abs() < 1e-6
    }
    fn equation(&mut self, total: usize, parts: &[usize]) {
        if self.holds(total, parts) {
            let mut eq = vec![(total, -1.0)];
            eq.extend(parts.iter().map(|&p| (p, 1.0)));
            self.equations.push(eq);
        }
    }
}

/// The additive attack: one system per period over every count the tables speak of, with the
/// equations the tables' structure gives — and those an attacker could guess: two indicators'
/// counts that are equal everywhere, data quality's counts equal to an indicator's — each
/// count's provable range against its protection range.
fn structure(
    spec: &Spec,
    rule: &Rule,
    published: &Csv,
    truth: &Csv,
    quality: (&Csv, &Csv),
    total_code: &str,
    found: &mut Found,
) {
    let truth_of: HashMap<_, _> = truth.iter().map(|r| (key(r), r)).collect();
    let prior = |published: Option<f64>, truth: f64| match published {
        Some(v) => rule.range_of(Some(v)),
        // Told which hidden counts are small, to be on the safe side.
        None if rule.hides(truth) => rule.range_of(None),
        None => (0.0, f64::INFINITY),
    };
    // Families by condition; then families with the same counts everywhere merged.
    let family = |id: &str, den: bool| -> String {
        let ind = spec.indicators.iter().find(|i| i.id == id).unwrap();
        match (ind.statistic, den) {
            (_, true) => format!("count {:?}", ind.denominator),
            (Statistic::Mean, _) => format!("values of {:?}", ind.value),
            _ => format!("count {:?}", ind.numerator),
        }
    };
    let mut counts: BTreeMap<String, HashMap<(String, String, String, String), f64>> =
        BTreeMap::new();
    for r in truth {
        for den in [false, true] {
            let col = if den { "denominator" } else { "numerator" };
            let ind = spec
                .indicators
                .iter()
                .find(|i| i.id == r["indicator_id"])
                .unwrap();
            if den && ind.statistic != Statistic::Proportion {
                continue;
            }
            if let Some(x) = number(&r[col]) {
                counts
                    .entry(family(&r["indicator_id"], den))
                    .or_default()
                    .insert(
                        (
                            r["period"].clone(),
                            r["area_code"].clone(),
                            r["dimension"].clone(),
                            r["group_code"].clone(),
                        ),
                        x,
                    );
            }
        }
    }
    let names: Vec<String> = counts.keys().cloned().collect();
    let mut alias: HashMap<String, String> = HashMap::new();
    for (b, nb) in names.iter().enumerate() {
        let same = names[..b].iter().find(|na| {
            let (a, c) = (&counts[*na], &counts[nb]);
            !alias.contains_key(*na)
                && a.iter()
                    .all(|(k, x)| c.get(k).map_or(*x == 0.0, |y| y == x))
                && c.iter().all(|(k, y)| a.contains_key(k) || *y == 0.0)
        });
        if let Some(a) = same {
            alias.insert(nb.clone(), a.clone());
        }
    }
    let family = |id: &str, den: bool| -> String {
        let f = family(id, den);
        alias.get(&f).cloned().unwrap_or(f)
    };
    let mut periods: BTreeMap<String, Period> = BTreeMap::new();
    for r in published {
        let Some(t) = truth_of.get(&key(r)) else {
            continue;
        };
        let Some(ind) = spec.indicators.iter().find(|i| i.id == r["indicator_id"]) else {
            continue;
        };
        let p = periods.entry(r["period"].clone()).or_default();
        let place = |f: String| {
            (
                f,
                r["area_code"].clone(),
                r["dimension"].clone(),
                r["group_code"].clone(),
            )
        };
        let Some(x) = number(&t["numerator"]) else {
            continue;
        };
        let v = p.var(place(family(&ind.id, false)), x);
        p.see(v, prior(number(&r["numerator"]), x));
        if ind.statistic == Statistic::Proportion
            && let Some(n) = number(&t["denominator"])
        {
            let d = p.var(place(family(&ind.id, true)), n);
            p.see(d, prior(number(&r["denominator"]), n));
            p.at_most.push((v, d));
        }
    }
    // Data quality: records = recorded + not stated + not known + unrecognised, one records
    // count for every field.
    let (q_pub, q_truth) = quality;
    let qk = |r: &HashMap<String, String>| {
        (
            r["area_code"].clone(),
            r["period"].clone(),
            r["field"].clone(),
        )
    };
    let q_truth: HashMap<_, _> = q_truth.iter().map(|r| (qk(r), r)).collect();
    const FIELDS: [&str; 5] = [
        "records",
        "recorded",
        "not_stated",
        "not_known",
        "unrecognised",
    ];
    // (period) → (area, field) → variables.
    let mut dq: BTreeMap<String, Vec<(String, String, [usize; 5])>> = BTreeMap::new();
    for r in q_pub {
        let Some(t) = q_truth.get(&qk(r)) else {
            continue;
        };
        let p = periods.entry(r["period"].clone()).or_default();
        let mut vars = [0; 5];
        for (j, f) in FIELDS.iter().enumerate() {
            let x = number(&t[*f]).unwrap();
            let name = if j == 0 {
                "dq records".to_string()
            } else {
                format!("dq {} {f}", r["field"])
            };
            let v = p.var(
                (name, r["area_code"].clone(), String::new(), String::new()),
                x,
            );
            p.see(v, prior(number(&r[*f]), x));
            vars[j] = v;
        }
        p.equation(vars[0], &vars[1..]);
        dq.entry(r["period"].clone()).or_default().push((
            r["area_code"].clone(),
            r["field"].clone(),
            vars,
        ));
    }
    // Guessed links: a family's overall row equal to records, one of its groups equal to a
    // not-stated or not-known count — kept when they hold in every area and period.
    let mut links: BTreeMap<String, Vec<(String, usize, Vec<usize>)>> = BTreeMap::new();
    for (period, rows) in &dq {
        let p = &periods[period];
        let mut by_area: HashMap<&str, Vec<(&str, [usize; 5])>> = HashMap::new();
        for (area, field, q) in rows {
            by_area.entry(area).or_default().push((field, *q));
        }
        for (place, &v) in &p.vars {
            if place.0.starts_with("dq ") {
                continue;
            }
            for (field, q) in by_area.get(place.1.as_str()).into_iter().flatten() {
                if place.2 == "Overall" {
                    links
                        .entry(format!("{} records", place.0))
                        .or_default()
                        .push((period.clone(), v, vec![q[0]]));
                } else {
                    for (name, parts) in [
                        ("not stated", vec![q[2]]),
                        ("not known", vec![q[3]]),
                        ("not known or unrecognised", vec![q[3], q[4]]),
                    ] {
                        links
                            .entry(format!(
                                "{} {} {} {field} {name}",
                                place.0, place.2, place.3
                            ))
                            .or_default()
                            .push((period.clone(), v, parts));
                    }
                }
            }
        }
    }
    for (_, eqs) in links {
        let holds = eqs
            .iter()
            .all(|(period, total, parts)| periods[period].holds(*total, parts));
        let informative = eqs
            .iter()
            .any(|(period, total, _)| periods[period].truth[*total] > 0.0);
        if holds && informative {
            for (period, total, parts) in eqs {
                periods.get_mut(&period).unwrap().equation(total, &parts);
            }
        }
    }
    for (_, mut p) in periods {
        // Groups add up to the overall row; areas to all areas.
        let keys: Vec<Place> = p.vars.keys().cloned().collect();
        let mut groups: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
        let mut areas: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
        for k in &keys {
            let v = p.vars[k];
            if k.2 != "Overall" && !k.2.is_empty() {
                groups
                    .entry((k.0.clone(), k.1.clone(), k.2.clone()))
                    .or_default()
                    .push(v);
            }
            if k.1 != total_code {
                areas
                    .entry((k.0.clone(), k.2.clone(), k.3.clone()))
                    .or_default()
                    .push(v);
            }
        }
        let overall: HashMap<(&str, &str), usize> = keys
            .iter()
            .filter(|k| k.2 == "Overall")
            .map(|k| ((k.0.as_str(), k.1.as_str()), p.vars[k]))
            .collect();
        for ((f, a, _), parts) in &groups {
            if let Some(&total) = overall.get(&(f.as_str(), a.as_str())) {
                p.equation(total, parts);
            }
        }
        for ((f, d, g), parts) in &areas {
            if let Some(&total) =
                p.vars
                    .get(&(f.clone(), total_code.to_string(), d.clone(), g.clone()))
            {
                p.equation(total, parts);
            }
        }
        let mut b = p.bounds.clone();
        assert!(
            propagate(&mut b, &p.equations, &p.at_most, 64),
            "the published tables contradict the truth"
        );
        for (v, &x) in p.truth.iter().enumerate() {
            let (lo, hi) = rule.protection(x);
            found.counts += 1;
            if b[v].0 > lo + 1e-9 || b[v].1 < hi - 1e-9 {
                found.narrowed += 1;
            }
        }
    }
}

#[test]
fn an_attacker_recovers_nothing_from_synthetic_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("D");
    let n = rows().to_string();
    run_ok(&[
        "synth",
        "--rows",
        &n,
        "--seed",
        "7",
        "--out",
        data.to_str().unwrap(),
    ]);
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profile/specs");
    let rule = Rule::NHS_MHA;
    for name in ["profile.toml", "triple-barrier", "pcref"] {
        let text = if name == "profile.toml" {
            std::fs::read_to_string(data.join(name)).unwrap()
        } else {
            std::fs::read_to_string(specs_dir.join(format!("{name}.toml"))).unwrap()
        };
        let spec = Spec::parse(&text, name, &data).unwrap();
        // The same spec with no rule gives the true counts.
        assert!(
            text.contains("rule = \"nhs-mha\""),
            "{name} publishes under nhs-mha"
        );
        let none = text.replace("rule = \"nhs-mha\"", "rule = \"none\"");
        let none_path = data.join(format!("truth-{name}.toml"));
        std::fs::write(&none_path, none).unwrap();
        let (out, truth) = (
            tmp.path().join(format!("P-{name}")),
            tmp.path().join(format!("T-{name}")),
        );
        let started = std::time::Instant::now();
        let spec_path = data.join(name);
        let mut args = vec![
            "profile",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--fingertips-csv",
        ];
        if name == "profile.toml" {
            args.extend(["--spec", spec_path.to_str().unwrap()]);
        } else {
            args.extend(["--spec", name, "--data", data.to_str().unwrap()]);
        }
        run_ok(&args);
        let seconds = started.elapsed().as_secs_f64();
        run_ok(&[
            "profile",
            "--spec",
            none_path.to_str().unwrap(),
            "--out",
            truth.to_str().unwrap(),
            "--quiet",
        ]);
        let (p_est, t_est) = (
            read_csv(&out.join("estimates.csv")),
            read_csv(&truth.join("estimates.csv")),
        );
        let (p_dq, t_dq) = (
            read_csv(&out.join("data_quality.csv")),
            read_csv(&truth.join("data_quality.csv")),
        );
        let mut found = Found::default();
        invert(&spec, &rule, &p_est, &p_est, &mut found);
        invert_quality(&p_dq, &p_dq, &mut found);
        structure(
            &spec,
            &rule,
            &p_est,
            &t_est,
            (&p_dq, &t_dq),
            &spec.areas.total_code,
            &mut found,
        );
        // The attack is real: values computed from the true counts (as before) beside the
        // same published counts give counts away.
        let mut old = Found::default();
        invert(&spec, &rule, &p_est, &t_est, &mut old);
        invert_quality(&p_dq, &t_dq, &mut old);
        let audit = read_csv(&out.join("disclosure_audit.csv"));
        let residual: f64 = audit.iter().filter_map(|r| number(&r["residual"])).sum();
        let hidden = p_est.iter().filter(|r| r["suppressed"] == "TRUE").count();
        eprintln!(
            "{name}: {} rows, {} estimate rows ({hidden} suppressed), profile {seconds:.1} s; structure: {} of {} counts narrowed; inversion: {} of {} values give a count away (values from true counts: {}); audit residual {residual}; audit: {}",
            n,
            p_est.len(),
            found.narrowed,
            found.counts,
            found.inverted,
            found.values,
            old.inverted,
            audit
                .iter()
                .map(|r| format!(
                    "{} {}/{}/{}",
                    r["check"], r["checked"], r["repaired"], r["residual"]
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        assert!(
            old.inverted > 0,
            "{name}: the inversion attack finds nothing even in values from true counts"
        );
        assert_eq!(
            found.narrowed, 0,
            "{name}: counts narrowed below their protection range"
        );
        assert_eq!(found.inverted, 0, "{name}: values give counts away");
        assert_eq!(residual, 0.0, "{name}: the audit reports a residual");
        for r in &p_est {
            let status = r["status"].as_str();
            assert_eq!(r["suppressed"] == "TRUE", status == "suppressed", "{r:?}");
            if status == "published" {
                assert!(number(&r["value"]).is_some());
            }
        }
    }
}
