//! Period life expectancy from an abridged life table (Chiang II) with Silcocks' confidence
//! interval, for the 20 age bands PHE uses (0, 1–4, 5–9, …, 85–89, 90+).

use crate::estimate::{non_negative, positive};
use crate::{ConfidenceLevel, Estimate, Interval, Method, Note, StatsError, dist::qnorm};

/// Number of age bands the method is defined for.
pub const N_BANDS: usize = 20;
/// Groups with a total population at or below this are not estimated.
pub const MIN_TOTAL_POPULATION: f64 = 5000.0;

/// One age band of a life table: its start age, deaths and mid-year population.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AgeBand {
    /// First age of the band (0, 1, 5, …, 90).
    pub start_age: f64,
    /// Deaths in the band.
    pub deaths: f64,
    /// Population of the band.
    pub population: f64,
}

/// Life expectancy at the start of one age band.
#[derive(Clone, Debug, PartialEq)]
pub struct LifeExpectancy {
    /// The age the expectancy is measured from.
    pub start_age: f64,
    /// Expected further years of life, with intervals.
    pub estimate: Estimate,
    /// Deaths at this age and above (PHE's `dths_used`).
    pub deaths_used: f64,
    /// Population at this age and above (PHE's `pops_used`).
    pub population_used: f64,
}

/// Life expectancy at each band's start age.
///
/// # Method
/// Chiang's abridged life table ("Chiang II") with the fraction of the last year lived by those
/// dying `a = 0.1` for age 0 and `0.5` otherwise, and the open-ended last band closed by
/// `L = l/M`; variance by Silcocks, Jenner & Reza, with the last band's variance `4/(D·M²)`.
///
/// # Formula
/// With `n_i` the band width, `M_i = D_i/P_i`:
/// `q_i = n_i·M_i/(1 + n_i·M_i·(1 − a_i))` (1 if `D_i > P_i/(n_i·a_i)`), `l_1 = 100000`,
/// `l_{i+1} = l_i(1 − q_i)`, `d_i = l_i − l_{i+1}`, `L_i = n_i(l_{i+1} + a_i·d_i)`, `L_last = l/M`,
/// `T_i = Σ_{j≥i} L_j`, `e_i = T_i/l_i`;
/// `S²p_i = q_i²(1 − q_i)/D_i`, `W_i = S²p_i·l_i²·((1 − a_i)n_i + e_{i+1})²`, `W_last = (l/2)²·4/(D·M²)`,
/// `SE(e_i) = √(Σ_{j≥i} W_j)/l_i`, limits `e_i ∓ z·SE`.
///
/// # References
/// Chiang, C. L. (1984). *The Life Table and its Applications*. Krieger.
/// Silcocks, P. B. S., Jenner, D. A. & Reza, R. (2001). Life expectancy as a summary of mortality
/// in a population: statistical considerations and suitability for use by health authorities.
/// *J Epidemiol Community Health* 55, 38–43. PHEindicatormethods 2.1.0 `phe_life_expectancy`;
/// its unit-test life table (expected values from PHE's life-expectancy calculator) is a test of
/// `levelfield stats life-expectancy` (the command-line reference tests).
///
/// # Edge cases
/// A group is not estimated (every row withheld, with the reason) when it does not have exactly
/// 20 bands, any population is zero or less, any band has more deaths than population, or its
/// total population is 5,000 or less — as PHE. Where the 95 % interval is wider than 20 years
/// the value is withheld; PHE withholds the value but still prints the limits, we withhold both.
///
/// # Errors
/// [`StatsError::AgeBands`] when the youngest band does not start at 0 or a start age appears
/// twice (bands may come in any order); [`StatsError::NegativeNumerator`] for negative deaths.
pub fn life_expectancy(
    bands: &[AgeBand],
    levels: &[ConfidenceLevel],
) -> Result<Vec<LifeExpectancy>, StatsError> {
    let mut bands = bands.to_vec();
    bands.sort_by(|a, b| a.start_age.total_cmp(&b.start_age));
    match bands.first() {
        Some(b) if b.start_age == 0.0 => {}
        Some(b) => {
            return Err(StatsError::AgeBands(format!(
                "the first age band must start at 0, but the youngest starts at {}",
                b.start_age
            )));
        }
        None => return Ok(Vec::new()),
    }
    if let Some(w) = bands.windows(2).find(|w| w[0].start_age == w[1].start_age) {
        return Err(StatsError::AgeBands(format!(
            "age band {} appears more than once",
            w[0].start_age
        )));
    }
    if let Some(b) = bands.iter().find(|b| !non_negative(b.deaths)) {
        return Err(StatsError::NegativeNumerator(b.deaths));
    }

    // Cumulative deaths and population from each band upwards.
    let mut deaths_used = vec![0.0; bands.len()];
    let mut pops_used = vec![0.0; bands.len()];
    let (mut d_acc, mut p_acc) = (0.0, 0.0);
    for i in (0..bands.len()).rev() {
        d_acc += bands[i].deaths;
        p_acc += bands[i].population;
        deaths_used[i] = d_acc;
        pops_used[i] = p_acc;
    }
    let row = |i: usize, estimate: Estimate| LifeExpectancy {
        start_age: bands[i].start_age,
        estimate,
        deaths_used: deaths_used[i],
        population_used: pops_used[i],
    };
    let withhold_all = |why: &'static str| -> Vec<LifeExpectancy> {
        (0..bands.len())
            .map(|i| {
                row(
                    i,
                    Estimate::withheld(levels.len(), Method::ChiangSilcocks, Note::LifeTable(why)),
                )
            })
            .collect()
    };
    if bands.len() != N_BANDS {
        return Ok(withhold_all("the group does not have exactly 20 age bands"));
    }
    if bands.iter().any(|b| !positive(b.population)) {
        return Ok(withhold_all("an age band has a population of zero or less"));
    }
    if bands.iter().any(|b| b.deaths > b.population) {
        return Ok(withhold_all("an age band has more deaths than population"));
    }
    if pops_used[0] <= MIN_TOTAL_POPULATION {
        return Ok(withhold_all("the total population is 5,000 or less"));
    }

    let k = bands.len();
    let m: Vec<f64> = bands.iter().map(|b| b.deaths / b.population).collect();
    let a: Vec<f64> = bands
        .iter()
        .map(|b| if b.start_age == 0.0 { 0.1 } else { 0.5 })
        .collect();
    let n: Vec<f64> = (0..k)
        .map(|i| {
            if i + 1 < k {
                bands[i + 1].start_age - bands[i].start_age
            } else {
                2.0 / m[i]
            }
        })
        .collect();
    let q: Vec<f64> = (0..k)
        .map(|i| {
            let d = bands[i].deaths;
            if d <= bands[i].population / n[i] / a[i] {
                m[i] * n[i] / (1.0 + m[i] * n[i] * (1.0 - a[i]))
            } else {
                1.0
            }
        })
        .collect();
    let mut l = vec![0.0; k];
    l[0] = 1e5;
    for i in 1..k {
        l[i] = l[i - 1] * (1.0 - q[i - 1]);
    }
    let next_l = |i: usize| if i + 1 < k { l[i + 1] } else { 0.0 };
    let big_l: Vec<f64> = (0..k)
        .map(|i| {
            if i + 1 < k {
                n[i] * (l[i + 1] + a[i] * (l[i] - next_l(i)))
            } else {
                l[i] / m[i]
            }
        })
        .collect();
    let mut t = vec![0.0; k];
    let mut acc = 0.0;
    for i in (0..k).rev() {
        acc += big_l[i];
        t[i] = acc;
    }
    let e: Vec<f64> = (0..k)
        .map(|i| if l[i] == 0.0 { 0.0 } else { t[i] / l[i] })
        .collect();
    let spi: Vec<f64> = (0..k)
        .map(|i| {
            let d = bands[i].deaths;
            if i + 1 == k {
                4.0 / (d * m[i].powi(2))
            } else if l[i] - next_l(i) == 0.0 {
                0.0
            } else {
                q[i].powi(2) * (1.0 - q[i]) / d
            }
        })
        .collect();
    let w: Vec<f64> = (0..k)
        .map(|i| {
            if i + 1 < k {
                spi[i] * l[i].powi(2) * ((1.0 - a[i]) * n[i] + e[i + 1]).powi(2)
            } else {
                (l[i] / 2.0).powi(2) * spi[i]
            }
        })
        .collect();
    let z95 = qnorm(0.975);
    let mut st = 0.0;
    let mut out = Vec::with_capacity(k);
    for i in (0..k).rev() {
        st += w[i];
        let se = (st / l[i].powi(2)).sqrt();
        let estimate = if !e[i].is_finite() || !se.is_finite() {
            Estimate::withheld(
                levels.len(),
                Method::ChiangSilcocks,
                Note::LifeTable(
                    "no deaths in the oldest age band, so its life table cannot be closed",
                ),
            )
        } else if z95 * se > 10.0 {
            Estimate::withheld(
                levels.len(),
                Method::ChiangSilcocks,
                Note::WideLifeExpectancyInterval,
            )
        } else {
            let intervals = levels
                .iter()
                .map(|lv| {
                    let z = lv.z();
                    Some(Interval {
                        lower: e[i] - z * se,
                        upper: e[i] + z * se,
                    })
                })
                .collect();
            Estimate {
                value: Some(e[i]),
                intervals,
                method: Method::ChiangSilcocks,
                note: None,
            }
        };
        out.push(row(i, estimate));
    }
    out.reverse();
    Ok(out)
}

/// The statistic label PHE writes: `life expectancy at 65`.
pub fn statistic_label(start_age: f64) -> String {
    format!(
        "life expectancy at {}",
        crate::rate::format_multiplier(start_age)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGES: [f64; 20] = [
        0., 1., 5., 10., 15., 20., 25., 30., 35., 40., 45., 50., 55., 60., 65., 70., 75., 80., 85.,
        90.,
    ];

    #[test]
    fn refuses_a_table_not_starting_at_zero() {
        let bands: Vec<AgeBand> = AGES
            .iter()
            .map(|&s| AgeBand {
                start_age: s + 1.0,
                deaths: 1.0,
                population: 1000.0,
            })
            .collect();
        assert!(matches!(
            life_expectancy(&bands, &[]),
            Err(StatsError::AgeBands(_))
        ));
    }

    #[test]
    fn small_population_is_withheld() {
        let bands: Vec<AgeBand> = AGES
            .iter()
            .map(|&s| AgeBand {
                start_age: s,
                deaths: 1.0,
                population: 100.0,
            })
            .collect();
        let out = life_expectancy(&bands, &[ConfidenceLevel::new(0.95).unwrap()]).unwrap();
        assert!(out.iter().all(|r| r.estimate.value.is_none()));
        assert_eq!(out.len(), 20);
    }
}
