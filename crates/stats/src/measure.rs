//! Every inequality summary measure by its code: what it is called, how its interval is made,
//! where it applies and which way is worse ([`MeasureCode`]), and the one entry point that
//! computes them for one set of groups ([`measures`]): the table `levelfield inequality` and the
//! R package's `lf_inequality()` report, and ([`summaries`]) the subset a profile, the demo and
//! the report's sensitivity analysis publish.
//!
//! Why one long file: each measure's name, method, orientation and plain reading are matches
//! over the one [`MeasureCode`], kept together so that a new measure is added in one place.

use crate::inequality::{self, DimensionType, Group, Measure, Polarity, Scale};
use crate::{ConfidenceLevel, Interval, StatsError};

/// One inequality summary measure (WHO HEAT's measures, the concentration indices and the
/// slope and relative indices of inequality). [`MeasureCode::ALL`] is the output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeasureCode {
    /// Difference between the extreme pair of groups.
    D,
    /// Ratio of the extreme pair.
    R,
    /// Population attributable risk.
    Par,
    /// Population attributable fraction (%).
    Paf,
    /// Between-group variance.
    Bgv,
    /// Between-group standard deviation.
    Bgsd,
    /// Coefficient of variation.
    Cov,
    /// Mean difference from the mean, unweighted.
    Mdmu,
    /// Mean difference from the mean, weighted.
    Mdmw,
    /// Mean difference from the best group, unweighted.
    Mdbu,
    /// Mean difference from the best group, weighted.
    Mdbw,
    /// Mean difference from the reference group, unweighted.
    Mdru,
    /// Mean difference from the reference group, weighted.
    Mdrw,
    /// Index of disparity, unweighted.
    Idisu,
    /// Index of disparity, weighted.
    Idisw,
    /// Theil index (×1000).
    Ti,
    /// Mean log deviation (×1000).
    Mld,
    /// Absolute concentration index.
    Aci,
    /// Relative concentration index.
    Rci,
    /// Slope index of inequality.
    Sii,
    /// Relative index of inequality.
    Rii,
    /// Slope index of inequality from a logistic fit.
    SiiLogistic,
    /// Relative index of inequality from a logistic fit.
    RiiLogistic,
    /// Erreygers' corrected concentration index.
    Erreygers,
    /// Wagstaff's normalised concentration index.
    Wagstaff,
}

/// Where a measure is defined, beyond needing two groups with values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Any dimension with at least two groups.
    TwoGroups,
    /// An unordered dimension (ethnicity) with more than two groups, as WHO HEAT.
    Unordered,
    /// An ordered dimension (deprivation) with more than two groups, as WHO HEAT.
    Ordered,
}

impl MeasureCode {
    /// Every measure, in output order.
    pub const ALL: [MeasureCode; 25] = [
        Self::D,
        Self::R,
        Self::Par,
        Self::Paf,
        Self::Bgv,
        Self::Bgsd,
        Self::Cov,
        Self::Mdmu,
        Self::Mdmw,
        Self::Mdbu,
        Self::Mdbw,
        Self::Mdru,
        Self::Mdrw,
        Self::Idisu,
        Self::Idisw,
        Self::Ti,
        Self::Mld,
        Self::Aci,
        Self::Rci,
        Self::Sii,
        Self::Rii,
        Self::SiiLogistic,
        Self::RiiLogistic,
        Self::Erreygers,
        Self::Wagstaff,
    ];

    /// The measures a profile publishes for each dimension, in its order: the ones with an
    /// exact or delta-method interval that need neither bounds nor a reference group.
    pub const SUMMARY: [MeasureCode; 11] = [
        Self::D,
        Self::R,
        Self::Par,
        Self::Paf,
        Self::Bgv,
        Self::Ti,
        Self::Mld,
        Self::Sii,
        Self::Rii,
        Self::Aci,
        Self::Rci,
    ];

    /// The short code the tables carry (`D`, `PAF`, `SII_LOGISTIC`…).
    pub fn code(self) -> &'static str {
        match self {
            Self::D => "D",
            Self::R => "R",
            Self::Par => "PAR",
            Self::Paf => "PAF",
            Self::Bgv => "BGV",
            Self::Bgsd => "BGSD",
            Self::Cov => "COV",
            Self::Mdmu => "MDMU",
            Self::Mdmw => "MDMW",
            Self::Mdbu => "MDBU",
            Self::Mdbw => "MDBW",
            Self::Mdru => "MDRU",
            Self::Mdrw => "MDRW",
            Self::Idisu => "IDISU",
            Self::Idisw => "IDISW",
            Self::Ti => "TI",
            Self::Mld => "MLD",
            Self::Aci => "ACI",
            Self::Rci => "RCI",
            Self::Sii => "SII",
            Self::Rii => "RII",
            Self::SiiLogistic => "SII_LOGISTIC",
            Self::RiiLogistic => "RII_LOGISTIC",
            Self::Erreygers => "ERREYGERS",
            Self::Wagstaff => "WAGSTAFF",
        }
    }

    /// The measure with this code, if any (exact match, as the tables write it).
    pub fn from_code(code: &str) -> Option<MeasureCode> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Its name for a reader, with the code in brackets.
    pub fn name(self) -> &'static str {
        match self {
            Self::D => "Difference (D)",
            Self::R => "Ratio (R)",
            Self::Par => "Population attributable risk (PAR)",
            Self::Paf => "Population attributable fraction (PAF, %)",
            Self::Bgv => "Between-group variance (BGV)",
            Self::Bgsd => "Between-group standard deviation (BGSD)",
            Self::Cov => "Coefficient of variation (COV)",
            Self::Mdmu => "Mean difference from the mean, unweighted (MDMU)",
            Self::Mdmw => "Mean difference from the mean, weighted (MDMW)",
            Self::Mdbu => "Mean difference from the best group, unweighted (MDBU)",
            Self::Mdbw => "Mean difference from the best group, weighted (MDBW)",
            Self::Mdru => "Mean difference from the reference group, unweighted (MDRU)",
            Self::Mdrw => "Mean difference from the reference group, weighted (MDRW)",
            Self::Idisu => "Index of disparity, unweighted (IDISU)",
            Self::Idisw => "Index of disparity, weighted (IDISW)",
            Self::Ti => "Theil index (TI)",
            Self::Mld => "Mean log deviation (MLD)",
            Self::Aci => "Absolute concentration index (ACI)",
            Self::Rci => "Relative concentration index (RCI)",
            Self::Sii => "Slope index of inequality (SII)",
            Self::Rii => "Relative index of inequality (RII)",
            Self::SiiLogistic => "Slope index of inequality, logistic (SII_LOGISTIC)",
            Self::RiiLogistic => "Relative index of inequality, logistic (RII_LOGISTIC)",
            Self::Erreygers => "Erreygers' corrected concentration index (ERREYGERS)",
            Self::Wagstaff => "Wagstaff's normalised concentration index (WAGSTAFF)",
        }
    }

    /// How its interval is made. The ten distance measures (BGSD … IDISW) are simulated: their
    /// rows say how many draws.
    pub fn method(self) -> &'static str {
        match self {
            Self::D => "analytic (normal)",
            Self::R => "analytic (log scale)",
            Self::Par | Self::Paf | Self::Rci => "delta method",
            Self::Bgv => "analytic (delta method)",
            Self::Bgsd
            | Self::Cov
            | Self::Mdmu
            | Self::Mdmw
            | Self::Mdbu
            | Self::Mdbw
            | Self::Mdru
            | Self::Mdrw
            | Self::Idisu
            | Self::Idisw => "simulation",
            Self::Ti | Self::Mld => "delta method (×1000 scale)",
            Self::Aci | Self::Sii | Self::Erreygers => "exact (linear in values)",
            Self::Rii => "delta method (log scale)",
            Self::SiiLogistic => "HC1 robust, delta method",
            Self::RiiLogistic => "HC1 robust, delta method (log scale)",
            Self::Wagstaff => "delta method (mean held fixed)",
        }
    }

    /// True for the ten distance measures (BGSD … IDISW), whose intervals come from simulated
    /// draws rather than a standard error.
    pub fn is_simulated(self) -> bool {
        self.method() == "simulation"
    }

    /// Where it is defined.
    pub fn needs(self) -> Needs {
        match self {
            Self::D | Self::R | Self::Par | Self::Paf => Needs::TwoGroups,
            Self::Bgv
            | Self::Bgsd
            | Self::Cov
            | Self::Mdmu
            | Self::Mdmw
            | Self::Mdbu
            | Self::Mdbw
            | Self::Mdru
            | Self::Mdrw
            | Self::Idisu
            | Self::Idisw
            | Self::Ti
            | Self::Mld => Needs::Unordered,
            Self::Aci
            | Self::Rci
            | Self::Sii
            | Self::Rii
            | Self::SiiLogistic
            | Self::RiiLogistic
            | Self::Erreygers
            | Self::Wagstaff => Needs::Ordered,
        }
    }

    /// How to read it, where its sign is not obvious (the profile's detail column).
    pub fn reading(self) -> Option<&'static str> {
        match self {
            Self::Sii => Some(
                "fitted least deprived minus most deprived: negative when values are higher in more deprived areas",
            ),
            _ => None,
        }
    }

    /// The measure in one plain-English sentence for a reader who is not an analyst, from its
    /// value, the indicator's `unit` (e.g. `per 100,000 population`) and which way is worse.
    ///
    /// # Method
    /// Each sentence says what the number means in the indicator's own terms, never which sign
    /// convention it follows: PAR and PAF are read by their size, as how much lower (adverse) or
    /// higher (favourable) the overall value would be if every group had the best group's, so a
    /// negative PAR never reads as "minus N fewer"; SII by its size and the side of the
    /// deprivation scale where values are higher; RII as how many times the value at one end is
    /// that at the other, always a factor of at least 1; the spread measures (BGV, Theil index,
    /// mean log deviation, concentration indices) as how far from zero (equal) they are. The
    /// groups a measure compares are in the profile's detail column, not here.
    ///
    /// # Edge cases
    /// A value that is not finite reads as not defined; a zero PAR or PAF as no gain.
    pub fn plain(self, value: f64, unit: &str, polarity: Polarity) -> String {
        if !value.is_finite() {
            return "Not defined for these values.".to_string();
        }
        let num = |v: f64, dp: usize| format!("{:.dp$}", v).replace('-', "\u{2212}");
        // A gap in percentages is in percentage points.
        let unit = match unit.trim() {
            "" => String::new(),
            "%" => " percentage points".to_string(),
            // Any other unit is written as the indicator spells it.
            u => format!(" {u}"),
        };
        let (lower_or_higher, worse) = match polarity {
            Polarity::Adverse => ("lower", "higher"),
            Polarity::Favourable => ("higher", "lower"),
        };
        match self {
            Self::D => format!(
                "The two groups furthest apart differ by {}{unit}.",
                num(value.abs(), 1)
            ),
            Self::R => {
                let factor = if value > 0.0 && value < 1.0 {
                    1.0 / value
                } else {
                    value
                };
                format!(
                    "The worse-off of the two groups furthest apart has {} times the value of the better-off.",
                    num(factor, 2)
                )
            }
            Self::Par if value == 0.0 => "No group does better than the average, so no gain is counted if every group had the best group's value.".to_string(),
            Self::Par => format!(
                "If every group had the best group's value, the overall value would be {}{unit} {lower_or_higher}.",
                num(value.abs(), 1)
            ),
            Self::Paf if value == 0.0 => "No group does better than the average, so no share of the total is counted as the gap.".to_string(),
            Self::Paf => format!(
                "If every group had the best group's value, the overall value would be {}% {lower_or_higher}.",
                num(value.abs(), 1)
            ),
            Self::Bgv | Self::Bgsd | Self::Cov => format!(
                "How far the groups' values spread around the average ({}): 0 would mean every group had the same value; larger means more unequal.",
                num(value, 2)
            ),
            Self::Ti | Self::Mld => format!(
                "How far each group's share of the total differs from its share of the population ({} on a ×1000 scale): 0 would mean every share matched; larger means more unequal.",
                num(value, 2)
            ),
            Self::Mdmu | Self::Mdmw | Self::Mdbu | Self::Mdbw | Self::Mdru | Self::Mdrw | Self::Idisu | Self::Idisw => format!(
                "On average the groups differ by {}{unit} from the group or average compared against: 0 would mean no difference.",
                num(value.abs(), 1)
            ),
            Self::Sii | Self::SiiLogistic if value == 0.0 => "Values are the same from the most to the least deprived end.".to_string(),
            Self::Sii | Self::SiiLogistic => format!(
                "The fitted value is {}{unit} {} at the most deprived end than at the least deprived end.",
                num(value.abs(), 1),
                if value < 0.0 { "higher" } else { "lower" },
            ),
            Self::Rii | Self::RiiLogistic if value <= 0.0 => "Not defined for these values.".to_string(),
            Self::Rii | Self::RiiLogistic => {
                let (factor, end, other) = if value < 1.0 {
                    (1.0 / value, "most", "least")
                } else {
                    (value, "least", "most")
                };
                format!(
                    "The fitted value at the {end} deprived end is {} times that at the {other} deprived end.",
                    num(factor, 2)
                )
            }
            Self::Aci | Self::Rci | Self::Erreygers | Self::Wagstaff => {
                let side = if value < 0.0 { "more" } else { "less" };
                let verdict = if value == 0.0 {
                    "spread evenly across deprivation".to_string()
                } else {
                    format!("concentrated among the {side} deprived")
                };
                let judged = match (value < 0.0, polarity) {
                    (true, Polarity::Adverse) | (false, Polarity::Favourable) if value != 0.0 => {
                        format!("; as {worse} values are worse, the more deprived are worse off")
                    }
                    _ if value != 0.0 => "; the more deprived are not the worse off".to_string(),
                    _ => String::new(),
                };
                format!(
                    "Values are {verdict} ({}; 0 would be equal){judged}.",
                    num(value, 3)
                )
            }
        }
    }

    /// The value turned so that above zero means the disadvantaged are worse off.
    ///
    /// # Method
    /// D, BGV and the distance measures as they are (they are zero or more, or already
    /// oriented by the extreme pair); `R − 1`; `|PAR|` and `|PAF|`; the gradient measures
    /// (ACI, RCI, SII, Erreygers, Wagstaff, logistic SII) negated for adverse indicators, since
    /// their raw sign is positive when values are higher among the advantaged; RII (linear and
    /// logistic) as `1/RII − 1` (adverse) or `RII − 1` (favourable).
    ///
    /// # Edge cases
    /// An RII of zero gives an infinite value for an adverse indicator; callers pass only
    /// finite, defined measures.
    pub fn disadvantage(self, value: f64, polarity: Polarity) -> f64 {
        let orient = |v: f64| match polarity {
            Polarity::Adverse => -v,
            Polarity::Favourable => v,
        };
        match self {
            Self::R => value - 1.0,
            Self::Par | Self::Paf => value.abs(),
            Self::Aci
            | Self::Rci
            | Self::Sii
            | Self::SiiLogistic
            | Self::Erreygers
            | Self::Wagstaff => orient(value),
            Self::Rii | Self::RiiLogistic => match polarity {
                Polarity::Adverse => 1.0 / value - 1.0,
                Polarity::Favourable => value - 1.0,
            },
            _ => value,
        }
    }
}

impl std::fmt::Display for MeasureCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a measure has no value when its groups make it undefined: a group's value is zero where
/// the measure divides by it or takes its logarithm (R against a zero group, MLD with a zero
/// group).
pub const NOT_DEFINED: &str = "not defined for these values: a group's value is zero where the measure divides by it or takes its logarithm";

/// One measure of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureRow {
    /// Which measure.
    pub code: MeasureCode,
    /// Its value and standard error, `None` where it does not apply. The simulated measures
    /// carry no standard error: their intervals are in [`MeasureRow::intervals`].
    pub measure: Option<Measure>,
    /// One interval per requested level, `None` where there is none.
    pub intervals: Vec<Option<Interval>>,
    /// How the intervals are made (empty when there are none).
    pub ci_method: String,
    /// For simulated intervals, the largest Monte Carlo standard error of their limits.
    pub mc_error: Option<f64>,
    /// `Err(why)` when the measure is not defined for these groups or options.
    pub applies: Result<(), &'static str>,
    /// The value oriented so that above zero means the disadvantaged are worse off
    /// ([`MeasureCode::disadvantage`]).
    pub disadvantage: Option<f64>,
    /// The groups it compares (e.g. `Black vs White`, `best group: White`), where that matters.
    pub comparison: String,
}

impl MeasureRow {
    /// Its value, `None` where it does not apply.
    pub fn value(&self) -> Option<f64> {
        self.measure.map(|m| m.value)
    }

    fn not_applicable(code: MeasureCode, n_levels: usize, why: &'static str) -> MeasureRow {
        MeasureRow {
            code,
            measure: None,
            intervals: vec![None; n_levels],
            ci_method: String::new(),
            mc_error: None,
            applies: Err(why),
            disadvantage: None,
            comparison: String::new(),
        }
    }
}

/// Options of the table beyond the groups themselves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeasureOptions {
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

/// The inequality measures `codes` asks for, for one set of groups, in the order of `codes`
/// ([`MeasureCode::ALL`] for the full table).
///
/// # Method
/// D and R between the extreme pair ([`inequality::extreme_pair`]), PAR and PAF against the
/// best group; for unordered dimensions of more than two groups BGV, the distance measures
/// (BGSD, COV, mean differences from the mean, the best group and the reference, IDIS) with
/// simulated intervals, TI and MLD; for ordered dimensions of more than two groups ACI, RCI,
/// SII, RII, the logistic SII and RII (with bounds starting at 0) and Erreygers and Wagstaff
/// (with bounds). Measures that do not apply are rows with no value and the reason
/// ([`MeasureCode::needs`]). The simulation runs only when a distance measure is asked for.
///
/// # Formula
/// Each measure's formula is in [`crate::inequality`]; intervals as [`Measure::interval`]
/// (which keeps bounded measures in their range); `disadvantage` as
/// [`MeasureCode::disadvantage`].
///
/// # References
/// WHO (2022), Health Equity Assessment Toolkit (HEAT) technical notes; Wagstaff, Paci & van
/// Doorslaer (1991); Erreygers (2009).
///
/// # Edge cases
/// Fewer than two groups: every row is "needs at least two groups with values". A value that
/// is not a number (R against a zero group, MLD with a zero-valued group) is a row that does
/// not apply, with [`NOT_DEFINED`] as the reason, never NaN or infinity; a standard error
/// that is not finite is dropped (no interval). Simulated draws are bounded below by 0 when
/// every value is at least 0, unless `bounds` are given.
///
/// # Errors
/// As the measures in [`crate::inequality`] (e.g. a non-positive population).
pub fn measures(
    groups: &[Group],
    names: &[String],
    levels: &[ConfidenceLevel],
    options: &MeasureOptions,
    codes: &[MeasureCode],
) -> Result<Vec<MeasureRow>, StatsError> {
    let n_levels = levels.len();
    let mut rows = if groups.len() < 2 {
        MeasureCode::ALL
            .iter()
            .map(|&code| {
                MeasureRow::not_applicable(code, n_levels, "needs at least two groups with values")
            })
            .collect()
    } else {
        let wanted = |c: &MeasureCode| codes.contains(c);
        let mut rows = pairs(groups, names, levels, options, wanted)?;
        let more = groups.len() > 2;
        if more && options.dimension == DimensionType::Unordered {
            unordered_measures(groups, names, levels, options, wanted, &mut rows)?;
        }
        if more && options.dimension == DimensionType::Ordered {
            ordered_measures(groups, levels, options, wanted, &mut rows)?;
        }
        rows
    };
    Ok(codes
        .iter()
        .map(|&code| match rows.iter().position(|r| r.code == code) {
            Some(i) => rows.swap_remove(i),
            None => MeasureRow::not_applicable(
                code,
                n_levels,
                match code.needs() {
                    Needs::Unordered => {
                        "defined for unordered dimensions with more than two groups (as WHO HEAT)"
                    }
                    Needs::Ordered | Needs::TwoGroups => {
                        "defined for ordered dimensions with more than two groups (as WHO HEAT)"
                    }
                },
            ),
        })
        .collect())
}

/// The summary measures a profile publishes for one dimension's groups: the applicable rows of
/// [`measures`] over [`MeasureCode::SUMMARY`], with no bounds, no reference group and no
/// simulation.
///
/// # Method
/// D and R between the extreme pair, PAR and PAF against the best group, and with more than
/// two groups BGV, TI and MLD (unordered dimensions) or SII, RII, ACI and RCI (ordered ones).
/// `names` label the groups in the details. Measures that do not apply are left out.
///
/// # Edge cases
/// Fewer than two groups: nothing. A measure whose value is not a number comes out with no
/// value and [`NOT_DEFINED`] as its detail. When the groups' shares cannot be formed (a
/// population that is negative or sums to zero, a value or standard error that is not
/// finite), only D and R, which do not need them.
pub fn summaries(
    groups: &[Group],
    names: &[&str],
    dimension: DimensionType,
    polarity: Polarity,
) -> Vec<Summary> {
    if groups.len() < 2 {
        return Vec::new();
    }
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let options = MeasureOptions {
        dimension,
        polarity,
        reference: None,
        bounds: None,
        draws: 0,
        seed: 0,
    };
    let rows = measures(groups, &names, &[], &options, &MeasureCode::SUMMARY)
        .or_else(|_| {
            measures(
                groups,
                &names,
                &[],
                &options,
                &[MeasureCode::D, MeasureCode::R],
            )
        })
        .unwrap_or_default();
    rows.into_iter()
        .filter_map(|row| {
            let detail = match row.applies {
                Ok(()) => row
                    .code
                    .reading()
                    .map_or(row.comparison, |reading| reading.to_string()),
                Err(NOT_DEFINED) => NOT_DEFINED.to_string(),
                Err(_) => return None,
            };
            Some(Summary {
                measure: row.code,
                value: row.measure,
                method: row.code.method(),
                detail,
            })
        })
        .collect()
}

/// One summary measure of a dimension's groups, as a profile reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Which measure (one of [`MeasureCode::SUMMARY`]).
    pub measure: MeasureCode,
    /// The value and its standard error; `None` when the measure is not defined for these
    /// values (`detail` then says why).
    pub value: Option<Measure>,
    /// How its interval is made.
    pub method: &'static str,
    /// The groups it compares, or how to read it.
    pub detail: String,
}

/// A row for an analytic measure, or one that does not apply when its value is not a number.
fn analytic(
    code: MeasureCode,
    m: Measure,
    levels: &[ConfidenceLevel],
    polarity: Polarity,
    comparison: String,
) -> MeasureRow {
    if !m.value.is_finite() {
        return MeasureRow::not_applicable(code, levels.len(), NOT_DEFINED);
    }
    let m = Measure {
        se: m.se.filter(|se| se.is_finite()),
        ..m
    };
    MeasureRow {
        code,
        measure: Some(m),
        intervals: levels
            .iter()
            .map(|l| {
                m.interval(l.fraction())
                    .map(|(lower, upper)| Interval { lower, upper })
            })
            .collect(),
        ci_method: if m.se.is_some() {
            code.method().to_string()
        } else {
            String::new()
        },
        mc_error: None,
        applies: Ok(()),
        disadvantage: Some(code.disadvantage(m.value, polarity)),
        comparison,
    }
}

/// D and R between the extreme pair; PAR and PAF against the best group.
fn pairs(
    groups: &[Group],
    names: &[String],
    levels: &[ConfidenceLevel],
    options: &MeasureOptions,
    wanted: impl Fn(&MeasureCode) -> bool,
) -> Result<Vec<MeasureRow>, StatsError> {
    let polarity = options.polarity;
    let mut out = Vec::new();
    let (worse, better) = inequality::extreme_pair(groups, options.dimension, polarity);
    let pair = format!("{} vs {}", names[worse], names[better]);
    let d = inequality::difference(&groups[worse], &groups[better]);
    out.push(analytic(MeasureCode::D, d, levels, polarity, pair.clone()));
    let r = inequality::ratio(&groups[worse], &groups[better]);
    out.push(analytic(MeasureCode::R, r, levels, polarity, pair));
    if wanted(&MeasureCode::Par) || wanted(&MeasureCode::Paf) {
        let best = inequality::best_group(groups, polarity);
        let (par, paf) = inequality::population_attributable(groups, best, polarity)?;
        let best_text = format!("best group: {}", names[best]);
        out.push(analytic(
            MeasureCode::Par,
            par,
            levels,
            polarity,
            best_text.clone(),
        ));
        out.push(analytic(MeasureCode::Paf, paf, levels, polarity, best_text));
    }
    Ok(out)
}

/// BGV, the distance measures with simulated intervals (only when one is wanted), TI and MLD.
fn unordered_measures(
    groups: &[Group],
    names: &[String],
    levels: &[ConfidenceLevel],
    options: &MeasureOptions,
    wanted: impl Fn(&MeasureCode) -> bool,
    out: &mut Vec<MeasureRow>,
) -> Result<(), StatsError> {
    let polarity = options.polarity;
    if wanted(&MeasureCode::Bgv) {
        let bgv = inequality::between_group_variance(groups)?;
        out.push(analytic(
            MeasureCode::Bgv,
            bgv,
            levels,
            polarity,
            String::new(),
        ));
    }
    if MeasureCode::ALL
        .iter()
        .any(|c| c.is_simulated() && wanted(c))
    {
        distance_measures(groups, names, levels, options, out)?;
    }
    if wanted(&MeasureCode::Ti) || wanted(&MeasureCode::Mld) {
        let (ti, mld) = inequality::theil_and_mld(groups)?;
        out.push(analytic(
            MeasureCode::Ti,
            ti,
            levels,
            polarity,
            String::new(),
        ));
        out.push(analytic(
            MeasureCode::Mld,
            mld,
            levels,
            polarity,
            String::new(),
        ));
    }
    Ok(())
}

/// The ten distance measures, with percentile intervals from simulated draws.
fn distance_measures(
    groups: &[Group],
    names: &[String],
    levels: &[ConfidenceLevel],
    options: &MeasureOptions,
    out: &mut Vec<MeasureRow>,
) -> Result<(), StatsError> {
    let best = inequality::best_group(groups, options.polarity);
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
    #[derive(PartialEq)]
    enum Against {
        Nothing,
        Best,
        Reference,
    }
    let values = [
        (MeasureCode::Bgsd, Some(m.bgsd), Against::Nothing),
        (MeasureCode::Cov, Some(m.cov), Against::Nothing),
        (MeasureCode::Mdmu, Some(m.mdmu), Against::Nothing),
        (MeasureCode::Mdmw, Some(m.mdmw), Against::Nothing),
        (MeasureCode::Mdbu, Some(m.mdbu), Against::Best),
        (MeasureCode::Mdbw, Some(m.mdbw), Against::Best),
        (MeasureCode::Mdru, m.mdru, Against::Reference),
        (MeasureCode::Mdrw, m.mdrw, Against::Reference),
        (MeasureCode::Idisu, Some(m.idisu), Against::Nothing),
        (MeasureCode::Idisw, Some(m.idisw), Against::Nothing),
    ];
    for ((code, v, against), sim) in values.into_iter().zip(sims) {
        let Some(v) = v else {
            out.push(MeasureRow::not_applicable(
                code,
                levels.len(),
                "needs a reference group",
            ));
            continue;
        };
        let mc = sim
            .iter()
            .flatten()
            .map(|s| s.mc_error.0.max(s.mc_error.1))
            .fold(None, |a: Option<f64>, e| Some(a.map_or(e, |a| a.max(e))));
        let comparison = match against {
            Against::Best => format!("best group: {}", names[best]),
            Against::Reference => reference
                .map(|r| format!("reference: {}", names[r]))
                .unwrap_or_default(),
            Against::Nothing => String::new(),
        };
        out.push(MeasureRow {
            code,
            measure: Some(Measure {
                value: v,
                se: None,
                scale: Scale::Linear,
            }),
            intervals: sim.iter().map(|s| s.map(|s| s.interval)).collect(),
            ci_method: method.clone(),
            mc_error: mc,
            applies: Ok(()),
            disadvantage: Some(code.disadvantage(v, options.polarity)),
            comparison,
        });
    }
    Ok(())
}

/// ACI, RCI, SII, RII, the logistic SII and RII, Erreygers and Wagstaff.
fn ordered_measures(
    groups: &[Group],
    levels: &[ConfidenceLevel],
    options: &MeasureOptions,
    wanted: impl Fn(&MeasureCode) -> bool,
    out: &mut Vec<MeasureRow>,
) -> Result<(), StatsError> {
    let MeasureOptions {
        polarity, bounds, ..
    } = *options;
    let n_levels = levels.len();
    let g = inequality::gradient_measures(groups, bounds)?;
    for (code, m) in [
        (MeasureCode::Aci, g.aci),
        (MeasureCode::Rci, g.rci),
        (MeasureCode::Sii, g.sii),
        (MeasureCode::Rii, g.rii),
    ] {
        out.push(analytic(code, m, levels, polarity, String::new()));
    }
    if wanted(&MeasureCode::SiiLogistic) || wanted(&MeasureCode::RiiLogistic) {
        let logistic = [MeasureCode::SiiLogistic, MeasureCode::RiiLogistic];
        match bounds.filter(|(low, _)| *low == 0.0) {
            Some((_, scale)) => match inequality::logistic_sii(groups, scale) {
                Ok((sii, rii)) => {
                    out.push(analytic(logistic[0], sii, levels, polarity, String::new()));
                    out.push(analytic(logistic[1], rii, levels, polarity, String::new()));
                }
                Err(e) => {
                    let why = match e {
                        StatsError::Sii(_) => "needs at least 3 groups",
                        _ => "needs every value strictly inside the bounds",
                    };
                    for code in logistic {
                        out.push(MeasureRow::not_applicable(code, n_levels, why));
                    }
                }
            },
            None => {
                let why = "needs bounds 0,SCALE (e.g. 0,100 for a percentage)";
                for code in logistic {
                    out.push(MeasureRow::not_applicable(code, n_levels, why));
                }
            }
        }
    }
    match (g.erreygers, g.wagstaff) {
        (Some(e), Some(w)) => {
            out.push(analytic(
                MeasureCode::Erreygers,
                e,
                levels,
                polarity,
                String::new(),
            ));
            out.push(analytic(
                MeasureCode::Wagstaff,
                w,
                levels,
                polarity,
                String::new(),
            ));
        }
        _ => {
            let why = "needs bounds MIN,MAX (the indicator's theoretical range)";
            for code in [MeasureCode::Erreygers, MeasureCode::Wagstaff] {
                out.push(MeasureRow::not_applicable(code, n_levels, why));
            }
        }
    }
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

    fn options(dimension: DimensionType) -> MeasureOptions {
        MeasureOptions {
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
        let rows = measures(
            &g,
            &names(3),
            &levels,
            &options(DimensionType::Unordered),
            &MeasureCode::ALL,
        )
        .unwrap();
        let codes: Vec<MeasureCode> = rows.iter().map(|r| r.code).collect();
        assert_eq!(codes, MeasureCode::ALL);
        let sii = rows.iter().find(|r| r.code == MeasureCode::Sii).unwrap();
        assert!(sii.applies.is_err() && sii.value().is_none());
        let mdru = rows.iter().find(|r| r.code == MeasureCode::Mdru).unwrap();
        assert_eq!(mdru.applies, Err("needs a reference group"));
        let d = &rows[0];
        assert_eq!(d.value(), Some(20.0));
        assert_eq!(d.comparison, "g3 vs g1");
        let bgsd = rows.iter().find(|r| r.code == MeasureCode::Bgsd).unwrap();
        assert!(bgsd.mc_error.is_some_and(|e| e > 0.0));
        let i = bgsd.intervals[0].unwrap();
        let v = bgsd.value().unwrap();
        assert!(i.lower <= v && v <= i.upper);
    }

    #[test]
    fn ordered_dimensions_get_the_gradient_measures() {
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        // Most disadvantaged first, and worse off (higher values of an adverse indicator).
        let g = groups(&[50.0, 40.0, 30.0, 20.0, 10.0]);
        let mut opts = options(DimensionType::Ordered);
        opts.bounds = Some((0.0, 100.0));
        let rows = measures(&g, &names(5), &levels, &opts, &MeasureCode::ALL).unwrap();
        for code in [
            MeasureCode::Sii,
            MeasureCode::Rii,
            MeasureCode::Aci,
            MeasureCode::Rci,
            MeasureCode::Erreygers,
            MeasureCode::Wagstaff,
            MeasureCode::SiiLogistic,
        ] {
            let row = rows.iter().find(|r| r.code == code).unwrap();
            assert!(row.applies.is_ok(), "{code}: {:?}", row.applies);
            assert!(
                row.disadvantage.is_some_and(|v| v > 0.0),
                "{code}: the disadvantaged are worse off"
            );
        }
        let bgv = rows.iter().find(|r| r.code == MeasureCode::Bgv).unwrap();
        assert!(bgv.applies.is_err());
    }

    #[test]
    fn one_group_is_not_enough() {
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        let rows = measures(
            &groups(&[10.0]),
            &names(1),
            &levels,
            &options(DimensionType::Unordered),
            &MeasureCode::ALL,
        )
        .unwrap();
        assert_eq!(rows.len(), MeasureCode::ALL.len());
        assert!(
            rows.iter()
                .all(|r| r.value().is_none() && r.applies.is_err())
        );
    }

    #[test]
    fn codes_round_trip_and_the_summary_is_a_subset_in_its_own_order() {
        for code in MeasureCode::ALL {
            assert_eq!(MeasureCode::from_code(code.code()), Some(code));
            assert!(
                code.name().ends_with(&format!("({})", code.code()))
                    || code.name().ends_with(&format!("({}, %)", code.code()))
            );
        }
        assert_eq!(MeasureCode::from_code("sii"), None);
        let mut seen = std::collections::HashSet::new();
        assert!(MeasureCode::ALL.iter().all(|c| seen.insert(c.code())));
        assert!(
            MeasureCode::SUMMARY
                .iter()
                .all(|c| MeasureCode::ALL.contains(c))
        );
        assert!(
            MeasureCode::SUMMARY
                .iter()
                .all(|c| c.method() != "simulation")
        );
    }

    #[test]
    fn rows_follow_the_order_asked_for_and_skip_the_simulation_when_unasked() {
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        let g = groups(&[10.0, 20.0, 30.0]);
        let mut opts = options(DimensionType::Unordered);
        // No draws: a simulated measure would be refused, so none is computed.
        opts.draws = 0;
        let asked = [MeasureCode::Mld, MeasureCode::D, MeasureCode::Sii];
        let rows = measures(&g, &names(3), &levels, &opts, &asked).unwrap();
        let codes: Vec<MeasureCode> = rows.iter().map(|r| r.code).collect();
        assert_eq!(codes, asked);
        assert!(rows[0].applies.is_ok() && rows[1].applies.is_ok());
        assert_eq!(
            rows[2].applies,
            Err("defined for ordered dimensions with more than two groups (as WHO HEAT)")
        );
    }

    #[test]
    fn summaries_are_the_table_s_applicable_summary_rows() {
        let g = groups(&[50.0, 40.0, 30.0, 20.0, 10.0]);
        let n: Vec<String> = names(5);
        let refs: Vec<&str> = n.iter().map(String::as_str).collect();
        let s = summaries(&g, &refs, DimensionType::Ordered, Polarity::Adverse);
        let codes: Vec<&str> = s.iter().map(|m| m.measure.code()).collect();
        assert_eq!(codes, ["D", "R", "PAR", "PAF", "SII", "RII", "ACI", "RCI"]);
        let levels = [ConfidenceLevel::new(0.95).unwrap()];
        let table = measures(
            &g,
            &n,
            &levels,
            &options(DimensionType::Ordered),
            &MeasureCode::ALL,
        )
        .unwrap();
        for m in &s {
            let row = table.iter().find(|r| r.code == m.measure).unwrap();
            assert_eq!(m.value, row.measure, "{}", m.measure);
            assert_eq!(m.method, m.measure.method());
        }
        assert!(
            s.iter()
                .find(|m| m.measure == MeasureCode::Sii)
                .unwrap()
                .detail
                .contains("least deprived")
        );
        assert_eq!(s[0].detail, "g1 vs g5");
        // A zero-valued group: R is not defined, and says so rather than being infinite.
        let z = groups(&[10.0, 0.0, 5.0]);
        let s = summaries(
            &z,
            &["a", "b", "c"],
            DimensionType::Unordered,
            Polarity::Adverse,
        );
        let r = s.iter().find(|m| m.measure == MeasureCode::R).unwrap();
        assert_eq!((r.value, r.detail.as_str()), (None, NOT_DEFINED));
        assert!(summaries(&z[..1], &["a"], DimensionType::Unordered, Polarity::Adverse).is_empty());
    }

    #[test]
    fn disadvantage_is_positive_when_the_disadvantaged_are_worse_off() {
        use MeasureCode as M;
        assert_eq!(M::R.disadvantage(1.5, Polarity::Adverse), 0.5);
        assert_eq!(M::Paf.disadvantage(-20.0, Polarity::Adverse), 20.0);
        assert_eq!(M::Sii.disadvantage(-3.0, Polarity::Adverse), 3.0);
        assert_eq!(M::Sii.disadvantage(3.0, Polarity::Favourable), 3.0);
        assert_eq!(M::Rii.disadvantage(0.5, Polarity::Adverse), 1.0);
        assert_eq!(M::Rii.disadvantage(2.0, Polarity::Favourable), 1.0);
        assert_eq!(M::Bgv.disadvantage(4.0, Polarity::Adverse), 4.0);
    }

    #[test]
    fn plain_readings_never_read_backwards() {
        // A negative PAR of an adverse indicator is a reduction, said by its size.
        let par = MeasureCode::Par.plain(-12.5, "per 100,000", Polarity::Adverse);
        assert_eq!(
            par,
            "If every group had the best group's value, the overall value would be 12.5 per 100,000 lower."
        );
        assert!(!par.contains('\u{2212}') && !par.contains('-'));
        let fav = MeasureCode::Paf.plain(8.0, "", Polarity::Favourable);
        assert!(fav.contains("8.0% higher"), "{fav}");
        assert!(
            MeasureCode::Par
                .plain(0.0, "", Polarity::Adverse)
                .contains("no gain")
        );
        // SII: negative means higher where deprivation is greater.
        let sii = MeasureCode::Sii.plain(-150.0, "per 100,000", Polarity::Adverse);
        assert!(
            sii.contains("150.0 per 100,000 higher at the most deprived end"),
            "{sii}"
        );
        let sii = MeasureCode::Sii.plain(20.0, "%", Polarity::Favourable);
        assert!(
            sii.contains("20.0 percentage points lower at the most deprived end"),
            "{sii}"
        );
        // RII below 1: the most deprived end is higher, as a factor above 1.
        let rii = MeasureCode::Rii.plain(0.25, "", Polarity::Adverse);
        assert!(rii.contains("most deprived end is 4.00 times"), "{rii}");
        let r = MeasureCode::R.plain(0.5, "", Polarity::Adverse);
        assert!(r.contains("2.00 times"), "{r}");
        let rci = MeasureCode::Rci.plain(-0.2, "", Polarity::Adverse);
        assert!(
            rci.contains("more deprived") && rci.contains("worse off"),
            "{rci}"
        );
        let rci = MeasureCode::Rci.plain(0.2, "", Polarity::Adverse);
        assert!(rci.contains("not the worse off"), "{rci}");
        assert_eq!(
            MeasureCode::Ti.plain(f64::NAN, "", Polarity::Adverse),
            "Not defined for these values."
        );
        // Every measure has a reading.
        for code in MeasureCode::ALL {
            assert!(
                code.plain(0.5, "%", Polarity::Adverse).ends_with('.'),
                "{code}"
            );
        }
    }
}
