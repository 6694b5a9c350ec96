//! Means with Student's t intervals, accumulated in one pass and mergeable across partitions.

use crate::{ConfidenceLevel, Estimate, Interval, Method, Note, dist::qt};

/// One-pass, mergeable summary of a set of values: count, sum, and the centred sum of squares.
///
/// Merging two accumulators (Chan, Golub & LeVeque's pairwise update) gives the same mean and
/// standard deviation as one pass over all values, up to rounding, so partitions can be
/// summarised separately.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanAccumulator {
    /// Number of values present.
    pub count: u64,
    /// Number of missing values seen.
    pub n_missing: u64,
    /// Sum of the values (PHE's `value_sum`).
    pub sum: f64,
    mean: f64,
    m2: f64,
}

impl MeanAccumulator {
    /// Adds one value; `None` counts as missing.
    pub fn push(&mut self, value: Option<f64>) {
        let Some(x) = value else {
            self.n_missing += 1;
            return;
        };
        self.count += 1;
        self.sum += x;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// An accumulator from a count of values, their sum and the sum of their squares, as a
    /// query engine's built-in `COUNT`, `SUM` aggregates give them.
    ///
    /// # Formula
    /// `mean = S₁/n`, `M₂ = max(S₂ − S₁²/n, 0)`.
    ///
    /// # Edge cases
    /// The textbook formula loses precision when the mean is large relative to the spread
    /// (`S₂` and `S₁²/n` nearly cancel); values such as lengths of stay or scores are far from
    /// that regime. A zero count gives the empty accumulator.
    pub fn from_sums(count: u64, sum: f64, sum_squares: f64) -> MeanAccumulator {
        if count == 0 {
            return MeanAccumulator::default();
        }
        let n = count as f64;
        let mean = sum / n;
        MeanAccumulator {
            count,
            n_missing: 0,
            sum,
            mean,
            m2: (sum_squares - sum * mean).max(0.0),
        }
    }

    /// Combines two accumulators as if all their values had been pushed into one.
    pub fn merge(&mut self, other: &MeanAccumulator) {
        if other.count == 0 {
            self.n_missing += other.n_missing;
            return;
        }
        if self.count == 0 {
            let n_missing = self.n_missing;
            *self = *other;
            self.n_missing += n_missing;
            return;
        }
        let n_a = self.count as f64;
        let n_b = other.count as f64;
        let n = n_a + n_b;
        let delta = other.mean - self.mean;
        self.mean += delta * n_b / n;
        self.m2 += other.m2 + delta * delta * n_a * n_b / n;
        self.count += other.count;
        self.sum += other.sum;
        self.n_missing += other.n_missing;
    }

    /// The sample standard deviation (divisor `n − 1`), or `None` with fewer than two values.
    pub fn standard_deviation(&self) -> Option<f64> {
        (self.count >= 2).then(|| (self.m2 / (self.count - 1) as f64).sqrt())
    }

    /// The mean with a Student's t interval for each level.
    ///
    /// # Method
    /// Sample mean `Σx/n`; interval `mean ± |t_{(1−c)/2, n−1}|·s/√n` with `s` the sample standard
    /// deviation.
    ///
    /// # Formula
    /// `x̄ = Σx/n`, `s² = Σ(x − x̄)²/(n − 1)`, limits `x̄ ∓ t·s/√n`.
    ///
    /// # References
    /// Student (1908). The probable error of a mean. *Biometrika* 6, 1–25.
    /// PHEindicatormethods 2.1.0 `phe_mean`. The centred sums use Welford (1962) /
    /// Chan, Golub & LeVeque (1983), more accurate than the textbook formula for large values.
    ///
    /// # Edge cases
    /// No values: nothing estimated. One value: the mean with no interval (PHE writes NaN limits;
    /// we leave them empty with a note). Any missing value: nothing estimated, with a note — as
    /// PHE, whose `sum` returns NA; we report how many were missing. A constant set gives a
    /// zero-width interval.
    pub fn estimate(&self, levels: &[ConfidenceLevel]) -> Estimate {
        if self.n_missing > 0 {
            return Estimate::withheld(
                levels.len(),
                Method::StudentsT,
                Note::MissingValues {
                    n_missing: self.n_missing as usize,
                },
            );
        }
        if self.count == 0 {
            return Estimate::withheld(
                levels.len(),
                Method::StudentsT,
                Note::MissingValues { n_missing: 0 },
            );
        }
        let n = self.count as f64;
        let value = self.sum / n;
        let Some(sd) = self.standard_deviation() else {
            return Estimate {
                value: Some(value),
                intervals: vec![None; levels.len()],
                method: Method::StudentsT,
                note: Some(Note::SingleValue),
            };
        };
        let intervals = levels
            .iter()
            .map(|&l| {
                let p = (1.0 - l.fraction()) / 2.0;
                let half = qt(p, n - 1.0).abs() * sd / n.sqrt();
                Some(Interval {
                    lower: value - half,
                    upper: value + half,
                })
            })
            .collect();
        Estimate {
            value: Some(value),
            intervals,
            method: Method::StudentsT,
            note: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_sums_equals_pushing_the_values() {
        let values = [3.0, 7.5, 1.25, 9.0, 4.0];
        let mut pushed = MeanAccumulator::default();
        for v in values {
            pushed.push(Some(v));
        }
        let summed =
            MeanAccumulator::from_sums(5, values.iter().sum(), values.iter().map(|v| v * v).sum());
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        let (a, b) = (pushed.estimate(&levels), summed.estimate(&levels));
        assert!((a.value.unwrap() - b.value.unwrap()).abs() < 1e-12);
        let (ia, ib) = (a.intervals[0].unwrap(), b.intervals[0].unwrap());
        assert!((ia.lower - ib.lower).abs() < 1e-12 && (ia.upper - ib.upper).abs() < 1e-12);
        assert_eq!(
            MeanAccumulator::from_sums(0, 0.0, 0.0),
            MeanAccumulator::default()
        );
    }

    #[test]
    fn two_values_match_phe() {
        // PHE reference group "two_values": 1, 2 → 1.5 (−4.853102368087347, 7.853102368087347).
        let mut acc = MeanAccumulator::default();
        acc.push(Some(1.0));
        acc.push(Some(2.0));
        let e = acc.estimate(&[ConfidenceLevel::new(0.95).unwrap()]);
        let ci = e.intervals[0].unwrap();
        assert_eq!(e.value, Some(1.5));
        assert!((ci.lower - -4.853102368087347).abs() < 1e-12);
        assert!((ci.upper - 7.853102368087347).abs() < 1e-12);
    }

    #[test]
    fn merge_equals_one_pass() {
        let xs = [3.5, 1e7 + 0.25, 1e7 - 3.0, 2.0, 7.75, -4.0];
        let mut whole = MeanAccumulator::default();
        xs.iter().for_each(|&x| whole.push(Some(x)));
        let mut a = MeanAccumulator::default();
        let mut b = MeanAccumulator::default();
        xs[..2].iter().for_each(|&x| a.push(Some(x)));
        xs[2..].iter().for_each(|&x| b.push(Some(x)));
        a.merge(&b);
        assert_eq!(a.count, whole.count);
        let (sa, sw) = (
            a.standard_deviation().unwrap(),
            whole.standard_deviation().unwrap(),
        );
        assert!(((sa - sw) / sw).abs() < 1e-12);
    }

    #[test]
    fn missing_and_single() {
        let l = [ConfidenceLevel::new(0.95).unwrap()];
        let mut acc = MeanAccumulator::default();
        acc.push(Some(42.0));
        let e = acc.estimate(&l);
        assert_eq!(
            (e.value, e.intervals[0], e.note),
            (Some(42.0), None, Some(Note::SingleValue))
        );
        acc.push(None);
        assert_eq!(acc.estimate(&l).value, None);
    }
}
