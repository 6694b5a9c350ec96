//! The full table of WHO HEAT summary measures for one set of groups, one row per measure in a
//! fixed order, each with its interval, how the interval is made, whether the measure applies to
//! this dimension and which way is worse — the rows `levelfield inequality` and the R package's
//! `lf_inequality()` report.

use crate::inequality::{self, DimensionType, Group, Measure, Polarity};
use crate::{ConfidenceLevel, Interval, StatsError};

/// The measure codes, in output order.
pub const CODES: [&str; 25] = [
    "D",
    "R",
    "PAR",
    "PAF",
    "BGV",
    "BGSD",
    "COV",
    "MDMU",
    "MDMW",
    "MDBU",
    "MDBW",
    "MDRU",
    "MDRW",
    "IDISU",
    "IDISW",
    "TI",
    "MLD",
    "ACI",
    "RCI",
    "SII",
    "RII",
    "SII_LOGISTIC",
    "RII_LOGISTIC",
    "ERREYGERS",
    "WAGSTAFF",
];

/// One measure of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureRow {
    /// The measure's code (one of [`CODES`]).
    pub code: &'static str,
    /// Its value, `None` where it does not apply.
    pub value: Option<f64>,
    /// One interval per requested level, `None` where there is none.
    pub intervals: Vec<Option<Interval>>,
    /// How the intervals are made (empty when there are none).
    pub ci_method: String,
    /// For simulated intervals, the largest Monte Carlo standard error of their limits.
    pub mc_error: Option<f64>,
    /// `Err(why)` when the measure is not defined for these groups or options.
    pub applies: Result<(), &'static str>,
    /// The value oriented so that above zero means the disadvantaged are worse off.
    pub disadvantage: Option<f64>,
    /// The groups it compares (e.g. `Black vs White`, `best group: White`), where that matters.
    pub comparison: String,
}

/// Options of the table beyond the groups themselves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeatOptions {
    /// Ordered (e.g. deprivation deciles, most disadvantaged first) or unordered.
    pub dimension: DimensionType,
    /// Whether higher values are worse (adverse) or better (favourable).
    pub polarity: Polarity,
    /// The index of the reference group, for MDRU and MDRW.
    pub reference: Option<usize>,
    /// The indicator's theoretical range: bounds the simulated draws, and is needed for
    /// Erreygers, Wagstaff and the logistic SII (which needs a lower bound of 0).
    pub bounds: Option<(f64, f64)>,
    /// Draws for the simulated intervals (1,000 or more).
    pub draws: usize,
    /// Seed of the simulation's random stream.
    pub seed: u64,
}

/// Every HEAT measure for one set of groups, in the order of [`CODES`].
///
/// # Method
/// D and R between the extreme pair ([`inequality::extreme_pair`]), PAR and PAF against the
/// best group; for unordered dimensions of more than two groups BGV, the distance measures
/// (BGSD, COV, mean differences from the mean, the best group and the reference, IDIS) with
/// simulated intervals, TI and MLD; for ordered dimensions of more than two groups ACI, RCI,
/// SII, RII, the logistic SII and RII (with bounds starting at 0) and Erreygers and Wagstaff
/// (with bounds). Measures that do not apply are rows with no value and the reason.
///
/// # Formula
/// Each measure's formula is in [`crate::inequality`]. `disadvantage` is the value oriented so
/// that above zero means the disadvantaged are worse off: D and BGV… as they are, `R − 1`,
/// `|PAR|`, `|PAF|`; gradient measures negated for adverse indicators, RII as `1/RII − 1`
/// (adverse) or `RII − 1` (favourable).
///
/// # References
/// WHO (2022), Health Equity Assessment Toolkit (HEAT) technical notes; Wagstaff, Paci & van
/// Doorslaer (1991); Erreygers (2009).
///
/// # Edge cases
/// Fewer than two groups: every row is "needs at least two groups with values". Simulated
/// draws are bounded below by 0 when every value is at least 0, unless `bounds` are given.
///
/// # Errors
/// As the measures in [`crate::inequality`] (e.g. a non-positive population).
pub fn measure_rows(
    groups: &[Group],
    names: &[String],
    levels: &[ConfidenceLevel],
    options: &HeatOptions,
) -> Result<Vec<MeasureRow>, StatsError> {
    let HeatOptions {
        dimension,
        polarity,
        bounds,
        ..
    } = *options;
    let n_levels = levels.len();
    let not_applicable = |code: &'static str, why: &'static str| MeasureRow {
        code,
        value: None,
        intervals: vec![None; n_levels],
        ci_method: String::new(),
        mc_error: None,
        applies: Err(why),
        disadvantage: None,
        comparison: String::new(),
    };
    let analytic = |code: &'static str,
                    m: Measure,
                    method: &str,
                    disadvantage: Option<f64>,
                    comparison: String| MeasureRow {
        code,
        value: Some(m.value),
        intervals: levels
            .iter()
            .map(|l| {
                m.interval(l.fraction())
                    .map(|(lower, upper)| Interval { lower, upper })
            })
            .collect(),
        ci_method: if m.se.is_some() {
            method.to_string()
        } else {
            String::new()
        },
        mc_error: None,
        applies: Ok(()),
        disadvantage,
        comparison,
    };
    let mut out = Vec::with_capacity(CODES.len());
    if groups.len() < 2 {
        for code in CODES {
            out.push(not_applicable(
                code,
                "needs at least two groups with values",
            ));
        }
        return Ok(out);
    }
    let unordered_only = "defined for unordered dimensions with more than two groups (as WHO HEAT)";
    let ordered_only = "defined for ordered dimensions with more than two groups (as WHO HEAT)";

    let (worse, better) = inequality::extreme_pair(groups, dimension, polarity);
    let pair = format!("{} vs {}", names[worse], names[better]);
    let d = inequality::difference(&groups[worse], &groups[better]);
    out.push(analytic(
        "D",
        d,
        "analytic (normal)",
        Some(d.value),
        pair.clone(),
    ));
    let r = inequality::ratio(&groups[worse], &groups[better]);
    out.push(analytic(
        "R",
        r,
        "analytic (log scale)",
        Some(r.value - 1.0),
        pair,
    ));
    let best = inequality::best_group(groups, polarity);
    let (par, paf) = inequality::population_attributable(groups, best, polarity)?;
    let best_text = format!("best group: {}", names[best]);
    out.push(analytic(
        "PAR",
        par,
        "delta method",
        Some(par.value.abs()),
        best_text.clone(),
    ));
    out.push(analytic(
        "PAF",
        paf,
        "delta method",
        Some(paf.value.abs()),
        best_text.clone(),
    ));

    if groups.len() > 2 && dimension == DimensionType::Unordered {
        unordered_measures(groups, names, levels, options, best, &mut out, analytic)?;
    } else {
        for code in &CODES[4..17] {
            out.push(not_applicable(code, unordered_only));
        }
    }
    if groups.len() > 2 && dimension == DimensionType::Ordered {
        let g = inequality::gradient_measures(groups, bounds)?;
        // Raw signs: above zero means higher values among the advantaged.
        let orient = |v: f64| match polarity {
            Polarity::Adverse => -v,
            Polarity::Favourable => v,
        };
        let rii_disadvantage = |rii: f64| match polarity {
            Polarity::Adverse => 1.0 / rii - 1.0,
            Polarity::Favourable => rii - 1.0,
        };
        let exact = "exact (linear in values)";
        out.push(analytic(
            "ACI",
            g.aci,
            exact,
            Some(orient(g.aci.value)),
            String::new(),
        ));
        out.push(analytic(
            "RCI",
            g.rci,
            "delta method",
            Some(orient(g.rci.value)),
            String::new(),
        ));
        out.push(analytic(
            "SII",
            g.sii,
            exact,
            Some(orient(g.sii.value)),
            String::new(),
        ));
        out.push(analytic(
            "RII",
            g.rii,
            "delta method (log scale)",
            Some(rii_disadvantage(g.rii.value)),
            String::new(),
        ));
        match bounds.filter(|(low, _)| *low == 0.0) {
            Some((_, scale)) => match inequality::logistic_sii(groups, scale) {
                Ok((sii, rii)) => {
                    out.push(analytic(
                        "SII_LOGISTIC",
                        sii,
                        "HC1 robust, delta method",
                        Some(orient(sii.value)),
                        String::new(),
                    ));
                    out.push(analytic(
                        "RII_LOGISTIC",
                        rii,
                        "HC1 robust, delta method (log scale)",
                        Some(rii_disadvantage(rii.value)),
                        String::new(),
                    ));
                }
                Err(e) => {
                    let why = match e {
                        StatsError::Sii(_) => "needs at least 3 groups",
                        _ => "needs every value strictly inside the bounds",
                    };
                    out.push(not_applicable("SII_LOGISTIC", why));
                    out.push(not_applicable("RII_LOGISTIC", why));
                }
            },
            None => {
                let why = "needs bounds 0,SCALE (e.g. 0,100 for a percentage)";
                out.push(not_applicable("SII_LOGISTIC", why));
                out.push(not_applicable("RII_LOGISTIC", why));
            }
        }
        match (g.erreygers, g.wagstaff) {
            (Some(e), Some(w)) => {
                out.push(analytic(
                    "ERREYGERS",
                    e,
                    exact,
                    Some(orient(e.value)),
                    String::new(),
                ));
                out.push(analytic(
                    "WAGSTAFF",
                    w,
                    "delta method (mean held fixed)",
                    Some(orient(w.value)),
                    String::new(),
                ));
            }
            _ => {
                let why = "needs bounds MIN,MAX (the indicator's theoretical range)";
                out.push(not_applicable("ERREYGERS", why));
                out.push(not_applicable("WAGSTAFF", why));
            }
        }
    } else {
        for code in &CODES[17..] {
            out.push(not_applicable(code, ordered_only));
        }
    }
    Ok(out)
}

/// BGV, the distance measures with simulated intervals, TI and MLD.
fn unordered_measures(
    groups: &[Group],
    names: &[String],
    levels: &[ConfidenceLevel],
    options: &HeatOptions,
    best: usize,
    out: &mut Vec<MeasureRow>,
    analytic: impl Fn(&'static str, Measure, &str, Option<f64>, String) -> MeasureRow,
) -> Result<(), StatsError> {
    let bgv = inequality::between_group_variance(groups)?;
    out.push(analytic(
        "BGV",
        bgv,
        "analytic (delta method)",
        Some(bgv.value),
        String::new(),
    ));
    let reference = options.reference;
    let m = inequality::distance_measures(groups, best, reference)?;
    let lower = if groups.iter().all(|g| g.value >= 0.0) {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    let sim_bounds = options.bounds.unwrap_or((lower, f64::INFINITY));
    let sims = inequality::simulate_distance_measures(
        groups,
        best,
        reference,
        sim_bounds,
        levels,
        options.draws,
        options.seed,
    )?;
    let method = format!("simulation ({} draws)", options.draws);
    let values = [
        ("BGSD", Some(m.bgsd), ""),
        ("COV", Some(m.cov), ""),
        ("MDMU", Some(m.mdmu), ""),
        ("MDMW", Some(m.mdmw), ""),
        ("MDBU", Some(m.mdbu), "best"),
        ("MDBW", Some(m.mdbw), "best"),
        ("MDRU", m.mdru, "reference"),
        ("MDRW", m.mdrw, "reference"),
        ("IDISU", Some(m.idisu), ""),
        ("IDISW", Some(m.idisw), ""),
    ];
    for ((code, v, against), sim) in values.into_iter().zip(sims) {
        let Some(v) = v else {
            out.push(MeasureRow {
                code,
                value: None,
                intervals: vec![None; levels.len()],
                ci_method: String::new(),
                mc_error: None,
                applies: Err("needs a reference group"),
                disadvantage: None,
                comparison: String::new(),
            });
            continue;
        };
        let mc = sim
            .iter()
            .flatten()
            .map(|s| s.mc_error.0.max(s.mc_error.1))
            .fold(None, |a: Option<f64>, e| Some(a.map_or(e, |a| a.max(e))));
        let comparison = match against {
            "best" => format!("best group: {}", names[best]),
            "reference" => reference
                .map(|r| format!("reference: {}", names[r]))
                .unwrap_or_default(),
            _ => String::new(),
        };
        out.push(MeasureRow {
            code,
            value: Some(v),
            intervals: sim.iter().map(|s| s.map(|s| s.interval)).collect(),
            ci_method: method.clone(),
            mc_error: mc,
            applies: Ok(()),
            disadvantage: Some(v),
            comparison,
        });
    }
    let (ti, mld) = inequality::theil_and_mld(groups)?;
    let scale = "delta method (×1000 scale)";
    out.push(analytic("TI", ti, scale, Some(ti.value), String::new()));
    out.push(analytic("MLD", mld, scale, Some(mld.value), String::new()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(values: &[f64]) -> Vec<Group> {
        values
            .iter()
            .map(|&value| Group {
                value,
                se: 1.0,
                population: 1000.0,
            })
            .collect()
    }

    fn options(dimension: DimensionType) -> HeatOptions {
        HeatOptions {
            dimension,
            polarity: Polarity::Adverse,
            reference: None,
            bounds: None,
            draws: 1000,
            seed: 1,
        }
    }

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("g{i}")).collect()
    }

    #[test]
    fn rows_come_in_code_order_and_say_where_they_do_not_apply() {
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        let g = groups(&[10.0, 20.0, 30.0]);
        let rows =
            measure_rows(&g, &names(3), &levels, &options(DimensionType::Unordered)).unwrap();
        let codes: Vec<&str> = rows.iter().map(|r| r.code).collect();
        assert_eq!(codes, CODES);
        let sii = rows.iter().find(|r| r.code == "SII").unwrap();
        assert!(sii.applies.is_err() && sii.value.is_none());
        let mdru = rows.iter().find(|r| r.code == "MDRU").unwrap();
        assert_eq!(mdru.applies, Err("needs a reference group"));
        let d = &rows[0];
        assert_eq!(d.value, Some(20.0));
        assert_eq!(d.comparison, "g3 vs g1");
        let bgsd = rows.iter().find(|r| r.code == "BGSD").unwrap();
        assert!(bgsd.mc_error.is_some_and(|e| e > 0.0));
        let i = bgsd.intervals[0].unwrap();
        assert!(i.lower <= bgsd.value.unwrap() && bgsd.value.unwrap() <= i.upper);
    }

    #[test]
    fn ordered_dimensions_get_the_gradient_measures() {
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        // Most disadvantaged first, and worse off (higher values of an adverse indicator).
        let g = groups(&[50.0, 40.0, 30.0, 20.0, 10.0]);
        let mut opts = options(DimensionType::Ordered);
        opts.bounds = Some((0.0, 100.0));
        let rows = measure_rows(&g, &names(5), &levels, &opts).unwrap();
        for code in [
            "SII",
            "RII",
            "ACI",
            "RCI",
            "ERREYGERS",
            "WAGSTAFF",
            "SII_LOGISTIC",
        ] {
            let row = rows.iter().find(|r| r.code == code).unwrap();
            assert!(row.applies.is_ok(), "{code}: {:?}", row.applies);
            assert!(
                row.disadvantage.is_some_and(|v| v > 0.0),
                "{code}: the disadvantaged are worse off"
            );
        }
        let bgv = rows.iter().find(|r| r.code == "BGV").unwrap();
        assert!(bgv.applies.is_err());
    }

    #[test]
    fn one_group_is_not_enough() {
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        let rows = measure_rows(
            &groups(&[10.0]),
            &names(1),
            &levels,
            &options(DimensionType::Unordered),
        )
        .unwrap();
        assert_eq!(rows.len(), CODES.len());
        assert!(rows.iter().all(|r| r.value.is_none() && r.applies.is_err()));
    }
}
