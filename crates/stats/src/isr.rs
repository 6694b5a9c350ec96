//! Indirectly standardised ratios and rates: observed events against those expected from
//! reference age-specific rates.

use crate::estimate::{non_negative, positive};
use crate::{ConfidenceLevel, Estimate, Note, StatsError, poisson, proportion::check_multiplier};

/// One-pass summary of a group for indirect standardisation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IsrAccumulator {
    /// Observed events `O = Σx`.
    pub observed: f64,
    /// Expected events `E = Σ n_i·X_i/N_i` from the reference rates `X_i/N_i`.
    pub expected: f64,
    /// Reference events `ΣX_i` over the group's bands (for the reference rate).
    pub reference_events: f64,
    /// Reference population `ΣN_i` over the group's bands (for the reference rate).
    pub reference_population: f64,
    /// Counts that were missing and counted as zero.
    pub n_missing: usize,
}

impl IsrAccumulator {
    /// Adds one age band: `x` local events (missing counts as zero), local population `n`
    /// (missing counts as zero, as PHE's `na.zero`), reference events `x_ref` and population
    /// `n_ref`.
    ///
    /// # Errors
    /// [`StatsError::NegativeNumerator`], [`StatsError::NegativeDenominator`],
    /// [`StatsError::ReferenceDenominator`] when `n_ref ≤ 0`.
    pub fn add(
        &mut self,
        x: Option<f64>,
        n: Option<f64>,
        x_ref: Option<f64>,
        n_ref: f64,
    ) -> Result<(), StatsError> {
        if let Some(x) = x.filter(|x| !non_negative(*x)) {
            return Err(StatsError::NegativeNumerator(x));
        }
        if let Some(n) = n.filter(|n| !non_negative(*n)) {
            return Err(StatsError::NegativeDenominator(n));
        }
        if let Some(x) = x_ref.filter(|x| !non_negative(*x)) {
            return Err(StatsError::NegativeNumerator(x));
        }
        if !positive(n_ref) {
            return Err(StatsError::ReferenceDenominator(n_ref));
        }
        if x.is_none() {
            self.n_missing += 1;
        }
        let x_ref = x_ref.unwrap_or(0.0);
        // Same operation order as PHEindicatormethods' calculate_ISRatio.
        self.expected += x_ref / n_ref * n.unwrap_or(0.0);
        self.observed += x.unwrap_or(0.0);
        self.reference_events += x_ref;
        self.reference_population += n_ref;
        Ok(())
    }

    /// The indirectly standardised ratio `O/E × reference_value` with limits for each level.
    ///
    /// # Method
    /// Observed over expected events; the Poisson limits of `O` (exact below 10, Byar's from 10)
    /// divided by `E`.
    ///
    /// # Formula
    /// `ISR = O/E·r`; limits `O_L/E·r`, `O_U/E·r`, where `r` is 1 or 100.
    ///
    /// # References
    /// Breslow & Day (1987), ch. 2; Fingertips technical guidance "Indirectly standardised
    /// ratios" (published 91344 limits reproduce this exactly); PHEindicatormethods 2.1.0
    /// `calculate_ISRatio`.
    ///
    /// # Edge cases
    /// `O = 0` gives `[0, 3.689/E·r]` at 95 %. `E = 0` withholds everything with a note (PHE
    /// would divide by zero). Observed totals may be supplied separately (see
    /// [`IsrAccumulator::observed`]); missing counts count as zero with a note.
    ///
    /// # Errors
    /// [`StatsError::Multiplier`] for a reference value that is not positive.
    pub fn ratio(
        &self,
        levels: &[ConfidenceLevel],
        reference_value: f64,
    ) -> Result<Estimate, StatsError> {
        check_multiplier(reference_value)?;
        Ok(self.scaled(levels, |v| v / self.expected * reference_value))
    }

    /// The reference rate over the group's bands, the rate that turns an ISR into an
    /// indirectly standardised rate.
    ///
    /// # Method, Formula
    /// `ΣX_ref / ΣN_ref × multiplier` over the bands' reference events and populations.
    ///
    /// # References
    /// PHEindicatormethods 2.1.0 `calculate_ISRate` (`refvalue`).
    ///
    /// # Edge cases
    /// [`IsrAccumulator::add`] refuses a reference population of zero, so this is finite once a
    /// band is added; with no bands it is NaN, and [`IsrAccumulator::rate`] withholds the
    /// estimate (no expected events) rather than use it.
    pub fn reference_rate(&self, multiplier: f64) -> f64 {
        self.reference_events / self.reference_population * multiplier
    }

    /// The indirectly standardised rate: the ratio times the reference rate.
    ///
    /// # Method
    /// As [`IsrAccumulator::ratio`], scaled by the crude reference rate of the group's bands.
    ///
    /// # Formula
    /// `ISRate = O/E·(ΣX/ΣN·m)`; limits likewise.
    ///
    /// # References
    /// PHEindicatormethods 2.1.0 `calculate_ISRate`.
    ///
    /// # Edge cases
    /// As [`IsrAccumulator::ratio`].
    ///
    /// # Errors
    /// [`StatsError::Multiplier`].
    pub fn rate(
        &self,
        levels: &[ConfidenceLevel],
        multiplier: f64,
    ) -> Result<Estimate, StatsError> {
        check_multiplier(multiplier)?;
        let ref_rate = self.reference_rate(multiplier);
        Ok(self.scaled(levels, |v| v / self.expected * ref_rate))
    }

    fn scaled(&self, levels: &[ConfidenceLevel], scale: impl Fn(f64) -> f64) -> Estimate {
        let o = self.observed;
        let method = poisson::method_for(o);
        if !positive(self.expected) {
            return Estimate::withheld(levels.len(), method, Note::ZeroExpected);
        }
        let (intervals, negative_lower) = poisson::mapped_intervals(o, levels, &scale);
        let note = if negative_lower {
            Some(Note::NegativeByarsLower)
        } else {
            (self.n_missing > 0).then_some(Note::MissingCountsAsZero {
                n_missing: self.n_missing,
            })
        };
        Estimate {
            value: Some(scale(o)),
            intervals,
            method,
            note,
        }
    }
}

/// The statistic label PHE writes for a ratio: `indirectly standardised ratio x 100`.
pub fn ratio_label(reference_value: f64) -> String {
    format!(
        "indirectly standardised ratio x {}",
        crate::rate::format_multiplier(reference_value)
    )
}

/// The statistic label PHE writes for a rate: `indirectly standardised rate per 100000`.
pub fn rate_label(multiplier: f64) -> String {
    format!(
        "indirectly standardised rate per {}",
        crate::rate::format_multiplier(multiplier)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_expected_is_withheld() {
        let mut acc = IsrAccumulator::default();
        acc.add(Some(3.0), Some(0.0), Some(10.0), 1000.0).unwrap();
        let e = acc
            .ratio(&[ConfidenceLevel::new(0.95).unwrap()], 1.0)
            .unwrap();
        assert_eq!(e.value, None);
        assert_eq!(e.note, Some(Note::ZeroExpected));
    }

    #[test]
    fn refuses_bad_input() {
        let mut acc = IsrAccumulator::default();
        assert!(acc.add(Some(-1.0), Some(1.0), Some(1.0), 1.0).is_err());
        assert!(acc.add(Some(1.0), Some(-1.0), Some(1.0), 1.0).is_err());
        assert!(acc.add(Some(1.0), Some(1.0), Some(1.0), 0.0).is_err());
    }

    #[test]
    fn ratio_of_observed_equal_expected_is_one() {
        let mut acc = IsrAccumulator::default();
        acc.add(Some(50.0), Some(1000.0), Some(5000.0), 100000.0)
            .unwrap();
        let e = acc
            .ratio(&[ConfidenceLevel::new(0.95).unwrap()], 100.0)
            .unwrap();
        assert!((e.value.unwrap() - 100.0).abs() < 1e-12);
        assert_eq!(ratio_label(100.0), "indirectly standardised ratio x 100");
    }
}
