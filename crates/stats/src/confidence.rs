//! Confidence levels: validation, the percent form (`95` for 0.95), labels and column names.

use crate::{StatsError, dist::qnorm};

/// A two-sided confidence level in `[0.9, 1)`.
///
/// The range is PHEindicatormethods' (90 % to just under 100 %): below 90 % the Byar and Wilson
/// approximations are not what public-health publications use, and at 100 % every limit is
/// infinite. Any number of levels can be requested together.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct ConfidenceLevel(f64);

impl ConfidenceLevel {
    /// Validates a level given as a fraction (`0.95`) or a percentage (`95`).
    ///
    /// # Errors
    /// [`StatsError::ConfidenceLevel`] when the level is not in `[0.9, 1)` or `[90, 100)`.
    ///
    /// ```
    /// use levelfield_stats::ConfidenceLevel;
    /// assert_eq!(ConfidenceLevel::new(95.0).unwrap(), ConfidenceLevel::new(0.95).unwrap());
    /// assert!(ConfidenceLevel::new(0.5).is_err());
    /// ```
    pub fn new(level: f64) -> Result<ConfidenceLevel, StatsError> {
        let fraction = if level >= 90.0 { level / 100.0 } else { level };
        if fraction.is_finite() && (0.9..1.0).contains(&fraction) {
            Ok(ConfidenceLevel(fraction))
        } else {
            Err(StatsError::ConfidenceLevel(level))
        }
    }

    /// Validates a list of levels: each as in [`ConfidenceLevel::new`], none twice.
    ///
    /// # Errors
    /// As [`ConfidenceLevel::new`], or [`StatsError::DuplicateConfidenceLevel`].
    pub fn list(levels: &[f64]) -> Result<Vec<ConfidenceLevel>, StatsError> {
        let mut out: Vec<ConfidenceLevel> = Vec::with_capacity(levels.len());
        for &level in levels {
            let parsed = ConfidenceLevel::new(level)?;
            if out.contains(&parsed) {
                return Err(StatsError::DuplicateConfidenceLevel(level));
            }
            out.push(parsed);
        }
        Ok(out)
    }

    /// The level as a fraction, e.g. `0.95`.
    pub fn fraction(self) -> f64 {
        self.0
    }

    /// The two-sided normal quantile `z = Φ⁻¹(c + (1 − c)/2)`, computed exactly as PHE does.
    pub fn z(self) -> f64 {
        qnorm(self.0 + (1.0 - self.0) / 2.0)
    }

    /// The label PHE writes, e.g. `95%`, `99.8%`.
    pub fn label(self) -> String {
        format!("{}%", format_percent(self.0))
    }

    /// The column-name suffix: the percentage with one decimal and `_` for the point, e.g. `95_0`,
    /// `99_8` (more decimals are kept when the level has them, e.g. `99_95`).
    pub fn column_suffix(self) -> String {
        let pct = self.0 * 100.0;
        let one_decimal = format!("{pct:.1}");
        let text = if (one_decimal.parse::<f64>().unwrap_or(f64::NAN) - pct).abs() < 1e-9 {
            one_decimal
        } else {
            format_percent(self.0)
        };
        text.replace('.', "_")
    }
}

/// The label for a set of levels, as PHE writes it: `95%, 99.8%`.
pub fn label_levels(levels: &[ConfidenceLevel]) -> String {
    levels
        .iter()
        .map(|l| l.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A percentage without trailing zeros or representation noise: 0.998 → `99.8`.
fn format_percent(fraction: f64) -> String {
    let pct = fraction * 100.0;
    // Round to 10 significant decimals to drop binary noise such as 99.80000000000001.
    let rounded = format!("{pct:.10}");
    let trimmed = rounded.trim_end_matches('0').trim_end_matches('.');
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_suffixes() {
        let c = |x| ConfidenceLevel::new(x).unwrap();
        assert_eq!(c(0.95).label(), "95%");
        assert_eq!(c(0.998).label(), "99.8%");
        assert_eq!(c(99.0).label(), "99%");
        assert_eq!(c(0.95).column_suffix(), "95_0");
        assert_eq!(c(0.998).column_suffix(), "99_8");
        assert_eq!(c(0.9).column_suffix(), "90_0");
        assert_eq!(c(0.9995).column_suffix(), "99_95");
        assert_eq!(label_levels(&[c(0.95), c(0.998)]), "95%, 99.8%");
    }

    #[test]
    fn range_is_enforced() {
        for bad in [0.5, 0.8, 1.0, 50.0, 100.0, 101.0, f64::NAN, -0.95, 89.9] {
            assert!(ConfidenceLevel::new(bad).is_err(), "{bad} accepted");
        }
        for good in [0.9, 0.95, 0.998, 90.0, 95.0, 99.8, 0.9999] {
            assert!(ConfidenceLevel::new(good).is_ok(), "{good} refused");
        }
        assert!(ConfidenceLevel::list(&[0.95, 95.0]).is_err());
    }
}
