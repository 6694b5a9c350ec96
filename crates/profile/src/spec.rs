//! The profile spec: a TOML file naming the data sources, indicators, dimensions, reference
//! groups, confidence levels, disclosure rule and trend settings of an equality profile
//! (documented for users in `docs/PROFILE-SPEC.md`), and the built-in specs.

use std::path::{Path, PathBuf};

use levelfield_model::{age::Scheme, deprivation::Direction, ethnicity::Placements};
use levelfield_stats::{ConfidenceLevel, disclosure::Rule};
use serde::Deserialize;

use crate::ProfileError;

/// A parsed and checked profile spec. Paths are resolved against the spec file's folder.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The profile's title.
    pub name: String,
    /// Confidence levels as percentages or fractions (default 95 and 99.8).
    #[serde(default = "default_confidence")]
    pub confidence: Vec<f64>,
    /// Record-level events: one row per event or person.
    #[serde(default)]
    pub events: Option<Source>,
    /// Counts already aggregated to strata (instead of `events`).
    #[serde(default)]
    pub counts: Option<Source>,
    /// Population denominators by period, area, ethnic group, age band and sex.
    #[serde(default)]
    pub population: Option<Source>,
    /// How codes are read.
    #[serde(default)]
    pub lookups: Lookups,
    /// LSOA → IMD decile lookup, for events that carry an LSOA code instead of a decile.
    #[serde(default)]
    pub lsoa_lookup: Option<LsoaLookup>,
    /// Areas: the name of the all-areas total, and area names.
    #[serde(default)]
    pub areas: Areas,
    /// The indicators, in output order.
    #[serde(default, rename = "indicator")]
    pub indicators: Vec<Indicator>,
    /// The equality dimensions, in output order (an `overall` row is always produced).
    #[serde(default, rename = "dimension")]
    pub dimensions: Vec<Dimension>,
    /// Disclosure control.
    #[serde(default)]
    pub disclosure: Disclosure,
    /// Statistical process control over periods.
    #[serde(default)]
    pub trends: Trends,
    /// Periods pooled into longer ones before estimating.
    #[serde(default)]
    pub periods: Periods,
    /// What to do with codes no lookup knows.
    #[serde(default)]
    pub validation: Validation,
    /// Where the aggregation runs: here (default) or on a cluster.
    #[serde(default)]
    pub execution: Execution,
}

/// Where the heavy stage (reading and aggregating record-level rows to strata) runs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Execution {
    /// An Apache DataFusion Ballista scheduler, `df://HOST:PORT`. Its executors read the
    /// source files (at the same paths) and only the strata come back; everything after the
    /// aggregation runs here. Needs a build with the `distributed` feature.
    pub cluster: Option<String>,
}

impl Execution {
    /// Reads a cluster address, `df://HOST:PORT` (a host name and a port from 1 to 65535),
    /// into its host and port.
    ///
    /// # Errors
    /// A sentence saying what to write instead.
    pub fn cluster_address(url: &str) -> Result<(&str, u16), String> {
        let bad = || {
            format!(
                "[execution] cluster `{url}` is not a scheduler address: write `df://HOST:PORT`, e.g. `df://10.0.0.5:50050`"
            )
        };
        let rest = url.strip_prefix("df://").ok_or_else(bad)?;
        let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        let valid_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        match port.parse::<u16>() {
            Ok(p) if p > 0 && valid_host => Ok((host, p)),
            _ => Err(bad()),
        }
    }
}

fn default_confidence() -> Vec<f64> {
    vec![95.0, 99.8]
}

/// A data file and which of its columns play which role.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The file (.csv, .parquet or .xlsx), relative to the spec file.
    pub path: PathBuf,
    /// Column names by role; absent roles take the default names.
    #[serde(default)]
    pub columns: Columns,
    /// Column types forced over what is inferred, e.g. `{ imd_code = "text" }`.
    #[serde(default)]
    pub types: std::collections::BTreeMap<String, crate::strata::ColumnType>,
}

/// Column names by role. Every field has a default name; a role whose column is absent from
/// the file is simply not used (no area column: one area; no IMD column: no IMD dimension).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    /// Period label (`2023-24`, `2024 Q1`…): periods sort as text.
    pub period: String,
    /// Area code.
    pub area: String,
    /// NHS ethnic category code (A–S, Z, 99) — or, in a population file, the code or the
    /// broad group's label.
    pub ethnicity: String,
    /// Age in whole years (events).
    pub age: String,
    /// Age band label in the profile's scheme (counts and populations; events without `age`).
    pub age_band: String,
    /// Sex or gender code (1 Male, 2 Female, 3 Non-binary, 4 Other, 9 Indeterminate, X/Z) or label.
    pub sex: String,
    /// IMD decile (1 = most deprived unless `lookups.imd_direction` says otherwise) or a label.
    pub imd: String,
    /// Population (population files).
    pub population: String,
    /// Number of records in the stratum (counts files; used for data quality).
    pub records: String,
    /// LSOA code (events without an IMD column): its decile comes from `[lsoa_lookup]`.
    pub lsoa: String,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            period: "period".into(),
            area: "area_code".into(),
            ethnicity: "ethnic_category".into(),
            age: "age".into(),
            age_band: "age_band".into(),
            sex: "sex".into(),
            imd: "imd_decile".into(),
            population: "population".into(),
            records: "records".into(),
            lsoa: "lsoa_code".into(),
        }
    }
}

/// A file that gives each LSOA its IMD decile (e.g. the English Indices of Deprivation 2019
/// file 1, with its LSOA code and IMD decile columns).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LsoaLookup {
    /// The file, relative to the spec.
    pub path: PathBuf,
    /// Column of LSOA codes (each once).
    #[serde(default = "default_lsoa")]
    pub lsoa: String,
    /// Column of IMD deciles.
    #[serde(default = "default_imd")]
    pub imd: String,
}

fn default_lsoa() -> String {
    "lsoa_code".into()
}

fn default_imd() -> String {
    "imd_decile".into()
}

/// How codes are read into groups.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lookups {
    /// Broad group of Chinese (NHS code R): `other` (NHS England) or `asian` (Census 2021).
    pub chinese: ChinesePlacement,
    /// How bare IMD decile numbers are numbered.
    pub imd_direction: ImdDirection,
    /// The age-band scheme of the profile (events' ages are banded into it; populations use it).
    pub age_bands: AgeBands,
}

impl Default for Lookups {
    fn default() -> Lookups {
        Lookups {
            chinese: ChinesePlacement::Other,
            imd_direction: ImdDirection::OneMostDeprived,
            age_bands: AgeBands::Esp2013,
        }
    }
}

impl Lookups {
    /// The ethnicity placements chosen.
    pub fn placements(&self) -> Placements {
        match self.chinese {
            ChinesePlacement::Other => Placements::default(),
            ChinesePlacement::Asian => Placements::census_2021(),
        }
    }

    /// The IMD direction chosen.
    pub fn direction(&self) -> Direction {
        match self.imd_direction {
            ImdDirection::OneMostDeprived => Direction::OneMostDeprived,
            ImdDirection::OneLeastDeprived => Direction::OneLeastDeprived,
        }
    }

    /// The age-band scheme chosen.
    pub fn scheme(&self) -> Scheme {
        match self.age_bands {
            AgeBands::Esp2013 => Scheme::Esp2013,
            AgeBands::NhsMha => Scheme::NhsMha,
            AgeBands::FiveYear => Scheme::FiveYear,
        }
    }
}

/// Where Chinese (NHS code R) is reported.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ChinesePlacement {
    /// "Other Ethnic Groups", as NHS England's statistics.
    Other,
    /// "Asian or Asian British", as the Census 2021 high-level groups.
    Asian,
}

/// How bare IMD decile numbers are numbered.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ImdDirection {
    /// 1 = most deprived (the IMD's own convention).
    OneMostDeprived,
    /// 1 = least deprived (the MHA annual publication).
    OneLeastDeprived,
}

/// The age-band scheme.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AgeBands {
    /// ESP2013's 19 bands (needed for `standard = "esp2013"`).
    Esp2013,
    /// NHS MHA statistics' 6 bands.
    NhsMha,
    /// 5-year bands to 90+.
    FiveYear,
}

/// Area naming.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Areas {
    /// Code of the all-areas total row.
    pub total_code: String,
    /// Name of the all-areas total row (the comparator of every area).
    pub total_name: String,
    /// Area type written to the Fingertips download (e.g. `Upper tier local authorities`).
    pub area_type: String,
    /// Optional file of area names: columns `area_code`, `area_name`.
    pub names: Option<PathBuf>,
}

impl Default for Areas {
    fn default() -> Areas {
        Areas {
            total_code: "ALL".into(),
            total_name: "All areas".into(),
            area_type: "Areas in this profile".into(),
            names: None,
        }
    }
}

/// One indicator.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Short identifier (letters, digits, `_` and `-`), used in outputs.
    pub id: String,
    /// Full name.
    pub name: String,
    /// The statistic.
    pub statistic: Statistic,
    /// Events: an SQL condition over event columns (`section IN ('2','3')`). Counts: the column
    /// of counts.
    #[serde(default)]
    pub numerator: Option<String>,
    /// Proportions: the condition (events) or column (counts) of the denominator. Rates, DSRs
    /// and ISRs take the population file.
    #[serde(default)]
    pub denominator: Option<String>,
    /// Means: an SQL expression over event columns whose mean is wanted.
    #[serde(default)]
    pub value: Option<String>,
    /// Multiplier (default: proportion 100, rate and DSR 100,000, ISR 100 for a ratio, mean 1).
    #[serde(default)]
    pub multiplier: Option<f64>,
    /// Whether a high value is bad (`low-is-good`), good (`high-is-good`) or neither.
    #[serde(default)]
    pub polarity: PolaritySpec,
    /// Standard population of a DSR: `esp2013` (needs `age_bands = "esp2013"`) or `total` (the
    /// profile's own all-area population by age band and sex, as NHS England's MHA statistics
    /// use England's).
    #[serde(default)]
    pub standard: Option<Standard>,
    /// Rates and DSRs over periods shorter than a year: scale each period's value (and its
    /// interval) to a year, `12 / months` times the rate over the period itself, so a
    /// quarterly rate reads "per year" and compares with annual figures and targets.
    #[serde(default)]
    pub annualise: bool,
}

impl Indicator {
    /// The multiplier of the values in a period: [`Indicator::multiplier`], times
    /// `12 / months` of the period when the indicator is annualised.
    ///
    /// # Errors
    /// An annualised indicator over a period label whose length cannot be read (a free label
    /// such as `Baseline`), naming the label and the forms that can.
    pub fn multiplier_in(&self, period: &str) -> Result<f64, String> {
        if !self.annualise {
            return Ok(self.multiplier());
        }
        let length = levelfield_model::period::Length::of(period).ok_or_else(|| {
            format!(
                "indicator `{}`: annualise needs period labels whose length can be read (2024-25, 2024, 2024 Q1, 2024-25 Q1, 2024-06); `{period}` is not one",
                self.id
            )
        })?;
        Ok(self.multiplier() * 12.0 / f64::from(length.months()))
    }

    /// The multiplier, with the statistic's default.
    pub fn multiplier(&self) -> f64 {
        self.multiplier.unwrap_or(match self.statistic {
            Statistic::Proportion | Statistic::Isr => 100.0,
            Statistic::Rate | Statistic::Dsr => 100_000.0,
            Statistic::Mean => 1.0,
        })
    }

    /// Whether the denominator is the population file.
    pub fn uses_population(&self) -> bool {
        matches!(
            self.statistic,
            Statistic::Rate | Statistic::Dsr | Statistic::Isr
        )
    }
}

/// The statistic of an indicator.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Statistic {
    /// Numerator over an event-based denominator, Wilson interval.
    Proportion,
    /// Events per population, exact/Byar interval.
    Rate,
    /// Directly standardised rate (age band × sex), Dobson interval.
    Dsr,
    /// Indirectly standardised ratio against the all-area, all-group rates by age band × sex.
    Isr,
    /// Mean of a value, Student's t interval.
    Mean,
}

impl Statistic {
    /// Label written in outputs.
    pub fn label(self) -> &'static str {
        match self {
            Statistic::Proportion => "proportion",
            Statistic::Rate => "crude rate",
            Statistic::Dsr => "directly standardised rate",
            Statistic::Isr => "indirectly standardised ratio",
            Statistic::Mean => "mean",
        }
    }
}

/// Polarity in the spec.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PolaritySpec {
    /// Lower is better (detentions, restraint).
    LowIsGood,
    /// Higher is better (access, recovery).
    HighIsGood,
    /// No direction.
    #[default]
    None,
}

impl PolaritySpec {
    /// As the statistics crate's polarity, if there is one.
    pub fn polarity(self) -> Option<levelfield_stats::inequality::Polarity> {
        use levelfield_stats::inequality::Polarity;
        match self {
            PolaritySpec::LowIsGood => Some(Polarity::Adverse),
            PolaritySpec::HighIsGood => Some(Polarity::Favourable),
            PolaritySpec::None => None,
        }
    }
}

/// Standard population of a DSR.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Standard {
    /// The 2013 European Standard Population.
    Esp2013,
    /// The profile's own all-area population (NHS England's approach with England's population).
    Total,
}

/// One equality dimension.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Which dimension.
    pub kind: DimensionKind,
    /// The reference group (code or label); default: White, White British, the least deprived
    /// decile or quintile, and for age and sex the group with the largest denominator.
    #[serde(default)]
    pub reference: Option<String>,
}

/// The dimensions a profile can break indicators down by.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum DimensionKind {
    /// NHS England's 5 broad ethnic groups (plus Not stated, Not known).
    Ethnicity,
    /// The 16 NHS ethnic categories (plus Not stated, Not known).
    EthnicityDetailed,
    /// IMD deciles, 1 most deprived.
    ImdDecile,
    /// IMD quintiles, 1 most deprived.
    ImdQuintile,
    /// Age bands of the profile's scheme.
    Age,
    /// Sex or gender.
    Sex,
}

impl DimensionKind {
    /// Label written in outputs.
    pub fn label(self) -> &'static str {
        match self {
            DimensionKind::Ethnicity => "Ethnic group (NHS 5 groups)",
            DimensionKind::EthnicityDetailed => "Ethnic category (NHS 16 categories)",
            DimensionKind::ImdDecile => "IMD decile (1 = most deprived)",
            DimensionKind::ImdQuintile => "IMD quintile (1 = most deprived)",
            DimensionKind::Age => "Age band",
            DimensionKind::Sex => "Sex",
        }
    }
}

/// Disclosure control settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Disclosure {
    /// `nhs-mha`, `hes-2018`, `custom` or `none`.
    pub rule: RuleName,
    /// Custom rule: counts from 1 to `threshold − 1` are hidden.
    pub threshold: Option<f64>,
    /// Custom rule: round shown counts to this multiple.
    pub round_to: Option<f64>,
    /// Custom rule: hide zeros too.
    pub suppress_zero: bool,
}

impl Default for Disclosure {
    fn default() -> Disclosure {
        Disclosure {
            rule: RuleName::NhsMha,
            threshold: None,
            round_to: None,
            suppress_zero: false,
        }
    }
}

/// A disclosure rule's name.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RuleName {
    /// Below 5 (zero included) hidden, others rounded to 5.
    NhsMha,
    /// 1–7 hidden, 0 shown, others rounded to 5.
    #[serde(rename = "hes-2018")]
    Hes2018,
    /// `threshold`, `round_to`, `suppress_zero`.
    Custom,
    /// No disclosure control (for internal use only).
    None,
}

impl Disclosure {
    /// The rule, with its label, or `None` for `rule = "none"`.
    ///
    /// # Errors
    /// [`ProfileError::Spec`] for a custom rule without a threshold.
    pub fn rule(&self) -> Result<Option<(Rule, String)>, ProfileError> {
        Ok(match self.rule {
            RuleName::NhsMha => Some((
                Rule::NHS_MHA,
                "NHS MHA statistics: counts below 5 hidden, others rounded to the nearest 5".into(),
            )),
            RuleName::Hes2018 => Some((
                Rule::HES_2018,
                "HES 2018: counts 1 to 7 hidden, 0 shown, others rounded to the nearest 5".into(),
            )),
            RuleName::Custom => {
                let threshold = self.threshold.ok_or_else(|| {
                    ProfileError::Spec(
                        "[disclosure] rule = \"custom\" needs threshold = N (counts 1 to N − 1 are hidden)".into(),
                    )
                })?;
                let round_to = self.round_to.unwrap_or(0.0);
                let rule = Rule::custom(threshold, round_to, self.suppress_zero)
                    .map_err(|e| ProfileError::Spec(format!("[disclosure]: {e}")))?;
                let from = if self.suppress_zero { 0 } else { 1 };
                let rounding = if round_to > 0.0 {
                    format!(", others rounded to the nearest {round_to}")
                } else {
                    String::new()
                };
                Some((
                    rule,
                    format!(
                        "custom: counts {from} to {} hidden{rounding}",
                        threshold - 1.0
                    ),
                ))
            }
            RuleName::None => None,
        })
    }
}

/// How the data's periods are published.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Periods {
    /// Pool the data's periods into longer ones (`financial-year`, `calendar-year`) before
    /// anything is estimated: small groups then reach counts that can be published. Every row
    /// of a pooled period says what it pools; populations are summed as person-years (four
    /// quarters of one population make a year of it).
    pub pool: Pool,
}

/// How periods are pooled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pool {
    /// Each period as it is in the data.
    #[default]
    None,
    /// Months and quarters into financial years from April (`2024-25`).
    FinancialYear,
    /// Months and quarters into calendar years (`2024`).
    CalendarYear,
}

/// Trend (SPC) settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Trends {
    /// The fewest periods a series needs for an SPC chart (Making Data Count advises 15–20 for
    /// settled limits; fewer give trial limits).
    pub min_periods: usize,
    /// Points in a row that make a shift or trend (7, or 6 as MDC's Excel tool).
    pub run_length: usize,
}

impl Default for Trends {
    fn default() -> Trends {
        Trends {
            min_periods: 12,
            run_length: 7,
        }
    }
}

/// Validation settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Validation {
    /// `report` (default): codes no lookup knows are counted as "not known" and listed in
    /// `data_quality.csv`; `error`: they stop the run.
    pub unknown_codes: UnknownCodes,
}

impl Default for Validation {
    fn default() -> Validation {
        Validation {
            unknown_codes: UnknownCodes::Report,
        }
    }
}

/// What to do with unknown codes.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownCodes {
    /// Count them as not known and list them in data quality.
    Report,
    /// Stop with an error listing them.
    Error,
}

/// The built-in specs: name and TOML text. Their sources are relative paths that a user
/// resolves with `--data DIR` (the folder `levelfield synth` writes has them).
pub const BUILTIN: [(&str, &str); 2] = [
    ("pcref", include_str!("../specs/pcref.toml")),
    (
        "triple-barrier",
        include_str!("../specs/triple-barrier.toml"),
    ),
];

impl Spec {
    /// Parses and checks a spec. `base` is the folder relative paths are resolved against.
    ///
    /// # Errors
    /// [`ProfileError::Spec`] naming the key and what to write instead; every problem found is
    /// listed.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Spec, ProfileError> {
        let mut spec: Spec = toml::from_str(text)
            .map_err(|e| ProfileError::Spec(format!("{origin}: {}", e.to_string().trim_end())))?;
        for source in [&mut spec.events, &mut spec.counts, &mut spec.population]
            .into_iter()
            .flatten()
        {
            source.path = base.join(&source.path);
        }
        if let Some(names) = &mut spec.areas.names {
            *names = base.join(&*names);
        }
        if let Some(l) = &mut spec.lsoa_lookup {
            l.path = base.join(&l.path);
        }
        let problems = spec.problems();
        if problems.is_empty() {
            Ok(spec)
        } else {
            Err(ProfileError::Spec(format!(
                "{origin}: {} problem(s):\n  - {}",
                problems.len(),
                problems.join("\n  - ")
            )))
        }
    }

    /// A built-in spec by name, with its data folder.
    ///
    /// # Errors
    /// [`ProfileError::Spec`] for an unknown name.
    pub fn builtin(name: &str, data: &Path) -> Result<Spec, ProfileError> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            ProfileError::Spec(format!(
                "`{name}` is neither a spec file nor a built-in spec; built-in specs: {}",
                BUILTIN.map(|(n, _)| n).join(", ")
            ))
        })?;
        Spec::parse(text, &format!("built-in spec `{name}`"), data)
    }

    /// The confidence levels.
    ///
    /// # Errors
    /// [`ProfileError::Spec`] for a level that is not accepted.
    pub fn levels(&self) -> Result<Vec<ConfidenceLevel>, ProfileError> {
        ConfidenceLevel::list(&self.confidence)
            .map_err(|e| ProfileError::Spec(format!("confidence: {e}")))
    }

    /// The files the spec reads, by role (`events`, `counts`, `population`, `area names`,
    /// `LSOA lookup`), for a caller that binds each to a file of its own choosing, as the web
    /// app binds them to uploaded datasets.
    pub fn files_mut(&mut self) -> Vec<(&'static str, &mut PathBuf)> {
        let mut out = Vec::new();
        for (role, source) in [
            ("events", &mut self.events),
            ("counts", &mut self.counts),
            ("population", &mut self.population),
        ] {
            if let Some(s) = source {
                out.push((role, &mut s.path));
            }
        }
        if let Some(names) = &mut self.areas.names {
            out.push(("area names", names));
        }
        if let Some(l) = &mut self.lsoa_lookup {
            out.push(("LSOA lookup", &mut l.path));
        }
        out
    }

    /// The source of numerators: events or counts.
    pub fn numerator_source(&self) -> Option<(&Source, bool)> {
        match (&self.events, &self.counts) {
            (Some(s), _) => Some((s, true)),
            (None, Some(s)) => Some((s, false)),
            (None, None) => None,
        }
    }

    /// Every problem with the spec itself (not the data), as sentences saying what to change.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = self.levels() {
            out.push(e.to_string());
        }
        if let Err(e) = self.disclosure.rule() {
            out.push(e.to_string());
        }
        if let Some(Err(e)) = self
            .execution
            .cluster
            .as_deref()
            .map(Execution::cluster_address)
        {
            out.push(e);
        }
        let events = match (&self.events, &self.counts) {
            (Some(_), Some(_)) => {
                out.push(
                    "give either [events] (record-level) or [counts] (aggregated), not both".into(),
                );
                true
            }
            (None, None) => {
                out.push("give an [events] or a [counts] source with its path".into());
                true
            }
            (e, _) => e.is_some(),
        };
        if self.indicators.is_empty() {
            out.push("no indicators: add at least one [[indicator]] table".into());
        }
        let mut ids = std::collections::HashSet::new();
        for ind in &self.indicators {
            let at = format!("[[indicator]] `{}`", ind.id);
            if ind.id.is_empty()
                || !ind
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                out.push(format!(
                    "{at}: id must be letters, digits, `_` or `-` (e.g. `detentions`)"
                ));
            }
            if !ids.insert(ind.id.as_str()) {
                out.push(format!(
                    "{at}: the id is used twice; give each indicator its own id"
                ));
            }
            if let Some(m) = ind.multiplier
                && !(m.is_finite() && m > 0.0)
            {
                out.push(format!("{at}: multiplier {m} must be a positive number"));
            }
            if ind.annualise && !matches!(ind.statistic, Statistic::Rate | Statistic::Dsr) {
                out.push(format!(
                    "{at}: annualise applies to rates and DSRs (counts over a span of time), not to a {}",
                    ind.statistic.label()
                ));
            }
            match ind.statistic {
                Statistic::Mean => {
                    if ind.value.is_none() {
                        out.push(format!(
                            "{at}: a mean needs value = \"<expression over event columns>\""
                        ));
                    }
                    if !events {
                        out.push(format!(
                            "{at}: means need record-level [events]; counts cannot give a mean's interval"
                        ));
                    }
                }
                s => {
                    if ind.numerator.is_none() {
                        out.push(format!(
                            "{at}: give numerator = \"{}\"",
                            if events {
                                "<condition over event columns, e.g. detained = 1>"
                            } else {
                                "<column of counts>"
                            }
                        ));
                    }
                    if s == Statistic::Proportion && ind.denominator.is_none() {
                        out.push(format!(
                            "{at}: a proportion needs denominator = \"{}\"",
                            if events {
                                "<condition over event columns, e.g. in_contact = 1>"
                            } else {
                                "<column of counts>"
                            }
                        ));
                    }
                    if ind.uses_population() && self.population.is_none() {
                        out.push(format!("{at}: a {} needs a [population] source", s.label()));
                    }
                    if ind.uses_population() && ind.denominator.is_some() {
                        out.push(format!(
                            "{at}: a {}'s denominator is the [population] file; remove denominator",
                            s.label()
                        ));
                    }
                }
            }
            if ind.statistic == Statistic::Dsr
                && ind.standard.unwrap_or(Standard::Esp2013) == Standard::Esp2013
                && self.lookups.age_bands == AgeBands::NhsMha
            {
                out.push(format!(
                    "{at}: standard = \"esp2013\" needs [lookups] age_bands = \"esp2013\" or \"five-year\"; or use standard = \"total\""
                ));
            }
            if ind.standard.is_some() && ind.statistic != Statistic::Dsr {
                out.push(format!("{at}: standard applies to dsr only; remove it"));
            }
        }
        let mut kinds = std::collections::HashSet::new();
        for d in &self.dimensions {
            if !kinds.insert(d.kind) {
                out.push(format!(
                    "[[dimension]] {:?} is listed twice; list each dimension once",
                    d.kind
                ));
            }
        }
        if self.trends.min_periods < 2 {
            out.push("[trends] min_periods must be at least 2".into());
        }
        if !(6..=9).contains(&self.trends.run_length) {
            out.push(
                "[trends] run_length must be between 6 and 9 (7 is usual, 6 as MDC's Excel tool)"
                    .into(),
            );
        }
        out
    }
}
