//! Directly standardised rates with Dobson's interval, for independent events or for people with
//! several events each.

use crate::estimate::{non_negative, positive};
use crate::{
    ConfidenceLevel, Estimate, Method, Note, StatsError, poisson, proportion::check_multiplier,
};

/// A DSR from fewer events than this is not published (value and limits withheld).
pub const MIN_EVENTS: f64 = 10.0;

/// One age band (stratum) of a directly standardised rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stratum {
    /// Events in the band: `x`, or `Σ_f f·x_f` when `x_f` people had `f` events each.
    pub events: f64,
    /// The Poisson variance of the events: equal to `events` for independent events, `Σ_f f²·x_f`
    /// when people had several events each.
    pub events_variance: f64,
    /// Population of the band.
    pub population: f64,
    /// Standard population weight of the band.
    pub standard_population: f64,
}

impl Stratum {
    /// A band of independent events: `x` events in population `n`, standard weight `w`.
    pub fn independent(x: f64, n: f64, w: f64) -> Stratum {
        Stratum {
            events: x,
            events_variance: x,
            population: n,
            standard_population: w,
        }
    }
}

/// One-pass summary of the strata of one group: the weighted sums a DSR and its variance need.
/// Adding strata in any order gives the same result up to rounding.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DsrAccumulator {
    /// Total events `Σx`.
    pub total_count: f64,
    /// Total population `Σn`.
    pub total_pop: f64,
    /// `Σ w`.
    pub total_standard_population: f64,
    /// `Σ x·w/n`.
    weighted_events: f64,
    /// `Σ v·(w/n)²`.
    weighted_variance: f64,
    /// Counts that were missing and counted as zero.
    pub n_missing: usize,
    /// True when the variance is adjusted for non-independent events: labels the method
    /// [`Method::DobsonNonIndependent`]. [`DsrAccumulator::add`] sets it for any stratum whose
    /// variance differs from its count; set it yourself when events were declared
    /// non-independent but every person happened to have one event.
    pub non_independent: bool,
}

impl DsrAccumulator {
    /// Adds one stratum after checking it.
    ///
    /// # Errors
    /// [`StatsError::NegativeNumerator`] for negative events, [`StatsError::NonPositiveDenominator`]
    /// for a population that is not positive, [`StatsError::NegativeStandardPopulation`].
    pub fn add(&mut self, stratum: Stratum) -> Result<(), StatsError> {
        let Stratum {
            events,
            events_variance,
            population,
            standard_population: w,
        } = stratum;
        if !non_negative(events) {
            return Err(StatsError::NegativeNumerator(events));
        }
        if !positive(population) {
            return Err(StatsError::NonPositiveDenominator(population));
        }
        if !non_negative(w) {
            return Err(StatsError::NegativeStandardPopulation(w));
        }
        // Same operation order as PHEindicatormethods' dsr_inner.
        self.weighted_events += events * w / population;
        self.weighted_variance += events_variance * (w / population).powi(2);
        self.total_count += events;
        self.total_pop += population;
        self.total_standard_population += w;
        self.non_independent |= events_variance != events;
        Ok(())
    }

    /// Records a stratum whose count was missing: it counts as zero events (as PHE does) and the
    /// estimate's note says how many there were.
    ///
    /// # Errors
    /// As [`DsrAccumulator::add`] for the population and weight.
    pub fn add_missing_count(&mut self, population: f64, w: f64) -> Result<(), StatsError> {
        self.add(Stratum::independent(0.0, population, w))?;
        self.n_missing += 1;
        Ok(())
    }

    /// The directly standardised rate with Dobson's interval for each level.
    ///
    /// # Method
    /// Direct standardisation: the age-specific rates weighted by a standard population. The
    /// interval is Dobson's: the Poisson limits of the total count (exact below 10, Byar's from
    /// 10; only totals ≥ 10 are published, so Byar's in practice) scaled onto the DSR by its
    /// standard error. For people with several events, the variance of band `i` is
    /// `Σ_f f²·x_{f,i}` instead of the count (the "non-independent events" adjustment).
    ///
    /// # Formula
    /// `DSR = Σ(x_i·w_i/n_i)/Σw_i·m`, `var = Σ v_i·(w_i/n_i)² / (Σw_i)²`,
    /// `L, U = DSR + √(var/O)·(O_{L,U} − O)·m` with `O = Σx_i` and `O_{L,U}` the Poisson limits of `O`.
    ///
    /// # References
    /// Dobson, A. J., Kuulasmaa, K., Eberle, E. & Scherer, J. (1991). Confidence intervals for
    /// weighted sums of Poisson parameters. *Stat Med* 10, 457–462.
    /// Fingertips technical guidance "Directly standardised rates".
    /// PHEindicatormethods 2.1.0 `calculate_dsr` (with `independent_events = FALSE`).
    ///
    /// # Edge cases
    /// A total below [`MIN_EVENTS`] (10) withholds value and limits with a note (PHE writes NA and
    /// the statistic "dsr NA for total count < 10"). The lower limit can be negative when a band
    /// with a tiny population carries most of the variance; we report it as computed, as PHE does.
    /// For non-independent events PHE divides each frequency's variance by the standard
    /// population of only the bands where that frequency occurs; we use the whole group's
    /// standard population, the variance the method defines. The two agree whenever every
    /// frequency has a row for every band (PHE's documented input shape).
    ///
    /// # Errors
    /// [`StatsError::Multiplier`]; [`StatsError::ZeroStandardPopulation`] when the weights sum to 0.
    pub fn estimate(
        &self,
        levels: &[ConfidenceLevel],
        multiplier: f64,
    ) -> Result<Estimate, StatsError> {
        check_multiplier(multiplier)?;
        let method = if self.non_independent {
            Method::DobsonNonIndependent
        } else {
            Method::Dobson
        };
        if self.total_standard_population <= 0.0 {
            return Err(StatsError::ZeroStandardPopulation);
        }
        let missing_note = (self.n_missing > 0).then_some(Note::MissingCountsAsZero {
            n_missing: self.n_missing,
        });
        if self.total_count < MIN_EVENTS {
            return Ok(Estimate::withheld(
                levels.len(),
                method,
                Note::TooFewEvents {
                    total: self.total_count,
                    minimum: MIN_EVENTS,
                },
            ));
        }
        let sum_w = self.total_standard_population;
        let value = self.weighted_events / sum_w * multiplier;
        let var = 1.0 / sum_w.powi(2) * self.weighted_variance;
        let o = self.total_count;
        let scale = (var / o).sqrt();
        // At least MIN_EVENTS (10) events: Byar's lower limit is positive at any usable level.
        let (intervals, _) =
            poisson::mapped_intervals(o, levels, |count| value + scale * (count - o) * multiplier);
        Ok(Estimate {
            value: Some(value),
            intervals,
            method,
            note: missing_note,
        })
    }
}

/// The statistic label PHE writes: `dsr per 100000`, or `dsr NA for total count < 10` when the
/// rate is withheld.
pub fn statistic_label(estimate: &Estimate, multiplier: f64) -> String {
    if matches!(estimate.note, Some(Note::TooFewEvents { .. })) {
        "dsr NA for total count < 10".to_string()
    } else {
        format!("dsr per {}", crate::rate::format_multiplier(multiplier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l95() -> [ConfidenceLevel; 1] {
        [ConfidenceLevel::new(0.95).unwrap()]
    }

    #[test]
    fn fewer_than_ten_events_is_withheld() {
        let mut acc = DsrAccumulator::default();
        acc.add(Stratum::independent(9.0, 1000.0, 5000.0)).unwrap();
        let e = acc.estimate(&l95(), 100000.0).unwrap();
        assert_eq!(e.value, None);
        assert_eq!(statistic_label(&e, 100000.0), "dsr NA for total count < 10");
    }

    #[test]
    fn non_independent_with_single_events_equals_independent() {
        // If everyone had exactly one event, the adjusted variance is the plain one, and the
        // estimate is labelled plain Dobson, not the non-independent method.
        let mut a = DsrAccumulator::default();
        let mut b = DsrAccumulator::default();
        for (x, n, w) in [(12.0, 1000.0, 5000.0), (30.0, 2500.0, 6000.0)] {
            a.add(Stratum::independent(x, n, w)).unwrap();
            b.add(Stratum {
                events: x,
                events_variance: x * 1.0,
                population: n,
                standard_population: w,
            })
            .unwrap();
        }
        let (ea, eb) = (
            a.estimate(&l95(), 1e5).unwrap(),
            b.estimate(&l95(), 1e5).unwrap(),
        );
        assert_eq!(ea.intervals, eb.intervals);
        assert_eq!((ea.method, eb.method), (Method::Dobson, Method::Dobson));
    }

    #[test]
    fn repeated_events_widen_the_interval() {
        let mut single = DsrAccumulator::default();
        let mut repeat = DsrAccumulator::default();
        // 40 events from 40 people, versus 40 events from 20 people with 2 each.
        single
            .add(Stratum::independent(40.0, 10000.0, 1.0))
            .unwrap();
        repeat
            .add(Stratum {
                events: 40.0,
                events_variance: 20.0 * 4.0,
                population: 10000.0,
                standard_population: 1.0,
            })
            .unwrap();
        let (s, r) = (
            single.estimate(&l95(), 1e5).unwrap(),
            repeat.estimate(&l95(), 1e5).unwrap(),
        );
        assert_eq!(s.value, r.value);
        let (si, ri) = (s.intervals[0].unwrap(), r.intervals[0].unwrap());
        assert!(ri.upper - ri.lower > si.upper - si.lower);
        // The width scales with √(variance/events) = √2.
        let ratio = (ri.upper - ri.lower) / (si.upper - si.lower);
        assert!((ratio - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(r.method, Method::DobsonNonIndependent);
    }

    #[test]
    fn non_independent_variance_uses_the_whole_standard_population() {
        // Bands (n, w); people with 1 event in every band, with 2 events in bands 1 and 2 only.
        let bands = [(1000.0, 5000.0), (2000.0, 6000.0), (1500.0, 4000.0)];
        let once = [10.0, 20.0, 15.0];
        let twice = [3.0, 4.0, 0.0];
        let mut acc = DsrAccumulator::default();
        for i in 0..3 {
            let (n, w) = bands[i];
            acc.add(Stratum {
                events: once[i] + 2.0 * twice[i],
                events_variance: once[i] + 4.0 * twice[i],
                population: n,
                standard_population: w,
            })
            .unwrap();
        }
        let e = acc.estimate(&l95(), 1e5).unwrap();
        // By hand: DSR = Σ E·w/n / Σw = 204/15000; var = Σ V·(w/n)² / Σw².
        assert!((e.value.unwrap() - 204.0 / 15000.0 * 1e5).abs() < 1e-9);
        let var: f64 = (0..3)
            .map(|i| (once[i] + 4.0 * twice[i]) * (bands[i].1 / bands[i].0).powi(2))
            .sum::<f64>()
            / 15000f64.powi(2);
        let o = 59.0;
        let level = ConfidenceLevel::new(0.95).unwrap();
        let lower = e.value.unwrap()
            + (var / o).sqrt() * (poisson::byars_lower(o, level).unwrap() - o) * 1e5;
        assert!((e.intervals[0].unwrap().lower - lower).abs() < 1e-9);
        // PHE divides the 2-event variance by the standard population of bands 1–2 only
        // (11,000, not 15,000), which widens this interval: the two differ here.
        let phe_var = (0..3)
            .map(|i| once[i] * (bands[i].1 / bands[i].0).powi(2))
            .sum::<f64>()
            / 15000f64.powi(2)
            + 4.0
                * (0..2)
                    .map(|i| twice[i] * (bands[i].1 / bands[i].0).powi(2))
                    .sum::<f64>()
                / 11000f64.powi(2);
        assert!(
            phe_var > var * 1.05,
            "PHE's variance {phe_var} vs ours {var}"
        );
        // And our lower limit is the whole-population one, not PHE's.
        let phe_lower = e.value.unwrap()
            + (phe_var / o).sqrt() * (poisson::byars_lower(o, level).unwrap() - o) * 1e5;
        assert!(e.intervals[0].unwrap().lower - phe_lower > 1e-6 * e.value.unwrap());
    }

    #[test]
    fn refuses_bad_strata() {
        let mut acc = DsrAccumulator::default();
        assert!(acc.add(Stratum::independent(-1.0, 10.0, 1.0)).is_err());
        assert!(acc.add(Stratum::independent(1.0, 0.0, 1.0)).is_err());
        assert!(acc.add(Stratum::independent(1.0, 10.0, -1.0)).is_err());
    }
}
