//! Assignment of areas to quantiles (deciles, quintiles…) within a group, by PHE's rule, and
//! the sample quantile of a set of values.

use crate::StatsError;

/// Assigns each value a quantile from 1 to `n_quantiles`.
///
/// # Method
/// PHE's small-area method: rank the values (lowest first, or highest first when `invert`),
/// ties sharing the lowest rank, then map rank `r` of `N` values to
/// `q = ⌊(Q + 1) − ⌈(N + 1 − r)/(N/Q)⌉⌋`, with 0 raised to 1.
///
/// # Formula
/// As above, evaluated in the same floating-point order as PHEindicatormethods so that boundary
/// cases fall on the same side.
///
/// # References
/// PHEindicatormethods 2.1.0 `phe_quantile` (R/Quantiles.R); PHE technical guide "Assigning
/// deprivation categories" (2013).
///
/// # Edge cases
/// Missing values get no quantile and do not count towards `N`. When fewer than `n_quantiles`
/// values are present, no value gets a quantile (PHE warns and writes NA). Tied values always
/// share a quantile.
///
/// # Errors
/// [`StatsError::Quantiles`] when `n_quantiles < 2`.
///
/// ```
/// use levelfield_stats::quantile::assign_quantiles;
/// let v: Vec<Option<f64>> = (1..=10).map(|x| Some(x as f64)).collect();
/// let q = assign_quantiles(&v, 5, false).unwrap();
/// assert_eq!(q, vec![Some(1), Some(1), Some(2), Some(2), Some(3), Some(3), Some(4), Some(4), Some(5), Some(5)]);
/// ```
pub fn assign_quantiles(
    values: &[Option<f64>],
    n_quantiles: u32,
    invert: bool,
) -> Result<Vec<Option<u32>>, StatsError> {
    if n_quantiles < 2 {
        return Err(StatsError::Quantiles(n_quantiles));
    }
    let present: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.filter(|x| !x.is_nan())
                .map(|x| (i, if invert { -x } else { x } + 0.0))
        })
        .collect();
    let n = present.len();
    let mut out = vec![None; values.len()];
    if n < n_quantiles as usize {
        return Ok(out);
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| present[a].1.total_cmp(&present[b].1));
    let nq = f64::from(n_quantiles);
    let nf = n as f64;
    let mut rank = 0usize;
    for (pos, &k) in order.iter().enumerate() {
        if pos == 0 || present[k].1 != present[order[pos - 1]].1 {
            rank = pos + 1; // ties.method = "min"
        }
        let q = ((nq + 1.0) - (((nf + 1.0) - rank as f64) / (nf / nq)).ceil()).floor();
        let q = if q == 0.0 { 1.0 } else { q };
        out[present[k].0] = Some(q as u32);
    }
    Ok(out)
}

/// The sample quantile of sorted values at probability `q`.
///
/// # Method
/// R's default (Hyndman and Fan type 7): linear interpolation between the order statistics
/// around position `(n − 1)·q`.
///
/// # Formula
/// `h = (n − 1)q`, `Q(q) = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)` (0-based order statistics).
///
/// # References
/// Hyndman, R. J. & Fan, Y. (1996), Sample quantiles in statistical packages, *The American
/// Statistician* 50, 361–365; R `quantile(type = 7)`.
///
/// # Edge cases
/// `sorted` must be sorted and non-empty (callers check); `q` in `[0, 1]`; one value is every
/// quantile.
pub fn sample_quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_quantiles_equal_r_type_7() {
        // R: quantile(c(1, 2, 3, 4), c(0, .25, .5, .9, 1)) = 1, 1.75, 2.5, 3.7, 4.
        let x = [1.0, 2.0, 3.0, 4.0];
        for (q, r) in [(0.0, 1.0), (0.25, 1.75), (0.5, 2.5), (0.9, 3.7), (1.0, 4.0)] {
            assert!((sample_quantile(&x, q) - r).abs() < 1e-12, "{q}");
        }
        assert_eq!(sample_quantile(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn heavy_ties_match_phe_group_e() {
        // PHE reference group E: 1, 2, 3 four times each, inverted → 7, 4, 1.
        let v: Vec<Option<f64>> = (0..12).map(|i| Some((i % 3 + 1) as f64)).collect();
        let q = assign_quantiles(&v, 10, true).unwrap();
        assert_eq!(&q[..3], &[Some(7), Some(4), Some(1)]);
    }

    #[test]
    fn too_few_values_gives_none() {
        let v = vec![Some(1.0), Some(2.0), None];
        assert_eq!(
            assign_quantiles(&v, 5, false).unwrap(),
            vec![None, None, None]
        );
        assert!(assign_quantiles(&v, 1, false).is_err());
    }
}
