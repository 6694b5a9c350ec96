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
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n.max(1));
    if threads <= 1 {
        return (0..n).map(work).collect();
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                scope.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(n))
                        .map(work)
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    })
}

/// The 0-based index of the draw PHE reads as the `q` percentile of `n` sorted draws:
/// `round(n·q)` (R's round, half to even) as a 1-based position, kept within the draws.
pub fn percentile_position(n: usize, q: f64) -> usize {
    let x = n as f64 * q;
    let r = x.round();
    // Half to even, as R's round().
    let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    };
    (r as usize).clamp(1, n) - 1
}

/// Monte Carlo standard error of the sample quantile at `pos` (probability `q`) of sorted draws:
/// half the distance between the order statistics `±√(N q (1 − q))` places away.
pub fn order_statistic_se(sorted: &[f64], pos: usize, q: f64) -> f64 {
    let n = sorted.len();
    let d = ((n as f64) * q * (1.0 - q)).sqrt().ceil() as usize;
    let lo = pos.saturating_sub(d);
    let hi = (pos + d).min(n - 1);
    (sorted[hi] - sorted[lo]) / 2.0
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
