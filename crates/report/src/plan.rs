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
//!
//! **Repeated judgements.** A target is judged again every period, and each judgement is a new
//! chance to call it met by chance alone: at 95 % each time, a target that never moves would be
//! called met at least once in twelve quarters far more often than one time in twenty. So the
//! k-th judgement of a target (k counts the periods judged so far) asks for a confidence of
//! `1 − 0.05/(k(k + 1))`: 97.5 % the first time, 99.2 % the third, 99.97 % the twelfth.
//! These error rates add up to less than 5 % however long the plan runs (`Σ 1/(k(k+1)) = 1`),
//! so the chance that a target with no real change is ever called met stays under 5 % (the
//! union bound: a family-wise error rate, as in alpha-spending rules for repeated looks at a
//! trial). "On track" and "off track" are descriptive projections and keep 95 % intervals.
//! Before any of this, [`check_against`] refuses a target whose indicator, area, dimension or
//! group the profile does not have, so a typo is never mistaken for data still to come.
//!
//! Why one long file: the plan's TOML types, the checks against a profile and the verdict rules
//! are one definition of what a target means; the rules read each other's types throughout.

use levelfield_stats::{ConfidenceLevel, regression::weighted_least_squares};
use serde::Deserialize;

use levelfield_model::period::Length;

use crate::{ProfileData, data::PlanRow, schema::OVERALL};

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

impl Kind {
    /// Every kind, in the order the web app offers them.
    pub const ALL: [Kind; 3] = [Kind::Level, Kind::Gap, Kind::Direction];

    /// Its name in a plan file and in the web app's store.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Level => "level",
            Kind::Gap => "gap",
            Kind::Direction => "direction",
        }
    }

    /// The kind a label names, or `None` for any other text.
    pub fn from_label(label: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.label() == label)
    }
}

impl Measure {
    /// Both measures.
    pub const ALL: [Measure; 2] = [Measure::Ratio, Measure::Difference];

    /// Its name in a plan file and in the web app's store.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Ratio => "ratio",
            Measure::Difference => "difference",
        }
    }

    /// The measure a label names, or `None` for any other text.
    pub fn from_label(label: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.label() == label)
    }
}

impl Way {
    /// Every way.
    pub const ALL: [Way; 3] = [Way::Decreasing, Way::Increasing, Way::Narrowing];

    /// Its name in a plan file.
    pub fn label(self) -> &'static str {
        match self {
            Way::Decreasing => "decreasing",
            Way::Increasing => "increasing",
            Way::Narrowing => "narrowing",
        }
    }

    /// The way a label names, or `None` for any other text.
    pub fn from_label(label: &str) -> Option<Way> {
        Way::ALL.into_iter().find(|w| w.label() == label)
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
    /// The span a threshold on a rate counts over: `year` (the default), `quarter` or
    /// `month`. It must be the length of the profile's periods: a quarterly rate is never
    /// judged against an annual threshold.
    #[serde(default)]
    pub per: Option<String>,
}

pub use levelfield_model::period::period_time;

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
        let per = self
            .span()
            .map(|p| format!(" {}", p.per()))
            .unwrap_or_default();
        match (self.below, self.above, self.direction) {
            (Some(b), _, _) => format!("{what} below {b}{per}"),
            (_, Some(a), _) => format!("{what} above {a}{per}"),
            (_, _, Some(w)) => format!("{what} {}", w.label()),
            _ => what,
        }
    }

    /// The span its threshold counts over, when `per` names one.
    fn span(&self) -> Option<Length> {
        self.per.as_deref().and_then(Length::from_word)
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
        if let Some(per) = &self.per
            && Length::from_word(per).is_none()
        {
            out.push(format!(
                "{at}: `per = \"{per}\"`: write year, quarter or month"
            ));
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
                        _ => e.dimension == OVERALL,
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

/// The confidence level for the `k`-th judgement of a target (`k` from 1).
///
/// # Method
/// An alpha-spending sequence: each judgement spends part of a 5 % family-wise error, so the
/// chance of ever calling a target met by chance, over any number of periods, stays below 5 %
/// by the union bound (see the module documentation).
///
/// # Formula
/// `1 − 0.05/(k(k+1))`; `Σₖ 0.05/(k(k+1)) = 0.05·(1 − 1/(K+1)) < 0.05` for any `K` looks.
///
/// # References
/// Lan, K. K. G. & DeMets, D. L. (1983), "Discrete sequential boundaries for clinical trials",
/// *Biometrika* 70, 659–663 (spending a type I error over repeated looks).
///
/// # Edge cases
/// `k = 0` is taken as 1; from about `k = 10⁷` the level stays just below 1.
///
/// # Panics
/// Never: the level lies in `[0.975, 1)` for every `k ≥ 1` (`k = 0` is taken as 1).
pub fn judgement_level(k: usize) -> ConfidenceLevel {
    let k = k.max(1) as f64;
    // Past about k = 10⁷ the level rounds to 1; stop just below it.
    let level = (1.0 - 0.05 / (k * (k + 1.0))).min(1.0 - 1e-15);
    ConfidenceLevel::new(level).expect("levels from 0.975 to just below 1 are accepted")
}

/// `v`'s interval `(l, u)` at 95 % stretched by `factor` on each side, on the log scale when
/// `log` (ratios), else as it is.
fn stretched(v: f64, l: f64, u: f64, factor: f64, log: bool) -> (f64, f64) {
    if log && v > 0.0 && l > 0.0 && u > 0.0 {
        let (lv, ll, lu) = (v.ln(), l.ln(), u.ln());
        (
            (lv - factor * (lv - ll)).exp(),
            (lv + factor * (lu - lv)).exp(),
        )
    } else {
        (v - factor * (v - l), v + factor * (u - v))
    }
}

/// A level as a percentage with as few decimals as keep it below 100: `99.2%`, `99.97%`.
fn percent(level: ConfidenceLevel) -> String {
    let p = 100.0 * level.fraction();
    (1..6)
        .map(|d| format!("{p:.d$}"))
        .find(|text| text.parse::<f64>().is_ok_and(|x| x < 100.0))
        .map_or_else(|| format!("{p}%"), |text| format!("{text}%"))
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
                // This is the k-th period judged: its interval is widened to the level that
                // keeps the chance of a false "met" over all judgements below 5 %.
                let k = points[..=i].iter().filter(|(_, x)| x.is_some()).count();
                let strict = judgement_level(k);
                let ratio_scale =
                    target.on_gap() && target.measure.unwrap_or_default() == Measure::Ratio;
                let (sl, su) = stretched(v, l, u, strict.z() / level.z(), ratio_scale);
                let met = if below {
                    su < threshold
                } else {
                    sl > threshold
                };
                if met {
                    row.verdict = "met".into();
                    row.reasoning = format!(
                        "{now}: the whole {} interval ({} to {}) is {side} {}, so the target is met with 95% confidence across all {k} period(s) judged so far.",
                        percent(strict),
                        fmt(sl),
                        fmt(su),
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
                // The k-th trend judged (a trend needs 3 periods): "met" needs the slope's
                // interval at the level that keeps the chance of a false "met" below 5 %.
                let k = known.len() - 2;
                let strict = judgement_level(k);
                let (sl, su) = {
                    let x: Vec<f64> = known.iter().map(|k| k.0 - t_deadline).collect();
                    let y: Vec<f64> = known.iter().map(|k| k.1).collect();
                    let w: Vec<f64> = known.iter().map(|k| k.2).collect();
                    weighted_least_squares(&x, &y, &w, strict)
                        .map(|g| (g.slope_interval.lower, g.slope_interval.upper))
                        .unwrap_or((bl, bu))
                };
                let confident = if wanted_down { su < 0.0 } else { sl > 0.0 };
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
                        format!(
                            "{way} with 95% confidence across all {k} trend(s) judged so far (its {} interval is {} to {})",
                            percent(strict),
                            fmt(sl),
                            fmt(su)
                        )
                    } else if right_way {
                        format!("{way}, but not yet beyond chance over {k} judgement(s)")
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

/// Why a target's threshold cannot be judged against its indicator's values for the span it
/// counts over: a threshold on a rate (a level, or a gap as a difference) is per year unless
/// `per` says otherwise, and the profile's periods must be that long.
fn span_problem(t: &Target, data: &ProfileData) -> Option<String> {
    let on_rate_scale = match t.kind {
        Kind::Level => true,
        Kind::Gap => t.measure.unwrap_or_default() == Measure::Difference,
        Kind::Direction => false,
    };
    let meta = data.meta.indicator(&t.indicator);
    if !on_rate_scale || !meta.unit.starts_with("per ") {
        return None;
    }
    // The span the profile says its values count over (an annualised rate is per year),
    // else the length of its periods.
    let length = Length::from_word(&meta.per).or_else(|| {
        Length::common(
            data.estimates
                .iter()
                .filter(|e| e.indicator_id == t.indicator)
                .map(|e| e.period.as_str()),
        )
    })?;
    let wanted = t.span().unwrap_or(Length::Year);
    (length != wanted).then(|| {
        format!(
            "`{}` is a rate {}, but the threshold is {}: write `per = \"{}\"` with a threshold {} (or profile the data by {}s, or annualise the indicator)",
            t.indicator,
            length.per(),
            wanted.per(),
            length.word(),
            length.per(),
            wanted.word()
        )
    })
}

/// Checks every target against the profile it is judged on ([`target_problems`] for each).
///
/// # Errors
/// Every problem found, each naming the action, the target and the value, with the values the
/// profile has (and the near match when only case or spacing differs).
pub fn check_against(plan: &Plan, data: &ProfileData, origin: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    for a in &plan.actions {
        for (k, t) in a.targets.iter().enumerate() {
            let at = format!("action `{}`, target {}", a.id, k + 1);
            let names = target_problems(t, data);
            let names_ok = names.is_empty();
            for problem in names {
                problems.push(format!("{at}: {problem}"));
            }
            if names_ok && let Some(problem) = span_problem(t, data) {
                problems.push(format!("{at}: {problem}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{origin}: {} target(s) do not match the profile:\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        ))
    }
}

/// What stops one target from naming what a profile has: its indicator, area, dimension and
/// group must be ones the profile has (a gap's group must also not be its dimension's
/// reference group), so that a typo is an error and never a target "not yet assessable".
/// Empty when the names are right. ([`check_against`] also checks a rate's span.)
///
/// Each problem names the value and the values the profile has (the near match when only case
/// or spacing differs). The CLI's plan files and the web app's plans both check by it.
pub fn target_problems(t: &Target, data: &ProfileData) -> Vec<String> {
    use std::collections::BTreeSet;
    let mut problems = Vec::new();
    let list = |set: &BTreeSet<&str>| {
        let shown: Vec<&str> = set.iter().take(12).copied().collect();
        let more = set.len().saturating_sub(shown.len());
        let mut text = shown.join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    let unknown = |what: &str, value: &str, set: &BTreeSet<&str>| {
        let squash = |s: &str| {
            s.to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let near = set.iter().find(|c| squash(c) == squash(value));
        match near {
            Some(n) => format!("the profile has no {what} `{value}`: did you mean `{n}`?"),
            None => format!(
                "the profile has no {what} `{value}` (it has: {})",
                list(set)
            ),
        }
    };
    let indicators: BTreeSet<&str> = data
        .estimates
        .iter()
        .map(|e| e.indicator_id.as_str())
        .collect();
    if !indicators.contains(t.indicator.as_str()) {
        problems.push(unknown("indicator", &t.indicator, &indicators));
        return problems;
    }
    let rows: Vec<_> = data
        .estimates
        .iter()
        .filter(|e| e.indicator_id == t.indicator)
        .collect();
    if let Some(area) = &t.area {
        let areas: BTreeSet<&str> = rows.iter().map(|e| e.area_code.as_str()).collect();
        if !areas.contains(area.as_str()) {
            problems.push(unknown("area code", area, &areas));
            return problems;
        }
    }
    let (Some(d), Some(g)) = (&t.dimension, &t.group) else {
        return problems;
    };
    let dimensions: BTreeSet<&str> = rows.iter().map(|e| e.dimension.as_str()).collect();
    if !dimensions.contains(d.as_str()) {
        problems.push(format!(
            "{} for indicator `{}`",
            unknown("dimension", d, &dimensions),
            t.indicator
        ));
        return problems;
    }
    let groups: BTreeSet<&str> = rows
        .iter()
        .filter(|e| e.dimension == *d)
        .map(|e| e.group.as_str())
        .collect();
    if !groups.contains(g.as_str()) {
        problems.push(format!(
            "{} in dimension `{d}`",
            unknown("group", g, &groups)
        ));
        return problems;
    }
    if t.on_gap() {
        let references: BTreeSet<&str> = data
            .comparisons
            .iter()
            .filter(|c| c.indicator_id == t.indicator && c.dimension == *d)
            .map(|c| c.reference_group.as_str())
            .collect();
        if references.len() == 1 && references.contains(g.as_str()) {
            problems.push(format!(
                "`{g}` is the reference group of `{d}`, so it has no gap to follow: name another group"
            ));
        }
    }
    problems
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

    /// A target whose true value never moves is called met by chance in fewer than 5 % of
    /// plans however many periods it is judged in (here 12 quarters), for a level at its
    /// threshold and for a narrowing gap whose true ratio stays 2.5. At 95 % each period, a
    /// third or more of such plans were called met at least once.
    #[test]
    fn repeated_judgements_of_a_target_that_does_not_move_are_rarely_met() {
        use levelfield_stats::simulation::NormalStream;
        let quarters: Vec<String> = (0..12)
            .map(|q| format!("{}-{:02} Q{}", 2021 + q / 4, (22 + q / 4) % 100, q % 4 + 1))
            .collect();
        let level = plan("kind = \"level\"\nbelow = 100.0", "2030-31");
        let narrowing = plan(
            "kind = \"direction\"\nmeasure = \"ratio\"\ndirection = \"narrowing\"",
            "2030-31",
        );
        let (plans, se) = (400, 5.0);
        let mut ever_met = [0usize; 2];
        let mut normal = NormalStream::new(20261204);
        for _ in 0..plans {
            let mut data = ProfileData::default();
            data.meta.comparator_code = "ALL".into();
            for p in &quarters {
                // A level of exactly 100 (the threshold), measured with error.
                let v = 100.0 + se * normal.next();
                data.estimates.push(EstimateRow {
                    indicator_id: "det".into(),
                    area_code: "ALL".into(),
                    period: p.clone(),
                    dimension: "Ethnic group".into(),
                    group: "Black".into(),
                    value: Some(v),
                    lower: Some(v - 1.959964 * se),
                    upper: Some(v + 1.959964 * se),
                    ..EstimateRow::default()
                });
                // A ratio of 2.5 with 10 % error on the log scale.
                let r = (2.5f64.ln() + 0.1 * normal.next()).exp();
                data.comparisons.push(ComparisonRow {
                    indicator_id: "det".into(),
                    area_code: "ALL".into(),
                    period: p.clone(),
                    dimension: "Ethnic group".into(),
                    group: "Black".into(),
                    reference_group: "White".into(),
                    ratio: Some(r),
                    ratio_lower: Some(r * (-1.959964 * 0.1f64).exp()),
                    ratio_upper: Some(r * (1.959964 * 0.1f64).exp()),
                    ..ComparisonRow::default()
                });
            }
            for (k, target) in [&level, &narrowing].into_iter().enumerate() {
                let v = verdicts(target, &data);
                assert_eq!(v.len(), 12);
                if v.iter().any(|v| v == "met") {
                    ever_met[k] += 1;
                }
            }
        }
        for (what, n) in ["level", "narrowing"].iter().zip(ever_met) {
            assert!(
                n * 20 < plans,
                "{what}: {n} of {plans} plans with no real change were called met"
            );
        }
        // And a real change is still found: a level falling well below its threshold.
        let falling = levels(
            &[(
                "Black",
                &[Some(130.), Some(110.), Some(90.), Some(70.), Some(50.)],
            )],
            5.0,
        );
        assert_eq!(verdicts(&level, &falling)[4], "met");
        let rows = assess(&level, &falling);
        assert!(
            rows[4].reasoning.contains("99.8% interval")
                && rows[4].reasoning.contains("all 5 period(s) judged"),
            "{}",
            rows[4].reasoning
        );
    }

    #[test]
    fn judgement_levels_spend_five_percent_in_all() {
        assert_eq!(judgement_level(1).fraction(), 0.975);
        assert!((judgement_level(3).fraction() - (1.0 - 0.05 / 12.0)).abs() < 1e-15);
        let spent: f64 = (1..100_000)
            .map(|k| 1.0 - judgement_level(k).fraction())
            .sum();
        assert!(spent < 0.05 && spent > 0.0499, "{spent}");
        assert!(judgement_level(usize::MAX).fraction() < 1.0);
        assert_eq!(percent(judgement_level(1)), "97.5%");
        assert_eq!(percent(judgement_level(12)), "99.97%");
    }

    /// A threshold on a rate is judged only against values of the same span: a quarterly
    /// rate refuses an annual threshold, an annualised one accepts it.
    #[test]
    fn thresholds_on_rates_match_the_span_of_the_values() {
        let mut data = ProfileData::default();
        data.meta.comparator_code = "ALL".into();
        for p in ["2024-25 Q1", "2024-25 Q2"] {
            data.estimates.push(EstimateRow {
                indicator_id: "det".into(),
                area_code: "ALL".into(),
                period: p.into(),
                dimension: OVERALL.into(),
                group: "All".into(),
                value: Some(30.0),
                ..EstimateRow::default()
            });
        }
        data.meta.indicators.push(crate::IndicatorMeta {
            id: "det".into(),
            unit: "per 100,000 population per quarter".into(),
            per: "quarter".into(),
            ..crate::IndicatorMeta::default()
        });
        let target = |per: &str| {
            parse(
                &format!("name = \"t\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"2027-28\"\n[[action.target]]\nkind = \"level\"\nindicator = \"det\"\nbelow = 150.0\n{per}"),
                "p",
            )
            .unwrap()
        };
        let err = check_against(&target(""), &data, "p").unwrap_err();
        assert!(
            err.contains("a rate per quarter, but the threshold is per year"),
            "{err}"
        );
        assert!(check_against(&target("per = \"quarter\""), &data, "p").is_ok());
        // Annualised: per year, whatever the periods.
        data.meta.indicators[0].per = "year".into();
        data.meta.indicators[0].unit =
            "per 100,000 population per year (annualised from quarterly periods)".into();
        assert!(check_against(&target(""), &data, "p").is_ok());
        assert!(check_against(&target("per = \"quarter\""), &data, "p").is_err());
        // A proportion has no span.
        data.meta.indicators[0].unit = "%".into();
        assert!(check_against(&target("per = \"month\""), &data, "p").is_ok());
        // `per` is one of three words.
        let err = parse(
            "name = \"t\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"2027-28\"\n[[action.target]]\nkind = \"level\"\nindicator = \"det\"\nbelow = 1.0\nper = \"week\"\n",
            "p",
        )
        .unwrap_err();
        assert!(err.contains("write year, quarter or month"), "{err}");
    }

    #[test]
    fn targets_the_profile_does_not_have_are_refused_by_name() {
        let data = levels(
            &[("Black", &[Some(200.); 5]), ("White", &[Some(100.); 5])],
            5.0,
        );
        let with = |target: &str| {
            parse(
                &format!(
                    "name = \"t\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"2027-28\"\n[[action.target]]\n{target}\n"
                ),
                "test",
            )
            .unwrap()
        };
        let check = |target: &str| check_against(&with(target), &data, "plan.toml");
        assert!(
            check("kind = \"level\"\nindicator = \"det\"\ndimension = \"Ethnic group\"\ngroup = \"Black\"\nbelow = 1.0").is_ok()
        );
        for (target, needle) in [
            (
                "kind = \"level\"\nindicator = \"cto\"\nbelow = 1.0",
                "no indicator `cto` (it has: det)",
            ),
            (
                "kind = \"level\"\nindicator = \"det\"\narea = \"E99\"\nbelow = 1.0",
                "no area code `E99` (it has: ALL)",
            ),
            (
                "kind = \"level\"\nindicator = \"det\"\ndimension = \"Ethnicity\"\ngroup = \"Black\"\nbelow = 1.0",
                "no dimension `Ethnicity`",
            ),
            (
                "kind = \"level\"\nindicator = \"det\"\ndimension = \"Ethnic group\"\ngroup = \"Black British\"\nbelow = 1.0",
                "no group `Black British` (it has: Black, White)",
            ),
            (
                "kind = \"level\"\nindicator = \"det\"\ndimension = \"Ethnic group\"\ngroup = \"black \"\nbelow = 1.0",
                "did you mean `Black`?",
            ),
        ] {
            let err = check(target).unwrap_err();
            assert!(
                err.starts_with("plan.toml: 1 target(s)")
                    && err.contains("action `a`, target 1")
                    && err.contains(needle),
                "{err}"
            );
        }
        // A gap for the reference group itself follows nothing.
        let mut data = data;
        data.comparisons = ratios(&[2.0; 5]).comparisons;
        let err = check_against(&with("kind = \"gap\"\nindicator = \"det\"\ndimension = \"Ethnic group\"\ngroup = \"White\"\nbelow = 1.5"), &data, "p").unwrap_err();
        assert!(err.contains("`White` is the reference group"), "{err}");
    }

    #[test]
    fn labels_are_the_names_a_plan_file_uses_and_read_back() {
        #[derive(Deserialize)]
        struct One {
            kind: Kind,
            measure: Measure,
            direction: Way,
        }
        for kind in Kind::ALL {
            for measure in Measure::ALL {
                for way in Way::ALL {
                    let text = format!(
                        "kind = \"{}\"\nmeasure = \"{}\"\ndirection = \"{}\"",
                        kind.label(),
                        measure.label(),
                        way.label()
                    );
                    let one: One = toml::from_str(&text).unwrap();
                    assert_eq!((one.kind, one.measure, one.direction), (kind, measure, way));
                    assert_eq!(Kind::from_label(kind.label()), Some(kind));
                    assert_eq!(Measure::from_label(measure.label()), Some(measure));
                    assert_eq!(Way::from_label(way.label()), Some(way));
                }
            }
        }
        for text in ["", "Level", "gaps", "ratio "] {
            assert_eq!(Kind::from_label(text), None, "{text}");
            assert_eq!(Measure::from_label(text), None, "{text}");
            assert_eq!(Way::from_label(text), None, "{text}");
        }
    }
}
