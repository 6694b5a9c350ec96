//! The report's first page in plain words for a board: the headline gap with what "N times"
//! means, the trend, the data quality and what the profile cannot say — each sentence made
//! from the tables by the rules below, never written by hand — and the plain reading of each
//! inequality measure for the technical appendix.
//!
//! # Rules
//! - **Headline gap** ([`headline`]): the first entry of [`summary::largest_gaps`], that is the
//!   first indicator in report order with a [`summary::significant`] gap at the comparator in
//!   its latest period with a published ratio, the first of its dimensions (in table order)
//!   with one, and within that dimension the gap furthest from 1 on the log scale. The
//!   profile's author orders indicators and dimensions by importance, so the headline is the
//!   largest gap of the main measure, not the most extreme of every comparison in the profile
//!   (which tends to be a small or catch-all group). With no significant gap anywhere, the
//!   scope is the first indicator and dimension with a comparison (else with group estimates),
//!   and the page says plainly that no gap is larger than chance would explain.
//! - **Suppressed groups**: every group of the headline's indicator, dimension and period whose
//!   estimate is suppressed is named, since its gap cannot be shown and may be the largest.
//! - **Trend** ([`trend_series`]): the headline indicator's overall series, else its series for
//!   the headline group, else the first indicator's overall series, else the first series; read
//!   by [`summary::trend`], so the SPC verdict of the latest point, with the indicator's
//!   polarity, decides "better", "worse" or "no clear change".
//! - **Data quality**: the comparator's recording-completeness row in its latest period whose
//!   field names the headline dimension (a shared word stem, "ethnicity" for "Ethnic group"),
//!   else the least complete field.
//! - **Limits**: gaps are associations, not causes; and the number of figures hidden by
//!   disclosure control.

use levelfield_stats::{inequality::Polarity, measure::MeasureCode};

use crate::{
    data::{ComparisonRow, InequalityRow, ProfileData, QualityRow},
    fmt::{fixed, lowercase_first, number},
    schema::OVERALL,
    summary::{self, Series, Verdict},
};

/// What page one is about: one indicator, dimension and period, and its gap if one is larger
/// than chance would explain.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline<'a> {
    /// The indicator.
    pub indicator_id: String,
    /// The dimension (e.g. the ethnic groups).
    pub dimension: String,
    /// The period.
    pub period: String,
    /// The reference group, where there is a comparison.
    pub reference: Option<String>,
    /// The headline gap: significant, and the largest of the dimension.
    pub gap: Option<&'a ComparisonRow>,
    /// With no significant gap, the comparison furthest from 1 all the same.
    pub largest: Option<&'a ComparisonRow>,
    /// Groups of the dimension whose figures are suppressed (the reference group included).
    pub suppressed: Vec<String>,
}

impl Headline<'_> {
    /// The comparisons of the headline's indicator, dimension and period at the comparator.
    pub fn comparisons<'d>(&self, data: &'d ProfileData) -> Vec<&'d ComparisonRow> {
        let comparator = data.comparator_code();
        data.comparisons
            .iter()
            .filter(|c| {
                c.indicator_id == self.indicator_id
                    && c.area_code == comparator
                    && c.dimension == self.dimension
                    && c.period == self.period
            })
            .collect()
    }
}

/// Page one: its sentences in order (finding, trend, data quality, limits) and what it is
/// about.
#[derive(Clone, Debug, PartialEq)]
pub struct Board<'a> {
    /// Three to five plain sentences, grouped as paragraphs: the finding (what the gap is and
    /// what "N times" means), the trend, the data quality, and what the profile cannot say.
    pub paragraphs: Vec<String>,
    /// What the finding is about, if the profile has any group figures at all.
    pub headline: Option<Headline<'a>>,
}

/// The groups of `(id, dimension, period)` at the comparator whose figures are suppressed.
fn suppressed_groups(data: &ProfileData, id: &str, dimension: &str, period: &str) -> Vec<String> {
    let comparator = data.comparator_code();
    let mut out: Vec<String> = Vec::new();
    for e in &data.estimates {
        if e.indicator_id == id
            && e.area_code == comparator
            && e.dimension == dimension
            && e.period == period
            && e.suppressed
            && !out.contains(&e.group)
        {
            out.push(e.group.clone());
        }
    }
    out
}

/// The headline by the rules of this module; `None` when the profile has no group figures
/// at the comparator.
pub fn headline(data: &ProfileData) -> Option<Headline<'_>> {
    let comparator = data.comparator_code();
    if let Some(gap) = summary::largest_gaps(data).into_iter().next() {
        return Some(Headline {
            indicator_id: gap.indicator_id.clone(),
            dimension: gap.dimension.clone(),
            period: gap.period.clone(),
            reference: Some(gap.reference_group.clone()),
            gap: Some(gap),
            largest: None,
            suppressed: suppressed_groups(data, &gap.indicator_id, &gap.dimension, &gap.period),
        });
    }
    // No significant gap: the first indicator and dimension with a comparison.
    for id in data.indicator_ids() {
        let Some(period) = summary::latest_compared_period(data, &id, &comparator).or_else(|| {
            data.comparisons
                .iter()
                .filter(|c| c.indicator_id == id && c.area_code == comparator)
                .map(|c| c.period.as_str())
                .max()
        }) else {
            continue;
        };
        let Some(first) = data
            .comparisons
            .iter()
            .find(|c| c.indicator_id == id && c.area_code == comparator && c.period == period)
        else {
            continue;
        };
        let largest = data
            .comparisons
            .iter()
            .filter(|c| {
                c.indicator_id == id
                    && c.area_code == comparator
                    && c.period == period
                    && c.dimension == first.dimension
            })
            .filter_map(|c| Some((c, c.ratio.filter(|r| *r > 0.0)?.ln().abs())))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c);
        return Some(Headline {
            indicator_id: id.clone(),
            dimension: first.dimension.clone(),
            period: period.to_string(),
            reference: Some(first.reference_group.clone()),
            gap: None,
            largest,
            suppressed: suppressed_groups(data, &id, &first.dimension, period),
        });
    }
    // No comparison at all: the first indicator with group estimates, in its latest period.
    for id in data.indicator_ids() {
        let rows = || {
            data.estimates.iter().filter(|e| {
                e.indicator_id == id && e.area_code == comparator && e.dimension != OVERALL
            })
        };
        let Some(period) = rows().map(|e| e.period.as_str()).max() else {
            continue;
        };
        let Some(first) = rows().find(|e| e.period == period) else {
            continue;
        };
        return Some(Headline {
            indicator_id: id.clone(),
            dimension: first.dimension.clone(),
            period: period.to_string(),
            reference: rows()
                .find(|e| e.period == period && e.dimension == first.dimension && e.reference_group)
                .map(|e| e.group.clone()),
            gap: None,
            largest: None,
            suppressed: suppressed_groups(data, &id, &first.dimension, period),
        });
    }
    None
}

/// An indicator's name split into what is counted and how: "Detentions under the Mental
/// Health Act: age-sex standardised rate" → ("detentions under the Mental Health Act",
/// Some("age-sex standardised rate")).
fn counted(name: &str) -> (String, Option<String>) {
    match name.split_once(": ") {
        Some((what, how)) => (lowercase_first(what.trim()), Some(how.trim().to_string())),
        None => (lowercase_first(name.trim()), None),
    }
}

/// "the A group", "the A and B groups", "the A, B and C groups".
fn the_groups(groups: &[String]) -> String {
    match groups {
        [] => String::new(),
        [one] => format!("the {one} group"),
        [rest @ .., last] => format!("the {} and {last} groups", rest.join(", ")),
    }
}

/// "detentions under the Mental Health Act (age-sex standardised rate, 2023-24)", for use
/// inside a sentence; without a period, "… (age-sex standardised rate)".
fn titled(data: &ProfileData, id: &str, period: Option<&str>) -> String {
    let (what, how) = counted(&data.indicator_name(id));
    match (how, period) {
        (Some(how), Some(p)) => format!("{what} ({how}, {p})"),
        (Some(how), None) => format!("{what} ({how})"),
        (None, Some(p)) => format!("{what} ({p})"),
        (None, None) => what,
    }
}

/// `s` with its first letter in upper case, to open a sentence.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The finding: the headline gap and what "N times" means, or plainly that there is none.
fn finding(data: &ProfileData, h: &Headline) -> String {
    let title = titled(data, &h.indicator_id, Some(&h.period));
    let (what, _) = counted(&data.indicator_name(&h.indicator_id));
    let reference = h.reference.clone().unwrap_or_default();
    let suppressed_note = |any_gap: bool| -> String {
        let hidden: Vec<String> = h
            .suppressed
            .iter()
            .filter(|g| **g != reference)
            .cloned()
            .collect();
        let reference_hidden = h.suppressed.contains(&reference) && !reference.is_empty();
        let mut s = String::new();
        if !hidden.is_empty() {
            s.push_str(&format!(
                " The figures for {} are suppressed for disclosure control ([c]) because the counts are too small to publish, so {} gap cannot be shown{}.",
                the_groups(&hidden),
                if hidden.len() == 1 { "its" } else { "their" },
                if any_gap { " and could be larger" } else { "" }
            ));
        }
        if reference_hidden {
            s.push_str(&format!(
                " The reference group's ({reference}) figures are suppressed, so no group can be compared with it."
            ));
        }
        s
    };
    let ratio_text = |c: &ComparisonRow| -> String {
        match (c.ratio_lower, c.ratio_upper) {
            (Some(l), Some(u)) => format!(
                "95% confidence interval {} to {} times",
                fixed(l, 2),
                fixed(u, 2)
            ),
            _ => "no interval was published".to_string(),
        }
    };
    if let Some(c) = h.gap {
        let r = c.ratio.unwrap_or(f64::NAN);
        let per_ten = (10.0 * r).round();
        let per_ten = if per_ten < 1.0 {
            "fewer than 1".to_string()
        } else {
            format!("about {}", fixed(per_ten, 0))
        };
        let direction = if r >= 1.0 { "higher" } else { "lower" };
        return format!(
            "The largest gap: in {title}, the rate for the {} group was {} times the rate for the {} group ({}), {direction} by more than chance would explain: per head of population, for every 10 {what} in the {} group there were {per_ten} in the {} group.{}",
            c.group,
            fixed(r, 2),
            c.reference_group,
            ratio_text(c),
            c.reference_group,
            c.group,
            suppressed_note(true)
        );
    }
    let hidden: Vec<String> = h
        .suppressed
        .iter()
        .filter(|g| **g != reference)
        .cloned()
        .collect();
    if !hidden.is_empty() && !h.suppressed.contains(&reference) {
        // Suppressed groups come first: theirs may be the gap a reader is looking for.
        let rest = match h.largest {
            Some(c) => format!(
                ", and no other group's rate differs from the {reference} group's by more than chance would explain (the furthest, the {} group, is at {} times, {})",
                c.group,
                fixed(c.ratio.unwrap_or(f64::NAN), 2),
                ratio_text(c)
            ),
            None => ", and no other group could be compared with it".to_string(),
        };
        return format!(
            "No gap can be shown with confidence in {title}: the figures for {} are suppressed for disclosure control ([c]) because the counts are too small to publish, so {} gap with the {reference} group cannot be shown{rest}.",
            the_groups(&hidden),
            if hidden.len() == 1 { "its" } else { "their" },
        );
    }
    match h.largest {
        Some(c) => format!(
            "No clear gap: in {title}, no group's rate differs from the {reference} group's by more than chance would explain; the furthest from it, the {} group at {} times the {reference} group's rate ({}), could be chance, since its interval includes 1 (the same rate).{}",
            c.group,
            fixed(c.ratio.unwrap_or(f64::NAN), 2),
            ratio_text(c),
            suppressed_note(false)
        ),
        None => format!(
            "No gap can be shown for {title}: no group could be compared with a reference group.{}",
            suppressed_note(false)
        ),
    }
}

/// The series the trend sentence reads, by the rule in the module's documentation.
pub fn trend_series<'a>(
    data: &'a ProfileData,
    headline: Option<&Headline>,
) -> Option<(String, Series<'a>)> {
    let ids = data.indicator_ids();
    let usable = |id: &str, s: &Series| summary::trend(data, id, s).is_some();
    if let Some(h) = headline {
        let (shown, _) = summary::shown_series(data, &h.indicator_id);
        let group = h.gap.or(h.largest).map(|c| c.group.as_str());
        let pick = shown
            .into_iter()
            .filter(|s| usable(&h.indicator_id, s))
            .min_by_key(|s| match (s.dimension == OVERALL, Some(s.group) == group) {
                (true, _) => 0,
                (false, true) => 1,
                _ => 2,
            })
            .filter(|s| s.dimension == OVERALL || Some(s.group) == group);
        if let Some(s) = pick {
            return Some((h.indicator_id.clone(), s));
        }
    }
    for id in &ids {
        let (shown, _) = summary::shown_series(data, id);
        if let Some(s) = shown
            .into_iter()
            .find(|s| s.dimension == OVERALL && usable(id, s))
        {
            return Some((id.clone(), s));
        }
    }
    for id in &ids {
        let (shown, _) = summary::shown_series(data, id);
        if let Some(s) = shown.into_iter().find(|s| usable(id, s)) {
            return Some((id.clone(), s));
        }
    }
    None
}

/// The trend in one sentence, from the SPC verdict of the latest point.
fn trend_sentence(data: &ProfileData, headline: Option<&Headline>) -> String {
    let Some((id, s)) = trend_series(data, headline) else {
        return "Over time: there are not enough periods to say whether anything is getting better or worse.".to_string();
    };
    let Some(t) = summary::trend(data, &id, &s) else {
        return "Over time: there are not enough periods to say whether anything is getting better or worse.".to_string();
    };
    let name = if s.dimension == OVERALL {
        capitalised(&titled(data, &id, None))
    } else {
        format!(
            "{}, {} group,",
            capitalised(&titled(data, &id, None)),
            s.group
        )
    };
    let (v0, v1) = t.values;
    let dp = if v1.abs() < 10.0 { 2 } else { 1 };
    let moved = format!(
        "{name} went from {} in {} to {} in {}",
        fixed(v0, dp),
        t.first.period,
        fixed(v1, dp),
        t.last.period
    );
    let direction = match t.better {
        Some(true) => ", a move in the better direction",
        Some(false) => ", a move in the worse direction",
        None => "",
    };
    let breaks = if t.has_break {
        "; the series has a break (a change in how it was counted or measured), so read the change with care"
    } else {
        ""
    };
    match t.verdict {
        Verdict::Better => format!(
            "Getting better: {moved}, and the latest point is beyond what chance would give (a special cause of improvement on a statistical process control chart){breaks}."
        ),
        Verdict::Worse => format!(
            "Getting worse: {moved}, and the latest point is beyond what chance would give (a special cause for concern on a statistical process control chart){breaks}."
        ),
        Verdict::Changed => format!(
            "A real change: {moved}, beyond what chance would give (a special cause on a statistical process control chart); this indicator has no better or worse direction{breaks}."
        ),
        Verdict::NoClearChange => format!(
            "No clear change over time: {moved}{direction}, but the latest point is within the variation chance alone would give (common-cause variation on a statistical process control chart){breaks}."
        ),
    }
}

/// The word stems of a label, for matching a quality field to a dimension.
fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.to_lowercase().chars().take(5).collect())
        .collect()
}

/// The quality row page one reads, by the rule in the module's documentation.
fn quality_row<'a>(data: &'a ProfileData, dimension: Option<&str>) -> Option<&'a QualityRow> {
    let comparator = data.comparator_code();
    let at_comparator: Vec<&QualityRow> = data
        .quality
        .iter()
        .filter(|q| q.area_code == comparator && q.percent_recorded.is_some())
        .collect();
    let rows = if at_comparator.is_empty() {
        data.quality
            .iter()
            .filter(|q| q.percent_recorded.is_some())
            .collect()
    } else {
        at_comparator
    };
    let latest = rows.iter().map(|q| q.period.as_str()).max()?;
    let rows: Vec<&QualityRow> = rows.into_iter().filter(|q| q.period == latest).collect();
    let wanted = dimension.map(stems).unwrap_or_default();
    rows.iter()
        .copied()
        .find(|q| stems(&q.field).iter().any(|s| wanted.contains(s)))
        .or_else(|| {
            rows.iter().copied().min_by(|a, b| {
                a.percent_recorded
                    .unwrap_or(100.0)
                    .total_cmp(&b.percent_recorded.unwrap_or(100.0))
            })
        })
}

fn quality_sentence(data: &ProfileData, headline: Option<&Headline>) -> String {
    let Some(q) = quality_row(data, headline.map(|h| h.dimension.as_str())) else {
        return "Data quality: the profile has no record of how completely each field was recorded, so how far missing records change the gaps is not known.".to_string();
    };
    let p = q.percent_recorded.unwrap_or(f64::NAN);
    let records = q
        .records
        .map(|n| format!(" of the {} records", number(n)))
        .unwrap_or_else(|| " of records".to_string());
    if p >= 99.5 {
        return format!(
            "Data quality: {} is recorded for {}%{records}, so missing values change the figures little.",
            q.field,
            fixed(p, 1)
        );
    }
    format!(
        "Data quality: {} is missing or not valid for {}%{records} ({}% recorded); those records are in no group, so every group's figure is an undercount and a gap could be larger or smaller than shown.",
        q.field,
        fixed(100.0 - p, 1),
        fixed(p, 1)
    )
}

fn limits_sentence(data: &ProfileData) -> String {
    let hidden = data.estimates.iter().filter(|e| e.suppressed).count();
    let hidden = match hidden {
        0 => "no figures are hidden by disclosure control".to_string(),
        1 => "1 figure is hidden by disclosure control ([c]) because its count is too small to publish".to_string(),
        n => format!(
            "{} figures are hidden by disclosure control ([c]) because their counts are too small to publish",
            number(n as f64)
        ),
    };
    let caveats = match data.meta.caveats.len() {
        0 => String::new(),
        1 => "; the caveat in the technical appendix says what else to read with care".to_string(),
        n => format!("; the {n} caveats in the technical appendix say what else to read with care"),
    };
    format!(
        "What this profile cannot say: why the rates differ, since a gap is an association, not proof of a cause, and these figures do not separate need, access to care or bias; {hidden}{caveats}."
    )
}

/// Page one by the rules of this module.
pub fn board(data: &ProfileData) -> Board<'_> {
    let h = headline(data);
    let paragraphs = vec![
        match &h {
            Some(h) => finding(data, h),
            None => "No group figures: the profile has no estimates by group at the comparator, so it cannot show any gap.".to_string(),
        },
        trend_sentence(data, h.as_ref()),
        quality_sentence(data, h.as_ref()),
        limits_sentence(data),
    ];
    Board {
        paragraphs,
        headline: h,
    }
}

/// The headline finding alone (the first paragraph of [`board`]), for a summary printed
/// elsewhere, e.g. the demo's headline findings.
pub fn finding_sentence(data: &ProfileData) -> Option<String> {
    headline(data).map(|h| finding(data, &h))
}

/// The divisor of a rate's unit: `per 100,000 population` → 100,000; `%` → 100.
fn per(unit: &str) -> Option<f64> {
    if unit.trim() == "%" {
        return Some(100.0);
    }
    let rest = unit.trim().strip_prefix("per ")?;
    let digits: String = rest
        .split_whitespace()
        .next()?
        .chars()
        .filter(|c| *c != ',')
        .collect();
    digits.parse().ok().filter(|v: &f64| *v > 0.0)
}

/// One inequality measure in a plain sentence: [`MeasureCode::plain`] in the indicator's unit
/// and polarity, then the groups it compares; for a population attributable risk of a rate,
/// also the number of events it stands for over the population counted (`PAR × population ÷
/// the unit's divisor`), per the indicator's span (`a year`).
pub fn measure_reading(data: &ProfileData, q: &InequalityRow) -> String {
    let Some(code) = MeasureCode::from_code(&q.measure) else {
        return String::new();
    };
    let Some(v) = q.value else {
        return "Not defined for these values.".to_string();
    };
    let m = data.meta.indicator(&q.indicator_id);
    let polarity: Polarity = m.polarity.for_measures();
    let plain = code.plain(v, &m.unit, polarity);
    let mut s = plain.strip_suffix('.').unwrap_or(&plain).to_string();
    if code == MeasureCode::Par && v != 0.0 {
        let population = data
            .estimates
            .iter()
            .find(|e| {
                e.indicator_id == q.indicator_id
                    && e.area_code == q.area_code
                    && e.period == q.period
                    && e.dimension == OVERALL
            })
            .and_then(|e| e.denominator)
            .or_else(|| {
                let total: f64 = data
                    .estimates
                    .iter()
                    .filter(|e| {
                        e.indicator_id == q.indicator_id
                            && e.area_code == q.area_code
                            && e.period == q.period
                            && e.dimension == q.dimension
                    })
                    .filter_map(|e| e.denominator)
                    .sum();
                (total > 0.0).then_some(total)
            });
        if let (Some(n), Some(d)) = (population, per(&m.unit)) {
            let events = (v.abs() * n / d).round();
            let (what, _) = counted(&data.indicator_name(&q.indicator_id));
            let span = if m.per.is_empty() {
                String::new()
            } else {
                format!(" a {}", m.per)
            };
            let fewer = match polarity {
                Polarity::Adverse => "fewer",
                Polarity::Favourable => "more",
            };
            s.push_str(&format!(": about {} {fewer} {what}{span}", number(events)));
        }
    }
    // The groups compared (the SII's detail is its sign convention, said in words already).
    if !q.detail.is_empty() && code != MeasureCode::Sii {
        s.push_str(&format!(" ({})", q.detail.trim_end_matches('.')));
    }
    s.push('.');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_give_their_divisor() {
        assert_eq!(per("per 100,000 population"), Some(100_000.0));
        assert_eq!(per("per 1,000"), Some(1000.0));
        assert_eq!(per("%"), Some(100.0));
        assert_eq!(per("times the White rate"), None);
        assert_eq!(per(""), None);
    }

    #[test]
    fn names_split_into_what_is_counted_and_how() {
        assert_eq!(
            counted("Detentions under the Mental Health Act: age-sex standardised rate"),
            (
                "detentions under the Mental Health Act".to_string(),
                Some("age-sex standardised rate".to_string())
            )
        );
        assert_eq!(counted("IMD access").0, "IMD access");
        assert_eq!(the_groups(&["A".into()]), "the A group");
        assert_eq!(
            the_groups(&["A".into(), "B".into(), "C".into()]),
            "the A, B and C groups"
        );
    }

    #[test]
    fn quality_fields_match_dimensions_by_word_stem() {
        assert!(stems("Ethnic group (NHS 5 groups)").contains(&"ethni".to_string()));
        assert!(stems("ethnicity (detentions, MHSDS)").contains(&"ethni".to_string()));
        assert!(stems("IMD decile of residence").contains(&"imd".to_string()));
    }
}
