//! Action plans judged by the data. A plan (TOML, `docs/ACTION-PLANS.md`) lists actions, each
//! with an owner, a deadline and targets on a profile's indicators: a **level** ("detention
//! rate for Black people below 150"), a **gap** against the reference group ("Black:White
//! ratio below 2.0") or a **direction** ("the recovery gap narrowing"). [`assess`] judges every
//! target in every period of the profile, from the estimates and their intervals:
//!
//! - **met** — with 95 % confidence: the whole interval of the latest value is on the target's
//!   side (a direction: the whole interval of the trend's slope is);
//! - **on track** — not met yet, but the trend fitted to the values so far (weighted by their
//!   precision), projected to the deadline, reaches the target (a direction: the slope points
//!   the right way);
//! - **off track** — the projection misses the target, the slope points the wrong way, or the
//!   deadline has come without the target met;
//! - **not yet assessable** — the period's value is suppressed or missing, or fewer than three
//!   periods have values to fit a trend.
//!
//! Each verdict carries its reasoning in words, with the numbers behind it.

use levelfield_stats::{ConfidenceLevel, regression::weighted_least_squares};
use serde::Deserialize;

use crate::{ProfileData, data::PlanRow};

/// The built-in PCREF plan template, for the `pcref` spec's indicators.
pub const PCREF_TEMPLATE: &str = include_str!("../plans/pcref.toml");

/// An action plan.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Its name.
    pub name: String,
    /// Who it belongs to.
    #[serde(default)]
    pub organisation: String,
    /// The actions.
    #[serde(rename = "action")]
    pub actions: Vec<Action>,
}

/// One action: an owner, a deadline and its targets.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// A short id.
    pub id: String,
    /// What is done.
    pub title: String,
    /// Who answers for it.
    pub owner: String,
    /// When it starts (a period label).
    #[serde(default)]
    pub start: String,
    /// The period by which its targets are due.
    pub deadline: String,
    /// Its targets.
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
}

/// What a target is about.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The indicator's value for a group.
    Level,
    /// The group's gap to its dimension's reference group.
    Gap,
    /// The trend of a level or a gap.
    Direction,
}

/// How a gap is measured.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Value over the reference value.
    #[default]
    Ratio,
    /// Value minus the reference value.
    Difference,
}

/// The way a direction target wants the series to move.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Way {
    /// A level falling.
    Decreasing,
    /// A level rising.
    Increasing,
    /// A gap closing (a ratio towards 1, a difference towards 0).
    Narrowing,
}

impl Way {
    /// Its name in a plan file.
    pub fn label(self) -> &'static str {
        match self {
            Way::Decreasing => "decreasing",
            Way::Increasing => "increasing",
            Way::Narrowing => "narrowing",
        }
    }
}

/// One target.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Level, gap or direction.
    pub kind: Kind,
    /// Indicator id.
    pub indicator: String,
    /// Area code (default: the comparator, e.g. England or the whole organisation).
    #[serde(default)]
    pub area: Option<String>,
    /// Dimension label (default: the overall row).
    #[serde(default)]
    pub dimension: Option<String>,
    /// Group label.
    #[serde(default)]
    pub group: Option<String>,
    /// For gaps: ratio (default) or difference.
    #[serde(default)]
    pub measure: Option<Measure>,
    /// The value must end below this.
    #[serde(default)]
    pub below: Option<f64>,
    /// The value must end above this.
    #[serde(default)]
    pub above: Option<f64>,
    /// For direction targets.
    #[serde(default)]
    pub direction: Option<Way>,
    /// Its own deadline (default: the action's).
    #[serde(default)]
    pub by: Option<String>,
}

/// The time of a period label in years: `2023-24` and `2023` → 2023, `2023-24 Q2` and
/// `2023 Q2` → 2023.25, `2023-06` → 2023.42; `None` for a label without a leading year.
pub fn period_time(label: &str) -> Option<f64> {
    let t = label.trim();
    let year: f64 = t.get(..4)?.parse::<u16>().ok()?.into();
    let rest = &t[4..];
    if let Some(q) = rest.find(['Q', 'q']) {
        let n: f64 = rest[q + 1..].trim().get(..1)?.parse::<u8>().ok()?.into();
        return Some(year + (n - 1.0) / 4.0);
    }
    if let Some(m) = rest.strip_prefix('-').filter(|m| m.len() == 2)
        && let Ok(month) = m.parse::<u8>()
        && (1..=12).contains(&month)
        && u32::from(month) != (year as u32 + 1) % 100
    {
        // `2023-06` is a month; `2023-24` and `2011-12` are financial years.
        return Some(year + (f64::from(month) - 1.0) / 12.0);
    }
    Some(year)
}

impl Target {
    /// The target in words.
    pub fn describe(&self) -> String {
        let who = match (&self.dimension, &self.group) {
            (Some(d), Some(g)) => format!(" for {g} ({d})"),
            _ => String::new(),
        };
        let what = match (self.on_gap(), self.measure.unwrap_or_default()) {
            (false, _) => format!("{}{who}", self.indicator),
            (true, Measure::Ratio) => {
                format!("{} ratio to the reference group{who}", self.indicator)
            }
            (true, Measure::Difference) => {
                format!(
                    "{} difference from the reference group{who}",
                    self.indicator
                )
            }
        };
        match (self.below, self.above, self.direction) {
            (Some(b), _, _) => format!("{what} below {b}"),
            (_, Some(a), _) => format!("{what} above {a}"),
            (_, _, Some(w)) => format!("{what} {}", w.label()),
            _ => what,
        }
    }

    /// Whether the target follows a gap to the reference group (a gap target, or a direction
    /// with a measure) rather than a level.
    fn on_gap(&self) -> bool {
        self.kind == Kind::Gap || self.measure.is_some()
    }

    fn problems(&self, action: &str, k: usize) -> Vec<String> {
        let at = format!("action `{action}`, target {}", k + 1);
        let mut out = Vec::new();
        let thresholds = usize::from(self.below.is_some()) + usize::from(self.above.is_some());
        match self.kind {
            Kind::Level | Kind::Gap if thresholds != 1 => {
                out.push(format!("{at}: give one of `below` or `above`"));
            }
            Kind::Direction if self.direction.is_none() || thresholds > 0 => out.push(format!(
                "{at}: a direction target gives `direction` (decreasing, increasing or narrowing) and no threshold"
            )),
            Kind::Direction
                if self.direction == Some(Way::Narrowing) && self.measure.is_none() =>
            {
                out.push(format!(
                    "{at}: `narrowing` is about a gap: give `measure = \"ratio\"` or `\"difference\"`"
                ));
            }
            _ => {}
        }
        if self.on_gap() && (self.dimension.is_none() || self.group.is_none()) {
            out.push(format!("{at}: a gap needs `dimension` and `group`"));
        }
        if self.dimension.is_some() != self.group.is_some() {
            out.push(format!("{at}: give `dimension` and `group` together"));
        }
        out
    }
}

/// Parses and checks a plan.
///
/// # Errors
/// Every problem found, each naming the action and target and what to write.
pub fn parse(text: &str, origin: &str) -> Result<Plan, String> {
    let plan: Plan =
        toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim_end()))?;
    let mut problems = Vec::new();
    for a in &plan.actions {
        if period_time(&a.deadline).is_none() {
            problems.push(format!(
                "action `{}`: deadline `{}` is not a period label such as 2027-28, 2027 or 2027 Q4",
                a.id, a.deadline
            ));
        }
        if a.targets.is_empty() {
            problems.push(format!(
                "action `{}`: give at least one [[action.target]]",
                a.id
            ));
        }
        for (k, t) in a.targets.iter().enumerate() {
            problems.extend(t.problems(&a.id, k));
            if let Some(by) = &t.by
                && period_time(by).is_none()
            {
                problems.push(format!(
                    "action `{}`, target {}: `by = \"{by}\"` is not a period label",
                    a.id,
                    k + 1
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(format!(
            "{origin}: {} problem(s):\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        ))
    }
}

/// One period's value of a target's series: (period, value, lower, upper); `None` when
/// suppressed or not published.
type Point = (String, Option<(f64, f64, f64)>);

/// The series a target follows, in period order.
fn series(target: &Target, data: &ProfileData) -> Vec<Point> {
    let area = target
        .area
        .clone()
        .unwrap_or_else(|| data.comparator_code());
    let mut out: Vec<Point> = if target.on_gap() {
        let (d, g) = (
            target.dimension.as_deref().unwrap_or(""),
            target.group.as_deref().unwrap_or(""),
        );
        data.comparisons
            .iter()
            .filter(|c| {
                c.indicator_id == target.indicator
                    && c.area_code == area
                    && c.dimension == d
                    && c.group == g
            })
            .map(|c| {
                let v = match target.measure.unwrap_or_default() {
                    Measure::Ratio => (c.ratio, c.ratio_lower, c.ratio_upper),
                    Measure::Difference => (c.difference, c.difference_lower, c.difference_upper),
                };
                (
                    c.period.clone(),
                    match v {
                        (Some(v), Some(l), Some(u)) => Some((v, l, u)),
                        _ => None,
                    },
                )
            })
            .collect()
    } else {
        data.estimates
            .iter()
            .filter(|e| {
                e.indicator_id == target.indicator
                    && e.area_code == area
                    && match (&target.dimension, &target.group) {
                        (Some(d), Some(g)) => e.dimension == *d && e.group == *g,
                        _ => e.dimension == "Overall",
                    }
            })
            .map(|e| {
                (
                    e.period.clone(),
                    match (e.suppressed, e.value, e.lower, e.upper) {
                        (false, Some(v), Some(l), Some(u)) => Some((v, l, u)),
                        _ => None,
                    },
                )
            })
            .collect()
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn fmt(v: f64) -> String {
    crate::fmt::fixed(v, if v.abs() >= 10.0 { 1 } else { 2 })
}

/// The latest published value a target follows: (period, value).
pub fn latest_value(target: &Target, data: &ProfileData) -> Option<(String, f64)> {
    series(target, data)
        .into_iter()
        .rev()
        .find_map(|(p, v)| v.map(|(v, _, _)| (p, v)))
}

/// Judges one target in every period of its series.
pub fn assess_target(action: &Action, target: &Target, data: &ProfileData) -> Vec<PlanRow> {
    let deadline = target.by.clone().unwrap_or_else(|| action.deadline.clone());
    let base = PlanRow {
        action_id: action.id.clone(),
        action: action.title.clone(),
        owner: action.owner.clone(),
        target: target.describe(),
        indicator_id: target.indicator.clone(),
        deadline: deadline.clone(),
        ..PlanRow::default()
    };
    let unassessable = |reasoning: String| PlanRow {
        verdict: "not yet assessable".into(),
        reasoning,
        ..base.clone()
    };
    let Some(t_deadline) = period_time(&deadline) else {
        return vec![unassessable(format!(
            "The deadline `{deadline}` is not a period label such as 2027-28, so no trend can be projected to it."
        ))];
    };
    let level = ConfidenceLevel::new(0.95).expect("95 % is accepted");
    let points = series(target, data);
    let wanted_down = matches!(target.direction, Some(Way::Decreasing | Way::Narrowing));
    let mut out = Vec::new();
    for (i, (period, here)) in points.iter().enumerate() {
        let mut row = PlanRow {
            period: period.clone(),
            ..base.clone()
        };
        let Some((v, l, u)) = *here else {
            row.verdict = "not yet assessable".into();
            row.reasoning = format!(
                "{period}: the value is suppressed or not published, so the target cannot be judged this period."
            );
            out.push(row);
            continue;
        };
        (row.value, row.lower, row.upper) = (Some(v), Some(l), Some(u));
        let now = format!("{period}: {} (95% CI {} to {})", fmt(v), fmt(l), fmt(u));
        // The values so far, as (time, value, weight = 1/SE²).
        let known: Vec<(f64, f64, f64)> = points[..=i]
            .iter()
            .filter_map(|(p, x)| {
                let (v, l, u) = (*x)?;
                let t = period_time(p)?;
                let se = (u - l) / (2.0 * level.z());
                // A direction on a narrowing gap follows its distance from no gap.
                let y = if target.direction == Some(Way::Narrowing) {
                    match target.measure.unwrap_or_default() {
                        Measure::Ratio => v.ln().abs(),
                        Measure::Difference => v.abs(),
                    }
                } else {
                    v
                };
                let w = if se > 0.0 && target.direction != Some(Way::Narrowing) {
                    1.0 / (se * se)
                } else {
                    1.0
                };
                Some((t, y, w))
            })
            .collect();
        // The trend, with time measured from the deadline, so the intercept is the projection.
        let fit = (known.len() >= 3)
            .then(|| {
                let x: Vec<f64> = known.iter().map(|k| k.0 - t_deadline).collect();
                let y: Vec<f64> = known.iter().map(|k| k.1).collect();
                let w: Vec<f64> = known.iter().map(|k| k.2).collect();
                weighted_least_squares(&x, &y, &w, level).ok()
            })
            .flatten();
        let t_now = period_time(period).unwrap_or(f64::NEG_INFINITY);
        match target.kind {
            Kind::Level | Kind::Gap => {
                let (threshold, below) = match (target.below, target.above) {
                    (Some(b), _) => (b, true),
                    (_, Some(a)) => (a, false),
                    _ => continue,
                };
                let side = if below { "below" } else { "above" };
                let met = if below { u < threshold } else { l > threshold };
                if met {
                    row.verdict = "met".into();
                    row.reasoning = format!(
                        "{now}: the whole 95% interval is {side} {}, so the target is met with 95% confidence.",
                        fmt(threshold)
                    );
                } else if t_now >= t_deadline {
                    row.verdict = "off track".into();
                    row.reasoning = format!(
                        "{now}: the deadline {deadline} has come and the interval is not wholly {side} {}.",
                        fmt(threshold)
                    );
                } else if let Some(f) = &fit {
                    let (p, pl, pu) = (
                        f.intercept,
                        f.intercept_interval.lower,
                        f.intercept_interval.upper,
                    );
                    (row.projected, row.projected_lower, row.projected_upper) =
                        (Some(p), Some(pl), Some(pu));
                    let reaches = if below { p < threshold } else { p > threshold };
                    row.verdict = if reaches { "on track" } else { "off track" }.into();
                    row.reasoning = format!(
                        "{now}. The trend over {} periods is {} a year (95% CI {} to {}); projected to {deadline}: {} (95% CI {} to {}), {} the target {side} {}.",
                        f.n,
                        fmt(f.slope),
                        fmt(f.slope_interval.lower),
                        fmt(f.slope_interval.upper),
                        fmt(p),
                        fmt(pl),
                        fmt(pu),
                        if reaches {
                            "which reaches"
                        } else {
                            "which misses"
                        },
                        fmt(threshold)
                    );
                } else {
                    row.verdict = "not yet assessable".into();
                    row.reasoning = format!(
                        "{now}: not yet met with confidence, and {} period(s) with values are too few to project a trend (3 are needed).",
                        known.len()
                    );
                }
            }
            Kind::Direction => {
                let way = target.direction.unwrap_or(Way::Decreasing).label();
                let Some(f) = &fit else {
                    row.verdict = "not yet assessable".into();
                    row.reasoning = format!(
                        "{now}: {} period(s) with values are too few to judge a trend (3 are needed).",
                        known.len()
                    );
                    out.push(row);
                    continue;
                };
                let (b, bl, bu) = (f.slope, f.slope_interval.lower, f.slope_interval.upper);
                let confident = if wanted_down { bu < 0.0 } else { bl > 0.0 };
                let right_way = if wanted_down { b < 0.0 } else { b > 0.0 };
                let what = if target.direction == Some(Way::Narrowing) {
                    "the gap's distance from none"
                } else {
                    "the value"
                };
                row.verdict = if confident {
                    "met"
                } else if right_way {
                    "on track"
                } else {
                    "off track"
                }
                .into();
                row.reasoning = format!(
                    "{now}. Over {} periods {what} changes by {} a year (95% CI {} to {}): {}.",
                    f.n,
                    fmt(b),
                    fmt(bl),
                    fmt(bu),
                    if confident {
                        format!("{way} with 95% confidence")
                    } else if right_way {
                        format!("{way}, but not yet beyond chance")
                    } else {
                        format!("not {way}")
                    }
                );
            }
        }
        out.push(row);
    }
    if out.is_empty() {
        out.push(unassessable(
            "The profile has no values for this target: check its indicator, area, dimension and group.".into(),
        ));
    }
    out
}

/// Judges every target of the plan in every period.
pub fn assess(plan: &Plan, data: &ProfileData) -> Vec<PlanRow> {
    plan.actions
        .iter()
        .flat_map(|a| {
            a.targets
                .iter()
                .flat_map(move |t| assess_target(a, t, data))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ComparisonRow, EstimateRow};

    const PERIODS: [&str; 5] = ["2020-21", "2021-22", "2022-23", "2023-24", "2024-25"];

    /// A profile whose group `g` has these values (None: suppressed), each ± `half`.
    fn levels(series: &[(&str, &[Option<f64>])], half: f64) -> ProfileData {
        let mut data = ProfileData::default();
        data.meta.comparator_code = "ALL".into();
        for (group, values) in series {
            for (p, v) in PERIODS.iter().zip(values.iter()) {
                data.estimates.push(EstimateRow {
                    indicator_id: "det".into(),
                    area_code: "ALL".into(),
                    period: (*p).into(),
                    dimension: "Ethnic group".into(),
                    group: (*group).into(),
                    value: *v,
                    lower: v.map(|v| v - half),
                    upper: v.map(|v| v + half),
                    suppressed: v.is_none(),
                    ..EstimateRow::default()
                });
            }
        }
        data
    }

    fn ratios(values: &[f64]) -> ProfileData {
        let mut data = ProfileData::default();
        data.meta.comparator_code = "ALL".into();
        for (p, r) in PERIODS.iter().zip(values) {
            data.comparisons.push(ComparisonRow {
                indicator_id: "det".into(),
                area_code: "ALL".into(),
                period: (*p).into(),
                dimension: "Ethnic group".into(),
                group: "Black".into(),
                reference_group: "White".into(),
                ratio: Some(*r),
                ratio_lower: Some(r * 0.9),
                ratio_upper: Some(r * 1.1),
                ..ComparisonRow::default()
            });
        }
        data
    }

    fn plan(target: &str, deadline: &str) -> Plan {
        parse(
            &format!(
                "name = \"t\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"{deadline}\"\n[[action.target]]\nindicator = \"det\"\ndimension = \"Ethnic group\"\ngroup = \"Black\"\n{target}\n"
            ),
            "test",
        )
        .unwrap()
    }

    fn verdicts(plan: &Plan, data: &ProfileData) -> Vec<String> {
        assess(plan, data).into_iter().map(|r| r.verdict).collect()
    }

    #[test]
    fn level_targets_are_met_on_track_off_track_or_not_assessable() {
        let below = plan("kind = \"level\"\nbelow = 150.0", "2027-28");
        // Falling 10 a year: not met yet, projected to 130 by 2027-28: on track from the
        // third period, when a trend can be fitted.
        let falling = levels(
            &[(
                "Black",
                &[Some(200.), Some(190.), Some(180.), Some(170.), Some(160.)],
            )],
            5.0,
        );
        assert_eq!(
            verdicts(&below, &falling),
            [
                "not yet assessable",
                "not yet assessable",
                "on track",
                "on track",
                "on track"
            ]
        );
        let rows = assess(&below, &falling);
        let last = rows.last().unwrap();
        assert!((last.projected.unwrap() - 130.0).abs() < 1e-6, "{last:?}");
        assert!(
            last.reasoning.contains("projected to 2027-28: 130"),
            "{}",
            last.reasoning
        );
        // Flat: off track. Below the target with the whole interval: met.
        let flat = levels(&[("Black", &[Some(200.); 5])], 5.0);
        assert_eq!(verdicts(&below, &flat)[4], "off track");
        let low = levels(
            &[(
                "Black",
                &[Some(200.), Some(180.), Some(160.), Some(150.), Some(140.)],
            )],
            5.0,
        );
        let v = verdicts(&below, &low);
        assert_eq!(v[4], "met");
        // Under the target, but the interval reaches it: not met with confidence (on track).
        assert_eq!(v[3], "on track");
        // A suppressed period cannot be judged, and is left out of later trends.
        let gaps = levels(
            &[("Black", &[Some(200.), None, Some(180.), Some(170.), None])],
            5.0,
        );
        assert_eq!(
            verdicts(&below, &gaps),
            [
                "not yet assessable",
                "not yet assessable",
                "not yet assessable",
                "on track",
                "not yet assessable"
            ]
        );
        // The deadline has come and the target is not met: off track, whatever the trend.
        let due = plan("kind = \"level\"\nbelow = 150.0", "2023-24");
        assert_eq!(verdicts(&due, &falling)[3..], ["off track", "off track"]);
        // Above-targets mirror below-targets.
        let above = plan("kind = \"level\"\nabove = 150.0", "2027-28");
        assert_eq!(verdicts(&above, &falling)[4], "met");
    }

    #[test]
    fn gap_and_direction_targets_follow_the_ratio() {
        let gap = plan(
            "kind = \"gap\"\nmeasure = \"ratio\"\nbelow = 2.0",
            "2027-28",
        );
        assert_eq!(
            verdicts(&gap, &ratios(&[3.0, 2.8, 2.6, 2.4, 2.2]))[4],
            "on track"
        );
        assert_eq!(
            verdicts(&gap, &ratios(&[3.0, 3.1, 3.0, 3.2, 3.1]))[4],
            "off track"
        );
        assert_eq!(
            verdicts(&gap, &ratios(&[2.0, 1.9, 1.8, 1.7, 1.6]))[4],
            "met"
        );
        let narrowing = plan(
            "kind = \"direction\"\nmeasure = \"ratio\"\ndirection = \"narrowing\"",
            "2027-28",
        );
        // A steady fall of the ratio towards 1 is narrowing beyond chance; a noisy one only on
        // track; a rise off track.
        assert_eq!(
            verdicts(&narrowing, &ratios(&[3.0, 2.8, 2.6, 2.45, 2.2]))[4],
            "met"
        );
        assert_eq!(
            verdicts(&narrowing, &ratios(&[3.0, 2.7, 3.05, 2.75, 2.9]))[4],
            "on track"
        );
        assert_eq!(
            verdicts(&narrowing, &ratios(&[2.0, 2.2, 2.3, 2.5, 2.6]))[4],
            "off track"
        );
        // A ratio below 1 narrows by rising towards 1.
        assert_eq!(
            verdicts(&narrowing, &ratios(&[0.5, 0.6, 0.7, 0.8, 0.9]))[4],
            "met"
        );
    }

    #[test]
    fn plans_are_checked_and_the_template_parses() {
        let bad = "name = \"t\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"soon\"\n[[action.target]]\nkind = \"level\"\nindicator = \"det\"\n[[action.target]]\nkind = \"direction\"\nindicator = \"det\"\ndimension = \"E\"\ngroup = \"B\"\ndirection = \"narrowing\"\n";
        let err = parse(bad, "plan.toml").unwrap_err();
        for needle in [
            "deadline `soon`",
            "target 1: give one of `below` or `above`",
            "target 2: `narrowing` is about a gap",
        ] {
            assert!(err.contains(needle), "{err}");
        }
        let template = parse(PCREF_TEMPLATE, "pcref").unwrap();
        assert!(template.actions.len() >= 3);
    }

    #[test]
    fn period_labels_become_times() {
        assert_eq!(period_time("2023-24"), Some(2023.0));
        assert_eq!(period_time("2023"), Some(2023.0));
        assert_eq!(period_time("2023-24 Q3"), Some(2023.5));
        assert_eq!(period_time("2023 Q1"), Some(2023.0));
        assert_eq!(period_time("2023-04"), Some(2023.25));
        assert_eq!(period_time("2011-12"), Some(2011.0));
        assert_eq!(period_time("Q1 2023"), None);
    }
}
