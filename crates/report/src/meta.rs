//! What a profile is about, beyond its tables: title, indicators, sources, caveats. Written as
//! `profile.json` beside the tables, so a report can be rendered again from the folder alone.

use levelfield_profile::{Spec, compute::Profile};
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
    /// `adverse` (higher is worse), `favourable` (higher is better) or `neutral`.
    pub polarity: String,
    /// Definition in a sentence or two.
    pub definition: String,
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
                polarity: "adverse".into(),
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
        let indicators = spec
            .indicators
            .iter()
            .map(|i| {
                let m = i.multiplier();
                let unit = match i.statistic {
                    Statistic::Proportion if m == 100.0 => "%".to_string(),
                    Statistic::Isr if m == 100.0 => "ratio × 100 (100 = as expected)".to_string(),
                    Statistic::Mean => "mean".to_string(),
                    _ => format!("per {}", crate::fmt::fixed(m, 0)),
                };
                IndicatorMeta {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    unit,
                    polarity: match i.polarity {
                        PolaritySpec::LowIsGood => "adverse",
                        PolaritySpec::HighIsGood => "favourable",
                        PolaritySpec::None => "neutral",
                    }
                    .into(),
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
            subtitle: format!(
                "{} {} area(s), {first} to {last}",
                profile.areas.len(),
                spec.areas.area_type
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
