//! The report's summary in plain English: the largest gaps between groups and what is getting
//! better or worse, each with its interval.

use crate::{
    data::{ComparisonRow, ProfileData},
    fmt::fixed,
};

/// Sentences for the summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Largest significant gaps, largest first.
    pub gaps: Vec<String>,
    /// Trends, one per series.
    pub trends: Vec<String>,
}

/// The most gaps listed.
const MAX_GAPS: usize = 10;

fn significant(c: &ComparisonRow) -> bool {
    match (c.ratio_lower, c.ratio_upper) {
        (Some(l), Some(u)) => l > 1.0 || u < 1.0,
        _ => false,
    }
}

/// Builds the summary from the comparator's rows in each indicator's latest period.
pub fn summarise(data: &ProfileData) -> Summary {
    let comparator = data.comparator_code();
    let mut summary = Summary::default();

    // Gaps: for each indicator (in report order) and dimension, its largest significant ratio
    // at the comparator in the indicator's latest period, by distance from 1 on the log scale.
    for id in data.indicator_ids() {
        let latest = data
            .comparisons
            .iter()
            .filter(|c| c.indicator_id == id && c.area_code == comparator)
            .map(|c| c.period.as_str())
            .max();
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
        for (c, _) in best {
            if summary.gaps.len() < MAX_GAPS {
                summary.gaps.push(gap_sentence(data, c));
            }
        }
    }
    // Deprivation: the slope index of inequality where there is one.
    for q in &data.inequality {
        if q.measure == "SII" && q.area_code == comparator {
            let latest = data
                .inequality
                .iter()
                .filter(|o| o.indicator_id == q.indicator_id && o.measure == "SII")
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
                    "{name} is {direction} where deprivation is greater: the slope index of inequality is {} {} from the most to the least deprived end ({}; 95% CI {} to {}).",
                    fixed(v, 1),
                    m.unit,
                    q.period,
                    fixed(l, 1),
                    fixed(u, 1)
                ));
            }
        }
    }

    // Trends: one sentence per series at the comparator.
    let mut seen: Vec<(&str, &str, &str)> = Vec::new();
    for t in &data.trends {
        if t.area_code != comparator {
            continue;
        }
        let key = (
            t.indicator_id.as_str(),
            t.dimension.as_str(),
            t.group.as_str(),
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let points: Vec<_> = data
            .trends
            .iter()
            .filter(|o| {
                o.indicator_id == t.indicator_id
                    && o.area_code == comparator
                    && o.dimension == t.dimension
                    && o.group == t.group
                    && o.value.is_some()
            })
            .collect();
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            continue;
        };
        if points.len() < 2 {
            continue;
        }
        let (v0, v1) = (first.value.unwrap_or(0.0), last.value.unwrap_or(0.0));
        let m = data.meta.indicator(&t.indicator_id);
        let name = data.indicator_name(&t.indicator_id);
        let series = if t.dimension == "Overall" {
            name
        } else {
            format!("{name}, {}", t.group)
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
        let verdict = match last.point_type.as_str() {
            "special cause improvement" => "the latest point is a special cause of improvement",
            "special cause concern" => "the latest point is a special cause for concern",
            "special cause neutral" => "the latest point is a special cause",
            _ => "the latest point is within common-cause variation",
        };
        let better = match (m.polarity.as_str(), v1 < v0) {
            ("adverse", true) | ("favourable", false) => "better",
            ("adverse", false) | ("favourable", true) => "worse",
            _ => "changed",
        };
        let dp = if v1.abs() < 10.0 { 2 } else { 1 };
        let breaks = if points.iter().any(|p| p.note.contains("break")) {
            " The series has a break (see the chart's notes), so read the change with care."
        } else {
            ""
        };
        summary.trends.push(format!(
            "{series}: {} in {} to {} in {}{change}, {better} over the period; {verdict}.{breaks}",
            fixed(v0, dp),
            first.period,
            fixed(v1, dp),
            last.period
        ));
    }
    summary
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
