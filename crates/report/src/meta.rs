//! What a profile is about, beyond its tables: title, indicators, sources, caveats. Written as
//! `profile.json` beside the tables, so a report can be rendered again from the folder alone.

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
}
