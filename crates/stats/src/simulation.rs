//! The random stream behind every simulated interval: reproducible standard normal draws from a
//! seed, and the percentile rule PHEindicatormethods uses to read limits off sorted draws.
//!
//! Generator: xoshiro256++ (Blackman & Vigna 2021, *ACM TOMS* 47(4)), seeded from the 64-bit
//! seed by SplitMix64 (`rand_xoshiro`); normals by the ziggurat method (`rand_distr`'s
//! `StandardNormal`; Marsaglia & Tsang 2000, *J Stat Softw* 5(8)). The same seed gives the same
//! draws on every platform and in every run. R's Mersenne-Twister with inversion is not
//! reproduced, so simulated limits agree with PHE's within Monte Carlo error only.

use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::{Xoshiro256PlusPlus, rand_core::SeedableRng};

/// A reproducible stream of standard normal draws.
pub struct NormalStream {
    rng: Xoshiro256PlusPlus,
}

impl NormalStream {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> NormalStream {
        NormalStream {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// An independent stream for item `index` (a group, an area) of a run seeded with `seed`,
    /// so results do not depend on the order or threading in which items are processed.
    pub fn for_item(seed: u64, index: u64) -> NormalStream {
        NormalStream::new(item_seed(seed, index))
    }

    /// The next standard normal draw.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> f64 {
        StandardNormal.sample(&mut self.rng)
    }
}

/// The seed of item `index` (a group, an area) in a run seeded with `seed`: SplitMix64's mixing
/// of the pair, so neighbouring items get unrelated streams.
pub fn item_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs `work` on every item index `0..n` across the machine's cores and returns the results in
/// index order. Items must not depend on each other (each takes its own [`item_seed`]).
pub fn par_map<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    use rayon::prelude::*;
    (0..n).into_par_iter().map(&work).collect()
}

/// The 0-based index of the draw PHE reads as the `q` percentile of `n` sorted draws:
/// `round(n·q)` (R's round, half to even) as a 1-based position, kept within the draws.
pub fn percentile_position(n: usize, q: f64) -> usize {
    (crate::estimate::round_half_even(n as f64 * q) as usize).clamp(1, n) - 1
}

/// Puts the order statistics at `positions` (sorted, distinct) in place, by recursive selection:
/// each step selects the wanted position nearest the middle of the slice, so two clusters of
/// tail positions cost about two passes over the draws instead of one per position.
fn select_positions(values: &mut [f64], positions: &[usize]) {
    if positions.is_empty() || values.is_empty() {
        return;
    }
    let centre = values.len() / 2;
    let (i, &pos) = positions
        .iter()
        .enumerate()
        .min_by_key(|(_, p)| p.abs_diff(centre))
        .expect("not empty");
    values.select_nth_unstable_by(pos, f64::total_cmp);
    let (left, right) = values.split_at_mut(pos);
    select_positions(left, &positions[..i]);
    let shifted: Vec<usize> = positions[i + 1..].iter().map(|p| p - pos - 1).collect();
    select_positions(&mut right[1..], &shifted);
}

/// A percentile interval read off simulated draws, with the Monte Carlo standard error of each
/// limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DrawnInterval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Monte Carlo standard error of the lower limit.
    pub lower_error: f64,
    /// Monte Carlo standard error of the upper limit.
    pub upper_error: f64,
}

/// Percentile intervals at each two-sided level (fractions, e.g. 0.95) from `draws`, by PHE's
/// positions ([`percentile_position`]), with the Monte Carlo standard error of each limit.
/// Reorders `draws` (by selection, not a full sort).
///
/// # Method
/// The limits are order statistics. The rank of the sample `q` quantile among `N` draws is
/// binomial with standard deviation `√(Nq(1 − q))`, so the draws that many places either side
/// span about two Monte Carlo standard errors of the limit.
///
/// # Formula
/// `d = ⌈√(N q (1 − q))⌉`; `MCSE(x₍ₖ₎) = (x₍ₖ₊d₎ − x₍ₖ₋d₎)/2`, positions clamped to the draws.
///
/// # References
/// David, H. A. & Nagaraja, H. N. (2003), *Order Statistics*, 3rd ed., Wiley (distribution-free
/// intervals for quantiles); PHEindicatormethods 2.1.0 `phe_sii` (the percentile positions).
///
/// # Edge cases
/// With few draws the clamped positions make the error an underestimate; with all draws equal
/// it is 0.
pub fn percentile_intervals(draws: &mut [f64], levels: &[f64]) -> Vec<DrawnInterval> {
    let n = draws.len();
    let spots = |q: f64| -> [usize; 3] {
        let pos = percentile_position(n, q);
        let d = ((n as f64) * q * (1.0 - q)).sqrt().ceil() as usize;
        [pos.saturating_sub(d), pos, (pos + d).min(n - 1)]
    };
    let wanted: Vec<[usize; 6]> = levels
        .iter()
        .map(|&c| {
            let cv = c + (1.0 - c) / 2.0;
            let (lo, hi) = (spots(1.0 - cv), spots(cv));
            [lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]]
        })
        .collect();
    let mut positions: Vec<usize> = wanted.iter().flatten().copied().collect();
    positions.sort_unstable();
    positions.dedup();
    select_positions(draws, &positions);
    wanted
        .iter()
        .map(|w| DrawnInterval {
            lower: draws[w[1]],
            upper: draws[w[4]],
            lower_error: (draws[w[2]] - draws[w[0]]) / 2.0,
            upper_error: (draws[w[5]] - draws[w[3]]) / 2.0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_standard() {
        let mut a = NormalStream::new(42);
        let mut b = NormalStream::new(42);
        let xs: Vec<f64> = (0..100_000).map(|_| a.next()).collect();
        assert!(
            xs.iter()
                .zip((0..100_000).map(|_| b.next()))
                .all(|(x, y)| *x == y)
        );
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "mean {mean}, var {var}"
        );
        let mut c = NormalStream::for_item(42, 1);
        let mut d = NormalStream::for_item(42, 2);
        assert_ne!(c.next(), d.next());
    }

    #[test]
    fn selection_equals_sorting() {
        let mut stream = NormalStream::new(5);
        let draws: Vec<f64> = (0..10_000).map(|_| stream.next()).collect();
        let mut sorted = draws.clone();
        sorted.sort_by(f64::total_cmp);
        let mut work = draws.clone();
        let got = percentile_intervals(&mut work, &[0.95, 0.998]);
        assert_eq!(got[0].lower, sorted[percentile_position(10_000, 0.025)]);
        assert_eq!(got[0].upper, sorted[percentile_position(10_000, 0.975)]);
        assert_eq!(got[1].lower, sorted[percentile_position(10_000, 0.001)]);
        let d = (10_000f64 * 0.025 * 0.975).sqrt().ceil() as usize;
        let p = percentile_position(10_000, 0.025);
        assert_eq!(got[0].lower_error, (sorted[p + d] - sorted[p - d]) / 2.0);
        // About 0.027 for the 2.5 % point of 10,000 standard normal draws.
        assert!(got[0].lower_error > 0.015 && got[0].lower_error < 0.045);
    }

    #[test]
    fn par_map_keeps_index_order() {
        let out = par_map(1001, |i| i * 2);
        assert_eq!(out, (0..1001).map(|i| i * 2).collect::<Vec<_>>());
        assert!(par_map(0, |i| i).is_empty());
    }

    #[test]
    fn phe_percentile_positions() {
        assert_eq!(percentile_position(100_000, 0.025), 2499);
        assert_eq!(percentile_position(100_000, 0.975), 97_499);
        assert_eq!(percentile_position(1000, 0.0005), 0);
        assert_eq!(percentile_position(10, 0.25), 1); // round(2.5) = 2 → index 1
    }
}
