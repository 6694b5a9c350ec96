//! What a profile is about, beyond its tables: title, indicators, sources, caveats. Written as
//! `profile.json` beside the tables, so a report can be rendered again from the folder alone.

use levelfield_profile::{Spec, compute::Profile};
use levelfield_stats::inequality::Polarity;
use serde::{Deserialize, Serialize};

/// The attribution line every report carries for data under the Open Government Licence.
pub const OGL_ATTRIBUTION: &str =
    "Contains public sector information licensed under the Open Government Licence v3.0.";

/// A profile's description.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    /// Report title.
    pub title: String,
    /// One line under the title: place, period, data.
    pub subtitle: String,
    /// Code of the comparator row (England, or the organisation as a whole).
    pub comparator_code: String,
    /// Name of the comparator.
    pub comparator_name: String,
    /// The kind of area in the profile (ICB, local authority, team…).
    pub area_type: String,
    /// The area a spine chart is drawn for; the first area when absent.
    pub focus_area: Option<String>,
    /// The disclosure rule applied, in words.
    pub disclosure: String,
    /// The indicators, in report order.
    pub indicators: Vec<IndicatorMeta>,
    /// How the figures were made, one paragraph each.
    pub methods: Vec<String>,
    /// What a reader must keep in mind, one paragraph each.
    pub caveats: Vec<String>,
    /// Where the data come from.
    pub sources: Vec<SourceMeta>,
    /// Licence attribution lines (the OGL line for public sector data).
    pub attribution: Vec<String>,
}

/// One indicator's description.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndicatorMeta {
    /// The `indicator_id` in the tables.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unit of the values, e.g. "per 100,000 population" or "%".
    pub unit: String,
    /// For rates: the span a value counts over — `year`, `quarter` or `month` (empty when not
    /// known, or not a rate). An annualised quarterly rate is per `year`.
    pub per: String,
    /// Which way is better: `adverse` (higher is worse), `favourable` (higher is better) or
    /// `neutral`; any other text in `profile.json` is refused when it is read.
    pub polarity: IndicatorPolarity,
    /// Definition in a sentence or two.
    pub definition: String,
}

/// Which way is better for an indicator, as `profile.json` spells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorPolarity {
    /// Higher is worse (detentions, restraint).
    Adverse,
    /// Higher is better (access, recovery).
    Favourable,
    /// No direction.
    #[default]
    Neutral,
}

impl IndicatorPolarity {
    /// The statistics crate's polarity, if the indicator has one.
    pub fn polarity(self) -> Option<Polarity> {
        match self {
            IndicatorPolarity::Adverse => Some(Polarity::Adverse),
            IndicatorPolarity::Favourable => Some(Polarity::Favourable),
            IndicatorPolarity::Neutral => None,
        }
    }

    /// The polarity the inequality measures are signed by ([`Polarity::for_measures`], as the
    /// profile computes them).
    pub fn for_measures(self) -> Polarity {
        Polarity::for_measures(self.polarity())
    }
}

/// A data source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceMeta {
    /// Short id used in notes.
    pub id: String,
    /// What it is.
    pub title: String,
    /// Where it is published.
    pub url: String,
    /// Its licence.
    pub licence: String,
}

/// One line under a profile's title: `20 areas (ICB), 2021-22 Q1 to 2024-25 Q4, quarterly`.
/// The area type is left out when it is the spec's default, which says no more than "areas".
fn subtitle(
    areas: usize,
    area_type: &str,
    first: &str,
    last: &str,
    span: Option<levelfield_model::period::Length>,
) -> String {
    let default = levelfield_profile::spec::Areas::default().area_type;
    let mut out = format!("{areas} area{}", if areas == 1 { "" } else { "s" });
    if !area_type.is_empty() && area_type != default {
        out.push_str(&format!(" ({area_type})"));
    }
    if first == last {
        out.push_str(&format!(", {first}"));
    } else {
        out.push_str(&format!(", {first} to {last}"));
    }
    if let Some(s) = span {
        out.push_str(&format!(", {}", s.adjective()));
    }
    out
}

impl Meta {
    /// The indicator's description, or one made from its id.
    pub fn indicator(&self, id: &str) -> IndicatorMeta {
        self.indicators
            .iter()
            .find(|i| i.id == id)
            .cloned()
            .unwrap_or_else(|| IndicatorMeta {
                id: id.to_string(),
                name: id.to_string(),
                polarity: IndicatorPolarity::Adverse,
                ..IndicatorMeta::default()
            })
    }

    /// Parses `profile.json`.
    ///
    /// # Errors
    /// The JSON error, with line and column.
    pub fn from_json(text: &str) -> Result<Meta, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Serialises as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("metadata serialises")
    }

    /// What a computed profile's `profile.json` says: title, comparator, indicators with their
    /// units and polarity, methods, disclosure rule, the run's diagnostics as caveats, and its
    /// source.
    pub fn for_profile(spec: &Spec, profile: &Profile) -> Meta {
        use levelfield_profile::spec::{PolaritySpec, Statistic};
        // A rate counts over its period: quarterly rates say "per quarter", never read as
        // annual ones.
        let span =
            levelfield_model::period::Length::common(profile.periods.iter().map(String::as_str));
        let indicators = spec
            .indicators
            .iter()
            .map(|i| {
                let m = i.multiplier();
                let is_rate = matches!(i.statistic, Statistic::Rate | Statistic::Dsr);
                let counted_over = match (is_rate, i.annualise, span) {
                    (true, true, _) => Some(levelfield_model::period::Length::Year),
                    (true, false, s) => s,
                    (false, _, _) => None,
                };
                let per = match (counted_over, i.annualise, span) {
                    (Some(c), true, Some(s)) if s != c => {
                        format!(" {} (annualised from {} periods)", c.per(), s.adjective())
                    }
                    (Some(c), _, _) => format!(" {}", c.per()),
                    (None, _, _) => String::new(),
                };
                let unit = match i.statistic {
                    Statistic::Proportion if m == 100.0 => "%".to_string(),
                    Statistic::Isr if m == 100.0 => "ratio × 100 (100 = as expected)".to_string(),
                    Statistic::Mean => "mean".to_string(),
                    Statistic::Proportion | Statistic::Isr => {
                        format!("per {}", crate::fmt::fixed(m, 0))
                    }
                    Statistic::Rate | Statistic::Dsr => {
                        format!("per {} population{per}", crate::fmt::fixed(m, 0))
                    }
                };
                IndicatorMeta {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    unit,
                    per: counted_over
                        .map(|c| c.word().to_string())
                        .unwrap_or_default(),
                    polarity: match i.polarity {
                        PolaritySpec::LowIsGood => IndicatorPolarity::Adverse,
                        PolaritySpec::HighIsGood => IndicatorPolarity::Favourable,
                        PolaritySpec::None => IndicatorPolarity::Neutral,
                    },
                    definition: format!("{} ({}).", i.name, i.statistic.label()),
                }
            })
            .collect();
        let (first, last) = (
            profile.periods.first().cloned().unwrap_or_default(),
            profile.periods.last().cloned().unwrap_or_default(),
        );
        Meta {
            title: spec.name.clone(),
            subtitle: subtitle(
                profile.areas.len(),
                &spec.areas.area_type,
                &first,
                &last,
                span,
            ),
            comparator_code: spec.areas.total_code.clone(),
            comparator_name: spec.areas.total_name.clone(),
            area_type: spec.areas.area_type.clone(),
            focus_area: None,
            disclosure: format!(
                "{}. Values, intervals, comparisons and benchmarks of a suppressed count are withheld with it; rates, proportions and percentages are computed from the published (rounded) counts, standardised rates and means are rounded, so no figure gives a hidden count away; inequality measures and trends use published groups only. [c] marks a figure suppressed for disclosure control, [x] one not available, [z] one not applicable.",
                profile.rule
            ),
            indicators,
            methods: vec![
                "Proportions have Wilson score intervals; crude rates exact Poisson (Byar) intervals; directly standardised rates Dobson's method; comparisons with the reference group the exact conditional rate ratio or Newcombe's difference; inequality measures follow WHO HEAT and PHEindicatormethods; trends are XmR charts with NHS England's Making Data Count rules. The method of each figure is in its table.".into(),
            ],
            caveats: profile.diagnostics.iter().map(|d| d.message.clone()).collect(),
            sources: spec
                .numerator_source()
                .map(|(s, _)| SourceMeta {
                    id: "data".into(),
                    title: "Record-level or count data given to the profile".into(),
                    url: s.path.display().to_string(),
                    licence: String::new(),
                })
                .into_iter()
                .collect(),
            attribution: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use levelfield_model::period::Length;

    #[test]
    fn subtitles_count_areas_and_say_how_long_the_periods_are() {
        assert_eq!(
            subtitle(
                20,
                "Synthetic areas",
                "2021 Q1",
                "2024 Q4",
                Some(Length::Quarter)
            ),
            "20 areas (Synthetic areas), 2021 Q1 to 2024 Q4, quarterly"
        );
        assert_eq!(
            subtitle(
                6,
                "Areas in this profile",
                "2023-24",
                "2023-24",
                Some(Length::Year)
            ),
            "6 areas, 2023-24, annual"
        );
        assert_eq!(
            subtitle(1, "", "Baseline", "Now", None),
            "1 area, Baseline to Now"
        );
    }
}
