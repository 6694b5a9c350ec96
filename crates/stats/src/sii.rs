//! The slope and relative indices of inequality across ordered quantiles (deprivation deciles),
//! as PHEindicatormethods' `phe_sii` computes them, with Monte Carlo or exact intervals.

use crate::{
    ConfidenceLevel, Interval, StatsError,
    dist::qnorm,
    inequality::RankLine,
    simulation::{NormalStream, percentile_intervals},
};

/// What kind of value the quantiles carry, which decides the scale of the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ValueType {
    /// Any other value (life expectancy, a score): simulated on its own scale.
    Other,
    /// A rate: simulated on the log scale.
    Rate,
    /// A proportion in (0, 1): simulated on the logit scale.
    Proportion,
}

/// How the interval is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalMethod {
    /// Monte Carlo, as `phe_sii`: redraw each quantile's value, refit, take percentiles.
    Simulation {
        /// Number of draws (at least 1,000).
        repetitions: usize,
        /// Seed of the random stream.
        seed: u64,
    },
    /// The exact normal interval, available when SII is linear in the values (value type
    /// `Other`, or rates and proportions without simulation on a transformed scale).
    Exact,
}

/// One quantile's data, in order from most deprived (first) to least deprived (last).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantile {
    /// Population of the quantile.
    pub population: f64,
    /// The indicator value (a proportion in (0, 1) for [`ValueType::Proportion`]).
    pub value: f64,
    /// The spread of the value: its standard error, or its 95 % limits.
    pub spread: Spread,
}

/// A quantile value's uncertainty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spread {
    /// Standard error on the value's own scale.
    StandardError(f64),
    /// 95 % confidence limits on the value's own scale.
    Limits(f64, f64),
}

/// Options of [`slope_index_of_inequality`].
#[derive(Clone, Debug, PartialEq)]
pub struct SiiConfig {
    /// The value type.
    pub value_type: ValueType,
    /// Fit on the log (rates) or logit (proportions) scale and back-transform the end points.
    pub transform: bool,
    /// Scale of SII; a negative multiplier flips SII's sign and inverts RII, as PHE.
    pub multiplier: f64,
    /// Confidence levels.
    pub levels: Vec<ConfidenceLevel>,
    /// How intervals are computed.
    pub interval: IntervalMethod,
    /// Compute intervals for RII as well.
    pub rii_intervals: bool,
}

impl SiiConfig {
    /// Checks the options that do not depend on data.
    ///
    /// # Errors
    /// [`StatsError::Sii`]: `transform` with value type `Other`, fewer than 1,000 repetitions, or
    /// an exact interval for a model that is not linear in the values.
    pub fn validate(&self) -> Result<(), StatsError> {
        if self.transform && self.value_type == ValueType::Other {
            return Err(StatsError::Sii(
                "--transform needs --value-type rate or proportion".into(),
            ));
        }
        if let IntervalMethod::Simulation { repetitions, .. } = self.interval
            && repetitions < 1000
        {
            return Err(StatsError::Sii(format!(
                "{repetitions} repetitions are too few: use 1,000 or more (default 100,000)"
            )));
        }
        if self.interval == IntervalMethod::Exact && self.value_type != ValueType::Other {
            return Err(StatsError::Sii(
                "an exact interval exists only for --value-type other (SII is then linear in the values); use simulation".into(),
            ));
        }
        Ok(())
    }
}

/// The result of [`slope_index_of_inequality`].
#[derive(Clone, Debug, PartialEq)]
pub struct Sii {
    /// Slope index of inequality: fitted value at the least deprived end minus the most deprived
    /// end, times the multiplier.
    pub sii: f64,
    /// Relative index of inequality: fitted value at the least deprived end over the most
    /// deprived end (inverted for a negative multiplier).
    pub rii: f64,
    /// Fitted value at the most deprived end (× |multiplier| when transformed).
    pub intercept: f64,
    /// SII limits per level.
    pub sii_intervals: Vec<Interval>,
    /// RII limits per level (empty unless requested).
    pub rii_intervals: Vec<Interval>,
    /// Monte Carlo standard error of each SII limit per level, `(lower, upper)`, from the spread
    /// of neighbouring order statistics; `None` for exact intervals.
    pub sii_mc_error: Vec<Option<(f64, f64)>>,
}

/// Slope and relative index of inequality of an indicator across ordered quantiles.
///
/// # Method
/// Weighted least squares of the value on the fractional rank of each quantile (weights: the
/// population shares), as PHEindicatormethods' `phe_sii`: rank 0 is the most deprived end, so SII
/// is the fitted difference least − most deprived and RII their ratio. With `transform`, the
/// model is fitted to log rates or logit proportions and the two end points back-transformed.
/// Intervals by simulation (redraw each value from a normal with its standard error — on the log
/// or logit scale for rates and proportions — refit, take percentiles, as `phe_sii`) or, for the
/// untransformed linear model of values of type `Other`, exactly: SII is then a linear
/// combination of the values and its interval the normal one.
///
/// # Formula
/// `R_j = Σ_{i<j} p_i + p_j/2`, `σ²_R = Σ p (R − ½)²`, `c_j = p_j (R_j − ½)/σ²_R`;
/// `SII = m·Σ c_j y_j`, `ŷ(0) = Σ p_j y_j − SII/2`, `RII = ŷ(1)/ŷ(0)`; exact
/// `SE(SII) = |m|·√Σ c_j² se_j²`. A standard error from limits is `(U − L)/(2·Φ⁻¹(0.975))`, on the
/// log/logit scale for rates/proportions.
///
/// # References
/// Low, A. & Low, A. (2004). Measuring the gap: quantifying and comparing local health
/// inequalities. *J Public Health* 26, 388–395. PHEindicatormethods 2.1.0 `phe_sii`
/// (R/SII_function.R, R/utils.R); Fingertips technical guidance "Slope index of inequality".
///
/// # Edge cases
/// PHE takes a standard error supplied for a rate or proportion as being on the log or logit
/// scale already; levelfield converts it from the value's own scale by the delta method
/// (`se/y` for rates, `se/(y(1 − y))` for proportions), which is what a user supplying a standard
/// error means. Limits are used as PHE does. Simulation uses levelfield's own random stream
/// (see [`crate::simulation`]), so simulated limits agree with PHE's within Monte Carlo error, not
/// digit for digit. Percentile positions are PHE's: `round(N·(1 − c′))` and `round(N·c′)` of the
/// sorted draws, `c′ = c + (1 − c)/2`.
///
/// # Errors
/// [`StatsError::GroupCount`] for fewer than 5 or more than 100 quantiles;
/// [`StatsError::NegativeDenominator`] for a population that is not positive;
/// [`StatsError::Sii`] for a proportion outside (0, 1), a non-positive rate on a log scale,
/// fewer than 1,000 repetitions, `transform` with value type `Other`, or an exact interval asked
/// for a non-linear model.
pub fn slope_index_of_inequality(
    quantiles: &[Quantile],
    config: &SiiConfig,
) -> Result<Sii, StatsError> {
    let k = quantiles.len();
    if !(5..=100).contains(&k) {
        return Err(StatsError::GroupCount {
            what: "quantiles",
            found: k,
            allowed: "the SII needs between 5 and 100",
        });
    }
    config.validate()?;
    for q in quantiles {
        if !(q.population.is_finite() && q.population > 0.0) {
            return Err(StatsError::NegativeDenominator(q.population));
        }
    }
    // Values and standard errors on the simulation scale.
    let z95 = qnorm(0.975);
    let to_model = |v: f64| -> Result<f64, StatsError> {
        match config.value_type {
            ValueType::Other => Ok(v),
            ValueType::Rate if v > 0.0 => Ok(v.ln()),
            ValueType::Proportion if v > 0.0 && v < 1.0 => Ok((v / (1.0 - v)).ln()),
            ValueType::Rate => Err(StatsError::Sii(format!(
                "rate {v} must be above zero for the log scale"
            ))),
            ValueType::Proportion => Err(StatsError::Sii(format!(
                "proportion {v} must be between 0 and 1 (exclusive)"
            ))),
        }
    };
    let mut model_values = Vec::with_capacity(k);
    let mut model_se = Vec::with_capacity(k);
    for q in quantiles {
        let m = to_model(q.value)?;
        let se = match q.spread {
            Spread::Limits(lo, hi) => (to_model(hi)? - to_model(lo)?) / z95 / 2.0,
            Spread::StandardError(se) => match config.value_type {
                ValueType::Other => se,
                ValueType::Rate => se / q.value,
                ValueType::Proportion => se / (q.value * (1.0 - q.value)),
            },
        };
        if !(se.is_finite() && se >= 0.0) {
            return Err(StatsError::NotFinite {
                what: "standard error",
                value: se,
            });
        }
        model_values.push(m);
        model_se.push(se);
    }

    let total: f64 = quantiles.iter().map(|q| q.population).sum();
    let p: Vec<f64> = quantiles.iter().map(|q| q.population / total).collect();
    let line = RankLine::new(&p);
    let fit = |y: &dyn Fn(usize) -> f64| line.fit(y);
    let m = config.multiplier;
    let back = |v: f64| match config.value_type {
        ValueType::Other => v,
        ValueType::Rate => v.exp(),
        ValueType::Proportion => v.exp() / (1.0 + v.exp()),
    };

    // Point estimates.
    let (sii, rii, intercept) = if config.transform {
        let (slope, at0) = fit(&|j| model_values[j]);
        let (e0, e1) = (back(at0), back(at0 + slope));
        let rii = if m < 0.0 { e0 / e1 } else { e1 / e0 };
        ((e1 - e0) * m, rii, e0 * m.abs())
    } else {
        let (slope, at0) = fit(&|j| quantiles[j].value);
        let rii = (at0 + slope) / at0;
        (m * slope, if m < 0.0 { 1.0 / rii } else { rii }, at0)
    };

    let n_levels = config.levels.len();
    let mut sii_intervals = Vec::with_capacity(n_levels);
    let mut rii_intervals = Vec::new();
    let mut sii_mc_error = Vec::with_capacity(n_levels);
    match config.interval {
        IntervalMethod::Exact => {
            let se = m.abs() * line.slope_se(|j| model_se[j]);
            for l in &config.levels {
                let z = l.z();
                sii_intervals.push(Interval {
                    lower: sii - z * se,
                    upper: sii + z * se,
                });
                sii_mc_error.push(None);
            }
            if config.rii_intervals {
                // Delta method on ln ŷ(1) − ln ŷ(0), both linear in the values.
                let (slope, at0) = fit(&|j| quantiles[j].value);
                let at1 = at0 + slope;
                let se_ln = line.log_ratio_se(at0, at1, |j| model_se[j]);
                for l in &config.levels {
                    let z = l.z();
                    rii_intervals.push(Interval {
                        lower: (rii.ln() - z * se_ln).exp(),
                        upper: (rii.ln() + z * se_ln).exp(),
                    });
                }
            }
        }
        IntervalMethod::Simulation { repetitions, seed } => {
            let mut stream = NormalStream::new(seed);
            let mut slopes = Vec::with_capacity(repetitions);
            let want_rii = config.rii_intervals && !config.transform;
            let mut riis = Vec::with_capacity(if want_rii { repetitions } else { 0 });
            // Slope and fitted value at rank 0 are linear in the simulated values: for draws on
            // the fitting scale (values of type Other, or any transformed model) each draw is the
            // point fit plus Σ coefficient·se·z.
            let linear_draws = config.transform || config.value_type == ValueType::Other;
            let (slope0, at00) = if config.transform {
                fit(&|j| model_values[j])
            } else {
                fit(&|j| quantiles[j].value)
            };
            let cs: Vec<f64> = (0..k).map(|j| line.c[j] * model_se[j]).collect();
            let ds: Vec<f64> = (0..k).map(|j| line.d[j] * model_se[j]).collect();
            let mut draw = vec![0.0; k];
            for _ in 0..repetitions {
                let (mut slope, mut at0);
                if linear_draws {
                    (slope, at0) = (slope0, at00);
                    for j in 0..k {
                        let z = stream.next();
                        slope += cs[j] * z;
                        at0 += ds[j] * z;
                    }
                } else {
                    for (j, d) in draw.iter_mut().enumerate() {
                        *d = back(model_values[j] + model_se[j] * stream.next());
                    }
                    (slope, at0) = line.fit(|j| draw[j]);
                }
                if config.transform {
                    slopes.push(slope);
                } else {
                    slopes.push(slope * m);
                    if want_rii {
                        let r = (at0 + slope) / at0;
                        riis.push(if m < 0.0 { 1.0 / r } else { r });
                    }
                }
            }
            let fractions: Vec<f64> = config.levels.iter().map(|l| l.fraction()).collect();
            let sii_limits = percentile_intervals(&mut slopes, &fractions);
            let rii_limits = if want_rii {
                percentile_intervals(&mut riis, &fractions)
            } else {
                Vec::new()
            };
            let half_t = at00 + slope0 / 2.0;
            for (li, lim) in sii_limits.iter().enumerate() {
                let (lo, hi) = (lim.lower, lim.upper);
                sii_mc_error.push(Some((lim.lower_error, lim.upper_error)));
                if config.transform {
                    // PHE's reconstruction: pivot the simulated slope limits about the fitted
                    // midpoint, then back-transform the end points.
                    let ends = |s: f64| (back(half_t - s / 2.0), back(half_t + s / 2.0));
                    let (i_lo, x1_lo) = ends(lo);
                    let (i_hi, x1_hi) = ends(hi);
                    let (sii_lo, sii_hi) = ((x1_lo - i_lo) * m, (x1_hi - i_hi) * m);
                    sii_intervals.push(Interval {
                        lower: sii_lo.min(sii_hi),
                        upper: sii_lo.max(sii_hi),
                    });
                    if config.rii_intervals {
                        let (r_lo, r_hi) = (x1_lo / i_lo, x1_hi / i_hi);
                        let (r_lo, r_hi) = if m < 0.0 {
                            (1.0 / r_hi, 1.0 / r_lo)
                        } else {
                            (r_lo, r_hi)
                        };
                        rii_intervals.push(Interval {
                            lower: r_lo.min(r_hi),
                            upper: r_lo.max(r_hi),
                        });
                    }
                } else {
                    sii_intervals.push(Interval {
                        lower: lo,
                        upper: hi,
                    });
                    if let Some(r) = rii_limits.get(li) {
                        rii_intervals.push(Interval {
                            lower: r.lower,
                            upper: r.upper,
                        });
                    }
                }
            }
        }
    }
    Ok(Sii {
        sii,
        rii,
        intercept,
        sii_intervals,
        rii_intervals,
        sii_mc_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// METHODS.md dataset O as quintiles.
    fn dataset_o(spread: impl Fn(f64, f64) -> Spread) -> Vec<Quantile> {
        [
            (300.0, 16.0, 0.9),
            (250.0, 13.0, 0.8),
            (200.0, 11.0, 0.7),
            (150.0, 9.0, 0.8),
            (100.0, 8.0, 0.9),
        ]
        .iter()
        .map(|&(n, y, se)| Quantile {
            population: n,
            value: y,
            spread: spread(y, se),
        })
        .collect()
    }

    fn config(value_type: ValueType, transform: bool, interval: IntervalMethod) -> SiiConfig {
        SiiConfig {
            value_type,
            transform,
            multiplier: 1.0,
            levels: vec![ConfidenceLevel::new(0.95).unwrap()],
            interval,
            rii_intervals: true,
        }
    }

    #[test]
    fn linear_sii_of_dataset_o_with_exact_interval() {
        let q = dataset_o(|_, se| Spread::StandardError(se));
        let s =
            slope_index_of_inequality(&q, &config(ValueType::Other, false, IntervalMethod::Exact))
                .unwrap();
        assert!((s.sii - -10.0952).abs() < 5e-5);
        assert!((s.intercept - 17.4476).abs() < 5e-5);
        assert!((s.rii - 0.42140).abs() < 5e-6);
        assert!((s.sii_intervals[0].lower - -12.906).abs() < 5e-4);
        assert!((s.sii_intervals[0].upper - -7.284).abs() < 5e-4);
    }

    #[test]
    fn simulated_interval_converges_to_the_exact_one() {
        let q = dataset_o(|_, se| Spread::StandardError(se));
        let sim = slope_index_of_inequality(
            &q,
            &config(
                ValueType::Other,
                false,
                IntervalMethod::Simulation {
                    repetitions: 100_000,
                    seed: 1,
                },
            ),
        )
        .unwrap();
        // phe_sii (100k reps, seed 1) gave (−12.914, −7.249), RII (0.3224, 0.5403).
        assert!((sim.sii_intervals[0].lower - -12.906).abs() < 0.05);
        assert!((sim.sii_intervals[0].upper - -7.284).abs() < 0.05);
        assert!((sim.rii_intervals[0].lower - 0.3224).abs() < 0.005);
        assert!((sim.rii_intervals[0].upper - 0.5403).abs() < 0.005);
        let (e_lo, e_hi) = sim.sii_mc_error[0].unwrap();
        assert!(e_lo > 0.0 && e_lo < 0.05 && e_hi > 0.0 && e_hi < 0.05);
    }

    #[test]
    fn logit_sii_of_dataset_o_matches_methods_example() {
        // Limits y ± 1.96 se on the percentage scale, as proportions.
        let q: Vec<Quantile> =
            dataset_o(|y, se| Spread::Limits((y - 1.96 * se) / 100.0, (y + 1.96 * se) / 100.0))
                .into_iter()
                .map(|q| Quantile {
                    value: q.value / 100.0,
                    ..q
                })
                .collect();
        let mut cfg = config(
            ValueType::Proportion,
            true,
            IntervalMethod::Simulation {
                repetitions: 100_000,
                seed: 7,
            },
        );
        cfg.multiplier = 100.0;
        let s = slope_index_of_inequality(&q, &cfg).unwrap();
        assert!((s.sii - -10.364).abs() < 5e-4, "{}", s.sii);
        assert!((s.rii - 0.4311).abs() < 5e-5, "{}", s.rii);
        assert!(
            (s.sii_intervals[0].lower - -13.297).abs() < 0.05,
            "{:?}",
            s.sii_intervals
        );
        assert!(
            (s.sii_intervals[0].upper - -7.473).abs() < 0.05,
            "{:?}",
            s.sii_intervals
        );
    }

    #[test]
    fn negative_multiplier_flips_sii_and_inverts_rii() {
        let q = dataset_o(|_, se| Spread::StandardError(se));
        let mut cfg = config(ValueType::Other, false, IntervalMethod::Exact);
        let plain = slope_index_of_inequality(&q, &cfg).unwrap();
        cfg.multiplier = -1.0;
        let flipped = slope_index_of_inequality(&q, &cfg).unwrap();
        assert!((flipped.sii + plain.sii).abs() < 1e-12);
        assert!((flipped.rii * plain.rii - 1.0).abs() < 1e-12);
    }

    #[test]
    fn refuses_what_phe_refuses() {
        let q = dataset_o(|_, se| Spread::StandardError(se));
        let sim = |reps| IntervalMethod::Simulation {
            repetitions: reps,
            seed: 1,
        };
        assert!(matches!(
            slope_index_of_inequality(
                &q[..4],
                &config(ValueType::Other, false, IntervalMethod::Exact)
            ),
            Err(StatsError::GroupCount { found: 4, .. })
        ));
        let e = slope_index_of_inequality(
            &q[..4],
            &config(ValueType::Other, false, IntervalMethod::Exact),
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "4 quantiles: the SII needs between 5 and 100"
        );
        assert!(slope_index_of_inequality(&q, &config(ValueType::Other, false, sim(999))).is_err());
        assert!(slope_index_of_inequality(&q, &config(ValueType::Other, true, sim(1000))).is_err());
        let mut zero = q.clone();
        zero[2].population = 0.0;
        assert!(
            slope_index_of_inequality(
                &zero,
                &config(ValueType::Other, false, IntervalMethod::Exact)
            )
            .is_err()
        );
    }
}
