//! The report's summary in plain English: the largest gaps between groups and what is getting
//! better or worse, each with its interval.

use levelfield_stats::{
    Interval, compare, inequality::Polarity, measure::MeasureCode, spc::PointType,
};

use crate::{
    data::{ComparisonRow, ProfileData, TrendRow},
    fmt::fixed,
    schema::OVERALL,
};

/// Sentences for the summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Largest significant gaps, largest first.
    pub gaps: Vec<String>,
    /// Trends, one per series.
    pub trends: Vec<String>,
}

/// The most trend series a report shows per indicator.
pub const MAX_SERIES: usize = 8;

/// One SPC series of an area: its dimension, group and points in period order.
pub struct Series<'a> {
    /// Dimension label.
    pub dimension: &'a str,
    /// Group label.
    pub group: &'a str,
    /// Points, gaps included.
    pub points: Vec<&'a TrendRow>,
}

/// The series of an indicator that a report shows, and how many it leaves to the tables: the
/// overall series and every group series whose latest point is a special cause (a board needs
/// what has changed, not every group's steady line); an indicator with no overall series shows
/// its group series. At most [`MAX_SERIES`]. The series are the comparator's.
pub fn shown_series<'a>(data: &'a ProfileData, id: &str) -> (Vec<Series<'a>>, usize) {
    series_of(data, id, &data.comparator_code(), None)
}

/// As [`shown_series`], for `area`; with a `dimension`, the overall series and every series
/// of that dimension (still at most [`MAX_SERIES`]).
pub fn series_of<'a>(
    data: &'a ProfileData,
    id: &str,
    area: &str,
    dimension: Option<&str>,
) -> (Vec<Series<'a>>, usize) {
    let mut all: Vec<Series<'a>> = Vec::new();
    for t in data.trends.iter().filter(|t| {
        t.indicator_id == id
            && t.area_code == area
            && dimension.is_none_or(|d| t.dimension == d || t.dimension == OVERALL)
    }) {
        match all
            .iter_mut()
            .find(|s| s.dimension == t.dimension && s.group == t.group)
        {
            Some(s) => s.points.push(t),
            None => all.push(Series {
                dimension: &t.dimension,
                group: &t.group,
                points: vec![t],
            }),
        }
    }
    let total = all.len();
    let has_overall = all.iter().any(|s| s.dimension == OVERALL);
    let special = |s: &Series| {
        s.points
            .iter()
            .rev()
            .find(|p| p.value.is_some())
            .is_some_and(|p| p.point_type.starts_with("special cause"))
    };
    let mut shown: Vec<Series<'a>> = all
        .into_iter()
        .filter(|s| !has_overall || dimension.is_some() || s.dimension == OVERALL || special(s))
        .collect();
    shown.truncate(MAX_SERIES);
    let left = total - shown.len();
    (shown, left)
}

/// The most gaps listed.
const MAX_GAPS: usize = 10;

/// Whether a comparison's ratio or difference interval excludes no difference
/// ([`compare::is_significant`]); a row without intervals is not.
pub fn significant(c: &ComparisonRow) -> bool {
    let interval = |l: Option<f64>, u: Option<f64>| {
        Some(Interval {
            lower: l?,
            upper: u?,
        })
    };
    compare::is_significant(
        interval(c.ratio_lower, c.ratio_upper),
        interval(c.difference_lower, c.difference_upper),
    )
    .unwrap_or(false)
}

/// The latest period of an indicator's comparisons at `area` that has a published ratio.
pub fn latest_compared_period<'a>(data: &'a ProfileData, id: &str, area: &str) -> Option<&'a str> {
    data.comparisons
        .iter()
        .filter(|c| c.indicator_id == id && c.area_code == area && c.ratio.is_some())
        .map(|c| c.period.as_str())
        .max()
}

/// The largest significant gap of each indicator (in report order) and dimension (in table
/// order) at the comparator, in the indicator's latest period with a published ratio: the
/// [`significant`] comparison whose ratio is furthest from 1 on the log scale, so a ratio of
/// 0.25 is as large a gap as one of 4.
pub fn largest_gaps(data: &ProfileData) -> Vec<&ComparisonRow> {
    let comparator = data.comparator_code();
    let mut out = Vec::new();
    for id in data.indicator_ids() {
        let latest = latest_compared_period(data, &id, &comparator);
        let mut best: Vec<(&ComparisonRow, f64)> = Vec::new();
        for c in &data.comparisons {
            if c.indicator_id == id
                && c.area_code == comparator
                && Some(c.period.as_str()) == latest
                && significant(c)
                && let Some(r) = c.ratio.filter(|r| *r > 0.0)
            {
                match best.iter_mut().find(|(b, _)| b.dimension == c.dimension) {
                    Some(b) if b.1 < r.ln().abs() => *b = (c, r.ln().abs()),
                    Some(_) => {}
                    None => best.push((c, r.ln().abs())),
                }
            }
        }
        out.extend(best.into_iter().map(|(c, _)| c));
    }
    out
}

/// Builds the summary from the comparator's rows in each indicator's latest period.
pub fn summarise(data: &ProfileData) -> Summary {
    let comparator = data.comparator_code();
    let mut summary = Summary::default();

    // Gaps: for each indicator and dimension, its largest significant ratio.
    for c in largest_gaps(data).into_iter().take(MAX_GAPS) {
        summary.gaps.push(gap_sentence(data, c));
    }
    // Deprivation: the slope index of inequality where there is one.
    for q in &data.inequality {
        if q.measure == MeasureCode::Sii.code() && q.area_code == comparator {
            let latest = data
                .inequality
                .iter()
                .filter(|o| {
                    o.indicator_id == q.indicator_id && o.measure == MeasureCode::Sii.code()
                })
                .map(|o| o.period.as_str())
                .max();
            if Some(q.period.as_str()) != latest {
                continue;
            }
            // Only a gradient whose interval excludes zero is a gap.
            if let (Some(v), Some(l), Some(u)) = (q.value, q.lower, q.upper)
                && (u < 0.0 || l > 0.0)
            {
                let m = data.meta.indicator(&q.indicator_id);
                let name = data.indicator_name(&q.indicator_id);
                let direction = if v < 0.0 { "higher" } else { "lower" };
                summary.gaps.push(format!(
                    "{name}: {direction} where deprivation is greater; the slope index of inequality is {} {} from the most to the least deprived end ({}; 95% CI {} to {}).",
                    fixed(v, 1),
                    m.unit,
                    q.period,
                    fixed(l, 1),
                    fixed(u, 1)
                ));
            }
        }
    }

    // Trends: one sentence per series the report shows.
    for id in data.indicator_ids() {
        let (shown, _) = shown_series(data, &id);
        for series in shown {
            trend_sentence(data, &id, &series, &mut summary.trends);
        }
    }
    summary
}

/// What the SPC chart says of a series' latest point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A special cause of improvement.
    Better,
    /// A special cause for concern.
    Worse,
    /// A special cause on an indicator with no better direction.
    Changed,
    /// Common-cause variation (or no SPC verdict): the change may be chance.
    NoClearChange,
}

/// One series' change from its first to its latest published point, as the summary reads it.
#[derive(Clone, Copy, Debug)]
pub struct Trend<'a> {
    /// The first point with a value.
    pub first: &'a TrendRow,
    /// The latest point with a value.
    pub last: &'a TrendRow,
    /// The value of each.
    pub values: (f64, f64),
    /// Which way the values moved by the indicator's polarity: `Some(true)` better,
    /// `Some(false)` worse, `None` no direction (or no change).
    pub better: Option<bool>,
    /// The SPC verdict of the latest point.
    pub verdict: Verdict,
    /// Whether a point's note marks a break in the series.
    pub has_break: bool,
}

/// The trend of a series with at least two published points; `None` otherwise.
pub fn trend<'a>(data: &ProfileData, id: &str, s: &Series<'a>) -> Option<Trend<'a>> {
    let points: Vec<&TrendRow> = s
        .points
        .iter()
        .copied()
        .filter(|p| p.value.is_some())
        .collect();
    if points.len() < 2 {
        return None;
    }
    let (first, last) = (*points.first()?, *points.last()?);
    let (v0, v1) = (first.value?, last.value?);
    let better = match data.meta.indicator(id).polarity.polarity() {
        _ if v0 == v1 => None,
        Some(Polarity::Adverse) => Some(v1 < v0),
        Some(Polarity::Favourable) => Some(v1 > v0),
        None => None,
    };
    // `crate::data` refuses unknown labels; an empty one has no SPC verdict.
    let verdict = match PointType::from_label(&last.point_type) {
        Some(PointType::Improvement) => Verdict::Better,
        Some(PointType::Concern) => Verdict::Worse,
        Some(PointType::Neutral) => Verdict::Changed,
        Some(PointType::CommonCause) | None => Verdict::NoClearChange,
    };
    Some(Trend {
        first,
        last,
        values: (v0, v1),
        better,
        verdict,
        has_break: points.iter().any(|p| p.note.contains("break")),
    })
}

fn trend_sentence(data: &ProfileData, id: &str, s: &Series, out: &mut Vec<String>) {
    let Some(t) = trend(data, id, s) else {
        return;
    };
    let (first, last) = (t.first, t.last);
    let (v0, v1) = t.values;
    let m = data.meta.indicator(id);
    let name = data.indicator_name(id);
    let series = if s.dimension == OVERALL {
        name
    } else {
        format!("{name}, {}", s.group)
    };
    let change = if v0 != 0.0 {
        format!(
            " ({}{}%)",
            if v1 >= v0 { "+" } else { "" },
            fixed((v1 / v0 - 1.0) * 100.0, 0)
        )
    } else {
        String::new()
    };
    let direction = match (m.polarity.polarity(), v1 < v0) {
        (Some(Polarity::Adverse), true) | (Some(Polarity::Favourable), false) => "better",
        (Some(Polarity::Adverse), false) | (Some(Polarity::Favourable), true) => "worse",
        (None, _) => "changed",
    };
    // The SPC verdict decides whether the change is called real.
    let verdict = match t.verdict {
        Verdict::Better => {
            "getting better: the latest point is a special cause of improvement".to_string()
        }
        Verdict::Worse => {
            "getting worse: the latest point is a special cause for concern".to_string()
        }
        Verdict::Changed => format!("{direction}: the latest point is a special cause"),
        Verdict::NoClearChange => {
            "the latest point is within common-cause variation, so the change may be chance"
                .to_string()
        }
    };
    let dp = if v1.abs() < 10.0 { 2 } else { 1 };
    let breaks = if t.has_break {
        " The series has a break (see the chart's notes), so read the change with care."
    } else {
        ""
    };
    out.push(format!(
        "{series}: {} in {} to {} in {}{change}; {verdict}.{breaks}",
        fixed(v0, dp),
        first.period,
        fixed(v1, dp),
        last.period
    ));
}

fn gap_sentence(data: &ProfileData, c: &ComparisonRow) -> String {
    let m = data.meta.indicator(&c.indicator_id);
    let name = data.indicator_name(&c.indicator_id);
    let comparator = data.comparator_code();
    let value = |group: &str| {
        data.estimates
            .iter()
            .find(|e| {
                e.indicator_id == c.indicator_id
                    && e.area_code == comparator
                    && e.period == c.period
                    && e.dimension == c.dimension
                    && e.group == group
            })
            .and_then(|e| e.value)
    };
    let ratio = c.ratio.unwrap_or(f64::NAN);
    let times = if ratio >= 1.0 {
        format!("{} times that of", fixed(ratio, 2))
    } else {
        format!("{}% lower than that of", fixed((1.0 - ratio) * 100.0, 0))
    };
    let (lower, upper) = (c.ratio_lower, c.ratio_upper);
    let values = match (value(&c.group), value(&c.reference_group)) {
        (Some(a), Some(b)) => format!(" ({} against {} {})", fixed(a, 1), fixed(b, 1), m.unit),
        _ => String::new(),
    };
    format!(
        "{name}, {}: {} — {times} {}{values}; ratio {} (95% CI {} to {}).",
        c.period,
        c.group,
        c.reference_group,
        fixed(ratio, 2),
        lower.map_or_else(String::new, |v| fixed(v, 2)),
        upper.map_or_else(String::new, |v| fixed(v, 2)),
    )
}
