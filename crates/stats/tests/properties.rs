//! Property tests of the statistics core: intervals contain their estimate, widen with the
//! confidence level, and do not depend on the order of strata; accumulators merge exactly.

use levelfield_stats::{
    ConfidenceLevel, Estimate,
    dsr::{DsrAccumulator, Stratum},
    isr::IsrAccumulator,
    life_expectancy::{AgeBand, life_expectancy},
    mean::MeanAccumulator,
    proportion::proportion,
    quantile::assign_quantiles,
    rate::crude_rate,
};
use proptest::prelude::*;

fn levels() -> Vec<ConfidenceLevel> {
    [0.9, 0.95, 0.99, 0.998]
        .iter()
        .map(|&c| ConfidenceLevel::new(c).unwrap())
        .collect()
}

/// lower ≤ value ≤ upper at every level, and each higher level's interval contains the lower's.
fn check_nested(e: &Estimate) {
    let v = e.value.expect("value");
    let mut previous: Option<(f64, f64)> = None;
    for i in e.intervals.iter().flatten() {
        assert!(i.lower <= v && v <= i.upper, "{i:?} does not contain {v}");
        if let Some((lo, hi)) = previous {
            assert!(
                i.lower <= lo && hi <= i.upper,
                "interval {i:?} narrower than ({lo}, {hi})"
            );
        }
        previous = Some((i.lower, i.upper));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn proportion_intervals_nest_and_stay_in_range(n in 1u32..5_000_000, frac in 0.0f64..=1.0, m in prop::sample::select(vec![1.0, 100.0, 1000.0])) {
        let x = (f64::from(n) * frac).floor();
        let e = proportion(x, f64::from(n), &levels(), m).unwrap();
        check_nested(&e);
        for i in e.intervals.iter().flatten() {
            prop_assert!(i.lower >= 0.0 && i.upper <= m * (1.0 + 1e-12));
        }
    }

    #[test]
    fn proportion_intervals_narrow_as_n_grows(k in 1u32..1000, p in 0.01f64..0.99) {
        let l = [ConfidenceLevel::new(0.95).unwrap()];
        let n = f64::from(k) * 10.0;
        let small = proportion((n * p).round(), n, &l, 1.0).unwrap().intervals[0].unwrap();
        let large = proportion((n * p).round() * 4.0, n * 4.0, &l, 1.0).unwrap().intervals[0].unwrap();
        prop_assert!(large.upper - large.lower < small.upper - small.lower);
    }

    #[test]
    fn rate_intervals_nest(x in 0u32..2_000_000, n in 1.0f64..1e9) {
        let e = crude_rate(f64::from(x), n, &levels(), 100000.0).unwrap();
        check_nested(&e);
    }

    #[test]
    fn dsr_does_not_depend_on_strata_order(strata in prop::collection::vec((0u32..500, 1u32..100_000, 0u32..8000), 1..19), seed in any::<u64>()) {
        let mut a = DsrAccumulator::default();
        for &(x, n, w) in &strata {
            a.add(Stratum::independent(f64::from(x), f64::from(n), f64::from(w))).unwrap();
        }
        let mut shuffled = strata.clone();
        // A deterministic permutation from the seed.
        let len = shuffled.len();
        for i in (1..len).rev() {
            shuffled.swap(i, (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize);
        }
        let mut b = DsrAccumulator::default();
        for &(x, n, w) in &shuffled {
            b.add(Stratum::independent(f64::from(x), f64::from(n), f64::from(w))).unwrap();
        }
        prop_assume!(a.total_standard_population > 0.0);
        let (ea, eb) = (a.estimate(&levels(), 1e5).unwrap(), b.estimate(&levels(), 1e5).unwrap());
        match (ea.value, eb.value) {
            (Some(va), Some(vb)) => {
                prop_assert!((va - vb).abs() <= 1e-12 * va.abs().max(1e-300));
                check_nested(&ea);
            }
            (None, None) => {}
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn isr_intervals_nest(bands in prop::collection::vec((0u32..300, 1u32..50_000, 1u32..5000, 100_000u32..5_000_000), 1..19)) {
        let mut acc = IsrAccumulator::default();
        for &(x, n, xr, nr) in &bands {
            acc.add(Some(f64::from(x)), Some(f64::from(n)), Some(f64::from(xr)), f64::from(nr)).unwrap();
        }
        check_nested(&acc.ratio(&levels(), 100.0).unwrap());
        check_nested(&acc.rate(&levels(), 1e5).unwrap());
    }

    #[test]
    fn mean_merge_equals_one_pass(values in prop::collection::vec(-1e6f64..1e6, 2..200), split in 0usize..200) {
        let split = split % values.len();
        let mut whole = MeanAccumulator::default();
        values.iter().for_each(|&v| whole.push(Some(v)));
        let (mut a, mut b) = (MeanAccumulator::default(), MeanAccumulator::default());
        values[..split].iter().for_each(|&v| a.push(Some(v)));
        values[split..].iter().for_each(|&v| b.push(Some(v)));
        a.merge(&b);
        let (ew, em) = (whole.estimate(&levels()), a.estimate(&levels()));
        let (vw, vm) = (ew.value.unwrap(), em.value.unwrap());
        prop_assert!((vw - vm).abs() <= 1e-9 * vw.abs().max(1.0));
        let (iw, im) = (ew.intervals[1].unwrap(), em.intervals[1].unwrap());
        prop_assert!((iw.upper - im.upper).abs() <= 1e-9 * iw.upper.abs().max(1.0));
        check_nested(&ew);
    }

    #[test]
    fn quantiles_are_in_range_monotone_and_order_free(values in prop::collection::vec(prop::option::weighted(0.9, 0u32..50), 10..120), q in 2u32..11) {
        let v: Vec<Option<f64>> = values.iter().map(|x| x.map(f64::from)).collect();
        let out = assign_quantiles(&v, q, false).unwrap();
        let present = v.iter().flatten().count();
        for (i, qi) in out.iter().enumerate() {
            prop_assert_eq!(qi.is_some(), v[i].is_some() && present >= q as usize);
            if let Some(qi) = qi { prop_assert!((1..=q).contains(qi)); }
            for (j, qj) in out.iter().enumerate() {
                if let (Some(a), Some(b), Some(qa), Some(qb)) = (v[i], v[j], qi, qj) {
                    if a < b { prop_assert!(qa <= qb); }
                    if a == b { prop_assert_eq!(qa, qb); }
                }
            }
        }
        // Reversing the input reverses the output.
        let rev: Vec<Option<f64>> = v.iter().rev().copied().collect();
        let out_rev = assign_quantiles(&rev, q, false).unwrap();
        prop_assert_eq!(out_rev, out.iter().rev().copied().collect::<Vec<_>>());
    }

    #[test]
    fn life_expectancy_intervals_contain_the_value(scale in 0.5f64..2.0, pop in 20_000f64..200_000.0) {
        let ages = [0., 1., 5., 10., 15., 20., 25., 30., 35., 40., 45., 50., 55., 60., 65., 70., 75., 80., 85., 90.];
        // Gompertz-like death rates.
        let bands: Vec<AgeBand> = ages.iter().map(|&a| {
            let m = (0.0001 * (0.085f64 * a).exp() * scale).min(0.5);
            AgeBand { start_age: a, deaths: (m * pop).round().max(1.0), population: pop }
        }).collect();
        let out = life_expectancy(&bands, &levels()).unwrap();
        for r in &out {
            if r.estimate.value.is_some() { check_nested(&r.estimate); }
        }
        // Expectancy at birth exceeds that at 90.
        if let (Some(e0), Some(e90)) = (out[0].estimate.value, out[19].estimate.value) {
            prop_assert!(e0 > e90);
        }
    }
}

mod inequality_properties {
    use levelfield_stats::{
        ConfidenceLevel,
        inequality::{
            DimensionType, Group, Polarity, best_group, between_group_variance, distance_measures,
            extreme_pair, gradient_measures, population_attributable, ratio, theil_and_mld,
        },
        sii::{IntervalMethod, Quantile, SiiConfig, Spread, ValueType, slope_index_of_inequality},
    };
    use proptest::prelude::*;

    fn groups(k: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Group>> {
        prop::collection::vec((1.0f64..100.0, 0.1f64..5.0, 100.0f64..100_000.0), k).prop_map(|v| {
            v.into_iter()
                .map(|(value, se, population)| Group {
                    value,
                    se,
                    population,
                })
                .collect()
        })
    }

    /// Every unordered measure as (value, SE) pairs; SE 0 where there is none.
    fn unordered(g: &[Group]) -> Vec<f64> {
        let (a, b) = extreme_pair(g, DimensionType::Unordered, Polarity::Adverse);
        let best = best_group(g, Polarity::Adverse);
        let (par, paf) = population_attributable(g, best, Polarity::Adverse).unwrap();
        let bgv = between_group_variance(g).unwrap();
        let m = distance_measures(g, best, None).unwrap();
        let (ti, mld) = theil_and_mld(g).unwrap();
        let r = ratio(&g[a], &g[b]);
        vec![
            g[a].value - g[b].value,
            r.value,
            r.se.unwrap(),
            par.value,
            par.se.unwrap(),
            paf.value,
            bgv.value,
            bgv.se.unwrap(),
            m.bgsd,
            m.cov,
            m.mdmu,
            m.mdmw,
            m.mdbu,
            m.mdbw,
            m.idisu,
            m.idisw,
            ti.value,
            ti.se.unwrap(),
            mld.value,
            mld.se.unwrap(),
        ]
    }

    fn close(a: &[f64], b: &[f64], rel: f64) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= rel * x.abs().max(y.abs()).max(1e-12))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn unordered_measures_do_not_depend_on_group_order(g in groups(3..9), seed in any::<u64>()) {
            let mut p = g.clone();
            for i in (1..p.len()).rev() {
                p.swap(i, (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize);
            }
            prop_assert!(close(&unordered(&g), &unordered(&p), 1e-9));
        }

        #[test]
        fn relative_measures_do_not_depend_on_scale(g in groups(3..9), scale in 0.01f64..1000.0) {
            let scaled: Vec<Group> = g.iter().map(|x| Group { value: x.value * scale, se: x.se * scale, population: x.population }).collect();
            let pick = |v: Vec<f64>| vec![v[1], v[2], v[5], v[9], v[14], v[15], v[16], v[17], v[18], v[19]];
            prop_assert!(close(&pick(unordered(&g)), &pick(unordered(&scaled)), 1e-9));
            let (a, b) = (gradient_measures(&g, None).unwrap(), gradient_measures(&scaled, None).unwrap());
            prop_assert!(close(&[a.rci.value, a.rci.se.unwrap(), a.rii.value], &[b.rci.value, b.rci.se.unwrap(), b.rii.value], 1e-9));
        }

        #[test]
        fn equal_groups_show_no_inequality(value in 1.0f64..100.0, ses in prop::collection::vec(0.1f64..3.0, 3..9), pops in prop::collection::vec(100.0f64..1e5, 9)) {
            let g: Vec<Group> = ses.iter().zip(&pops).map(|(&se, &population)| Group { value, se, population }).collect();
            let v = unordered(&g);
            let level = 0.95;
            for (i, x) in v.iter().enumerate() {
                let null = if i == 1 { 1.0 } else { 0.0 };
                if ![2, 4, 7, 17, 19].contains(&i) {
                    prop_assert!((x - null).abs() < 1e-9, "measure {i} = {x}");
                }
            }
            let m = gradient_measures(&g, Some((0.0, 100.0))).unwrap();
            for meas in [m.aci, m.rci, m.sii, m.erreygers.unwrap(), m.wagstaff.unwrap()] {
                prop_assert!(meas.value.abs() < 1e-9);
                let (lo, hi) = meas.interval(level).unwrap();
                prop_assert!(lo <= 0.0 && hi >= 0.0);
            }
            prop_assert!((m.rii.value - 1.0).abs() < 1e-9);
            let (lo, hi) = m.rii.interval(level).unwrap();
            prop_assert!(lo <= 1.0 && hi >= 1.0);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn simulated_sii_interval_approaches_the_exact_one(g in groups(5..11), seed in any::<u64>()) {
            let q: Vec<Quantile> = g.iter().map(|x| Quantile { population: x.population, value: x.value, spread: Spread::StandardError(x.se) }).collect();
            let cfg = |interval| SiiConfig { value_type: ValueType::Other, transform: false, multiplier: 1.0, levels: vec![ConfidenceLevel::new(0.95).unwrap()], interval, rii_intervals: false };
            let exact = slope_index_of_inequality(&q, &cfg(IntervalMethod::Exact)).unwrap();
            let sim = slope_index_of_inequality(&q, &cfg(IntervalMethod::Simulation { repetitions: 40_000, seed })).unwrap();
            let (e, s) = (exact.sii_intervals[0], sim.sii_intervals[0]);
            let (err_lo, err_hi) = sim.sii_mc_error[0].unwrap();
            prop_assert!((e.lower - s.lower).abs() <= 5.0 * err_lo + 1e-12, "{e:?} vs {s:?} ± {err_lo}");
            prop_assert!((e.upper - s.upper).abs() <= 5.0 * err_hi + 1e-12, "{e:?} vs {s:?} ± {err_hi}");
        }
    }
}

mod spc_properties {
    use levelfield_stats::{
        simulation::NormalStream,
        spc::{Rule, SpcConfig, spc},
    };

    /// Stable processes raise "outside limits" at about the nominal rate: 0.27 % of points for
    /// normal data with known limits, somewhat more with limits estimated from 30 points.
    #[test]
    fn in_control_series_raise_special_causes_at_about_the_nominal_rate() {
        let mut stream = NormalStream::new(2024);
        let (mut points, mut outside, mut flagged) = (0usize, 0usize, 0usize);
        for _ in 0..4000 {
            let y: Vec<Option<f64>> = (0..30).map(|_| Some(100.0 + 5.0 * stream.next())).collect();
            let chart = spc(&y, None, &SpcConfig::default());
            points += chart.points.len();
            outside += chart
                .points
                .iter()
                .filter(|p| p.rule == Some(Rule::OutsideLimits))
                .count();
            flagged += chart.points.iter().filter(|p| p.rule.is_some()).count();
        }
        let rate = outside as f64 / points as f64;
        assert!((0.001..0.008).contains(&rate), "outside-limits rate {rate}");
        // All four rules together flag a few per cent of in-control points, not a majority.
        let any = flagged as f64 / points as f64;
        assert!(any < 0.1, "special-cause rate {any}");
    }
}

mod funnel_properties {
    use levelfield_stats::funnel::{
        FunnelType, LimitKind, Trim, estimate_overdispersion, funnel_limits, proportion_limit,
    };
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn limits_widen_as_denominators_shrink(
            units in prop::collection::vec((1u32..2000, 0.05f64..0.6), 5..40),
            small in 10.0f64..500.0,
            factor in 1.5f64..50.0,
        ) {
            let n: Vec<f64> = units.iter().map(|u| f64::from(u.0)).collect();
            let o: Vec<f64> = units.iter().map(|u| (f64::from(u.0) * u.1).round()).collect();
            let large = small * factor;
            for kind in [FunnelType::Proportion, FunnelType::RatioLog] {
                // Fewer than two units with events on a log scale: no dispersion estimate to test.
                let Ok(od) = estimate_overdispersion(kind, &o, &n, Trim::Winsorise, 0.1) else { continue };
                for adjust in [LimitKind::Unadjusted, LimitKind::Additive, LimitKind::Multiplicative] {
                    for level in [0.95, 0.998] {
                        let (a, b) = funnel_limits(kind, &od, small, level, adjust);
                        let (c, d) = funnel_limits(kind, &od, large, level, adjust);
                        prop_assert!(a <= c + 1e-12 && d <= b + 1e-12, "{kind:?} {adjust:?}: ({a}, {b}) at {small} vs ({c}, {d}) at {large}");
                    }
                }
            }
            let p = o.iter().sum::<f64>() / n.iter().sum::<f64>();
            let (lo_s, hi_s) = (proportion_limit(0.975, small, p, false, 1.0), proportion_limit(0.975, small, p, true, 1.0));
            let (lo_l, hi_l) = (proportion_limit(0.975, large, p, false, 1.0), proportion_limit(0.975, large, p, true, 1.0));
            prop_assert!(lo_s <= lo_l + 1e-12 && hi_l <= hi_s + 1e-12);
        }
    }
}

mod disclosure_properties {
    use levelfield_stats::disclosure::{Published, Rule, apply, attack};
    use proptest::prelude::*;

    fn tables() -> impl Strategy<Value = Vec<Vec<Option<f64>>>> {
        (2usize..7, 2usize..7).prop_flat_map(|(r, c)| {
            prop::collection::vec(
                prop::collection::vec(
                    prop_oneof![3 => 0u32..10, 2 => 10u32..500].prop_map(|v| Some(f64::from(v))),
                    c,
                ),
                r,
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// An attacker who knows the published table and its margins (exact without rounding,
        /// published under the rule with it) never pins a hidden count down to one value, and no
        /// published count breaks its rule.
        #[test]
        fn no_hidden_count_is_recovered(t in tables()) {
            for rule in [Rule::NHS_MHA, Rule::HES_2018, Rule::custom(5.0, 0.0, false).unwrap()] {
                let published = apply(&t, &rule);
                for (row, prow) in t.iter().zip(&published.cells) {
                    for (v, p) in row.iter().zip(prow) {
                        if let (Some(v), Some(Published::Value(shown))) = (v, p) {
                            prop_assert!(!rule.hides(*v), "{v} published under {rule:?}");
                            if rule.round_to > 0.0 {
                                prop_assert_eq!(shown % rule.round_to, 0.0);
                            }
                        }
                    }
                }
                // A small count is never pinned; a count hidden only to protect another keeps at
                // least the range its own published value would have given.
                for (r, row) in attack(&t, &published, &rule).iter().enumerate() {
                    for (c, b) in row.iter().enumerate() {
                        let Some(b) = b else { continue };
                        match published.cells[r][c] {
                            Some(Published::Primary) => prop_assert!(b.1 - b.0 >= 1.0, "{rule:?}: a hidden cell narrowed to {b:?} in {t:?}"),
                            Some(Published::Secondary) => {
                                let (lo, hi) = rule.protection(t[r][c].unwrap());
                                prop_assert!(b.0 <= lo && b.1 >= hi, "{rule:?}: a secondary cell narrowed to {b:?} in {t:?}");
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}
