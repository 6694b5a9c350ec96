//! From a spec and the columns a source has, the aggregation the engine must run ([`Request`])
//! and where each indicator's sums land in its answer ([`Layout`]).

use crate::{
    ProfileError,
    spec::{Spec, Statistic},
    strata::{KeySource, Measure, Request, Role},
};

/// Where an indicator's sums are among the measures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndicatorLayout {
    /// The numerator's measure.
    pub numerator: Option<usize>,
    /// The denominator's measure (proportions).
    pub denominator: Option<usize>,
    /// A mean's count of values, sum and sum of squares.
    pub mean: Option<[usize; 3]>,
}

/// The measures' layout for one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Whether the source is record-level.
    pub events: bool,
    /// The key roles requested, in order.
    pub roles: Vec<Role>,
    /// The records measure, if there is one.
    pub records: Option<usize>,
    /// One per indicator, in spec order.
    pub indicators: Vec<IndicatorLayout>,
    /// The number of measures.
    pub n_measures: usize,
}

/// The aggregation of the spec's events or counts, given the source's column names.
///
/// # Errors
/// [`ProfileError::Data`] when the period column, or a counts column an indicator names, is
/// missing (naming the file, the column, and the columns that are there).
pub fn aggregation(spec: &Spec, columns: &[String]) -> Result<(Request, Layout), ProfileError> {
    let (source, events) = spec
        .numerator_source()
        .ok_or_else(|| ProfileError::Spec("give an [events] or a [counts] source".into()))?;
    let file = source.path.display().to_string();
    let has = |c: &str| columns.iter().any(|x| x == c);
    let missing = |what: &str, col: &str| {
        ProfileError::Data(format!(
            "{file}: column `{col}` ({what}) is not in the file; its columns are {}. Name the right column under [{}.columns]",
            columns.join(", "),
            if events { "events" } else { "counts" }
        ))
    };
    let c = &source.columns;
    if !has(&c.period) {
        return Err(missing("period", &c.period));
    }
    let mut keys = vec![(Role::Period, KeySource::Column(c.period.clone()))];
    if has(&c.area) {
        keys.push((Role::Area, KeySource::Column(c.area.clone())));
    }
    if has(&c.ethnicity) {
        keys.push((Role::Ethnicity, KeySource::Column(c.ethnicity.clone())));
    }
    if events && has(&c.age) {
        keys.push((
            Role::AgeBand,
            KeySource::AgeInYears(c.age.clone(), spec.lookups.scheme()),
        ));
    } else if has(&c.age_band) {
        keys.push((Role::AgeBand, KeySource::Column(c.age_band.clone())));
    }
    if has(&c.sex) {
        keys.push((Role::Sex, KeySource::Column(c.sex.clone())));
    }
    if has(&c.imd) {
        keys.push((Role::Imd, KeySource::Column(c.imd.clone())));
    } else if let Some(l) = &spec.lsoa_lookup {
        if !has(&c.lsoa) {
            return Err(missing("LSOA code, for [lsoa_lookup]", &c.lsoa));
        }
        keys.push((
            Role::Imd,
            KeySource::Lookup {
                column: c.lsoa.clone(),
                file: l.path.clone(),
                key: l.lsoa.clone(),
                value: l.imd.clone(),
            },
        ));
    }
    let mut measures = Vec::new();
    let mut push = |m: Measure| {
        if let Some(i) = measures.iter().position(|x| *x == m) {
            i
        } else {
            measures.push(m);
            measures.len() - 1
        }
    };
    let records = if events {
        Some(push(Measure::Rows))
    } else if has(&c.records) {
        Some(push(Measure::SumColumn(c.records.clone())))
    } else {
        None
    };
    let mut indicators = Vec::new();
    for ind in &spec.indicators {
        let mut l = IndicatorLayout::default();
        let mut term = |text: &Option<String>| -> Result<Option<usize>, ProfileError> {
            let Some(t) = text else { return Ok(None) };
            Ok(Some(if events {
                push(Measure::CountIf(t.clone()))
            } else {
                if !has(t) {
                    return Err(missing(&format!("indicator `{}`", ind.id), t));
                }
                push(Measure::SumColumn(t.clone()))
            }))
        };
        if ind.statistic == Statistic::Mean {
            let v = ind.value.clone().unwrap_or_default();
            l.mean = Some([
                push(Measure::CountValues(v.clone())),
                push(Measure::Sum(v.clone())),
                push(Measure::SumSquares(v)),
            ]);
        } else {
            l.numerator = term(&ind.numerator)?;
            if ind.statistic == Statistic::Proportion {
                l.denominator = term(&ind.denominator)?;
            }
        }
        indicators.push(l);
    }
    let layout = Layout {
        events,
        roles: keys.iter().map(|(r, _)| *r).collect(),
        records,
        indicators,
        n_measures: measures.len(),
    };
    Ok((
        Request {
            path: source.path.clone(),
            types: source.types.iter().map(|(c, t)| (c.clone(), *t)).collect(),
            keys,
            measures,
        },
        layout,
    ))
}
