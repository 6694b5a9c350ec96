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
