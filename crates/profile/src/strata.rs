//! What a profile asks of the data engine ([`Request`]) and what the engine hands back
//! ([`Strata`]): one row per distinct combination of key values, with summed measures, stored
//! column-wise with dictionary-coded keys so that millions of strata stay compact.

use std::path::PathBuf;

use levelfield_model::age::Scheme;

/// The role a key column plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Period label.
    Period,
    /// Area code.
    Area,
    /// Ethnic category code.
    Ethnicity,
    /// Age band label (events' ages are banded by the engine).
    AgeBand,
    /// Sex or gender code.
    Sex,
    /// IMD decile or label.
    Imd,
}

/// How a key column is read.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySource {
    /// The column's values as text.
    Column(String),
    /// An age in whole years, banded into the scheme's labels; missing stays missing, an age
    /// below 0 or above 130 becomes the label `invalid age`.
    AgeInYears(String, Scheme),
    /// A value looked up in another file by this column (an LSOA code → its IMD decile); a code
    /// the lookup does not have gives a missing value.
    Lookup {
        /// The column of the source holding the code.
        column: String,
        /// The lookup file.
        file: PathBuf,
        /// The lookup's column of codes (each code once).
        key: String,
        /// The lookup's column of values.
        value: String,
    },
}

impl KeySource {
    /// The source column's name.
    pub fn column(&self) -> &str {
        match self {
            KeySource::Column(c) | KeySource::AgeInYears(c, _) => c,
            KeySource::Lookup { column, .. } => column,
        }
    }
}

/// One summed measure.
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    /// Number of rows.
    Rows,
    /// Number of rows where an SQL condition holds.
    CountIf(String),
    /// Sum of a column of counts.
    SumColumn(String),
    /// Number of rows where an SQL expression is not null.
    CountValues(String),
    /// Sum of an SQL expression.
    Sum(String),
    /// Sum of the squares of an SQL expression.
    SumSquares(String),
}

/// A column type a spec can force on a source column, overriding what the engine infers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnType {
    /// Text: codes such as `01` keep their leading zeros.
    Text,
    /// Whole numbers.
    Integer,
    /// Real numbers.
    Number,
}

/// An aggregation the engine must run: group one source by its key columns and sum measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The file.
    pub path: PathBuf,
    /// Column types that override inference (CSV: read as this type; other formats: cast).
    pub types: Vec<(String, ColumnType)>,
    /// Key columns by role, in output order.
    pub keys: Vec<(Role, KeySource)>,
    /// The measures, in output order.
    pub measures: Vec<Measure>,
}

/// One dictionary-coded key column of [`Strata`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyColumn {
    /// Distinct values; `None` is a missing value.
    pub dictionary: Vec<Option<String>>,
    /// For each stratum, its value's index in `dictionary`.
    pub codes: Vec<u32>,
}

impl KeyColumn {
    /// The value of stratum `row`.
    pub fn value(&self, row: usize) -> Option<&str> {
        self.dictionary[self.codes[row] as usize].as_deref()
    }
}

/// Aggregated strata: the answer to a [`Request`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strata {
    /// Key columns, in the request's order.
    pub keys: Vec<(Role, KeyColumn)>,
    /// Measures, in the request's order: `values[m][row]`.
    pub values: Vec<Vec<f64>>,
}

impl Strata {
    /// Number of strata.
    pub fn len(&self) -> usize {
        self.values
            .first()
            .map(Vec::len)
            .or_else(|| self.keys.first().map(|(_, k)| k.codes.len()))
            .unwrap_or(0)
    }

    /// True when there are no strata.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key column of a role, if requested.
    pub fn key(&self, role: Role) -> Option<&KeyColumn> {
        self.keys.iter().find(|(r, _)| *r == role).map(|(_, k)| k)
    }

    /// Builds strata from rows of text keys and measures (for tests and small tables): equal
    /// keys are merged and their measures summed.
    pub fn from_rows(roles: &[Role], rows: &[(Vec<Option<&str>>, Vec<f64>)]) -> Strata {
        let mut index: std::collections::HashMap<Vec<Option<&str>>, usize> =
            std::collections::HashMap::new();
        let mut merged: Vec<(Vec<Option<&str>>, Vec<f64>)> = Vec::new();
        for (k, v) in rows {
            match index.get(k) {
                Some(&i) => {
                    for (a, b) in merged[i].1.iter_mut().zip(v) {
                        *a += b;
                    }
                }
                None => {
                    index.insert(k.clone(), merged.len());
                    merged.push((k.clone(), v.clone()));
                }
            }
        }
        let n_measures = rows.first().map_or(0, |(_, v)| v.len());
        let mut keys: Vec<(Role, KeyColumn)> =
            roles.iter().map(|r| (*r, KeyColumn::default())).collect();
        let mut values = vec![Vec::with_capacity(merged.len()); n_measures];
        for (k, v) in &merged {
            for ((_, col), value) in keys.iter_mut().zip(k) {
                let value = value.map(str::to_string);
                let code = match col.dictionary.iter().position(|d| *d == value) {
                    Some(c) => c,
                    None => {
                        col.dictionary.push(value);
                        col.dictionary.len() - 1
                    }
                };
                col.codes.push(code as u32);
            }
            for (m, x) in values.iter_mut().zip(v) {
                m.push(*x);
            }
        }
        Strata { keys, values }
    }
}

/// Where a population row came from, for messages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PopulationRow {
    /// Period.
    pub period: String,
    /// Area code (empty when the file has no area column).
    pub area: String,
    /// Ethnic category code or group label, if the file has an ethnicity column.
    pub ethnicity: Option<String>,
    /// Age band label, if the file has one.
    pub age_band: Option<String>,
    /// Sex code or label, if the file has one.
    pub sex: Option<String>,
    /// IMD decile or label, if the file has one.
    pub imd: Option<String>,
    /// The population.
    pub population: f64,
    /// 1-based data row in the file (header not counted).
    pub row: usize,
}

/// A population file as read: its rows and which breakdowns it has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Population {
    /// The file, for messages.
    pub file: String,
    /// Rows.
    pub rows: Vec<PopulationRow>,
    /// Which key roles the file has.
    pub roles: Vec<Role>,
}

impl Population {
    /// Reads population rows from a table, by the spec's column names. Absent optional columns
    /// (area, ethnicity, age band, sex, IMD) mean the file has no breakdown by them.
    ///
    /// # Errors
    /// [`crate::ProfileError::Data`] naming the file, row and column of a missing period or
    /// population, a population that is not a number, or a missing required column.
    pub fn from_table(
        table: &levelfield_table::Table,
        columns: &crate::spec::Columns,
    ) -> Result<Population, crate::ProfileError> {
        let file = table.source_name();
        let err = |m: String| crate::ProfileError::Data(format!("{file}: {m}"));
        let find = |name: &str| table.index(name).ok();
        let period = find(&columns.period).ok_or_else(|| {
            err(format!(
                "no `{}` column (period); its columns are {}. Name it under [population.columns]",
                columns.period,
                table.names().join(", ")
            ))
        })?;
        if find(&columns.population).is_none() {
            return Err(err(format!(
                "no `{}` column (population); its columns are {}. Name it under [population.columns]",
                columns.population,
                table.names().join(", ")
            )));
        }
        let pops = table
            .numbers(&columns.population)
            .map_err(|e| err(e.to_string()))?;
        let optional = [
            (Role::Area, find(&columns.area)),
            (Role::Ethnicity, find(&columns.ethnicity)),
            (Role::AgeBand, find(&columns.age_band)),
            (Role::Sex, find(&columns.sex)),
            (Role::Imd, find(&columns.imd)),
        ];
        let text = |c: Option<usize>, row: usize| -> Option<String> {
            c.map(|c| table.text(c, row).trim().to_string())
        };
        let mut rows = Vec::with_capacity(table.n_rows());
        let mut problems = Vec::new();
        for (row, pop) in pops.iter().enumerate() {
            let p = table.text(period, row).trim().to_string();
            if p.is_empty() {
                problems.push(format!(
                    "row {}, column `{}`: no period; give every row a period",
                    row + 1,
                    columns.period
                ));
                continue;
            }
            let Some(pop) = pop else {
                problems.push(format!(
                    "row {}, column `{}`: no population; give a number",
                    row + 1,
                    columns.population
                ));
                continue;
            };
            rows.push(PopulationRow {
                period: p,
                area: text(optional[0].1, row).unwrap_or_default(),
                ethnicity: text(optional[1].1, row),
                age_band: text(optional[2].1, row),
                sex: text(optional[3].1, row),
                imd: text(optional[4].1, row),
                population: *pop,
                row,
            });
            if problems.len() >= 20 {
                break;
            }
        }
        if !problems.is_empty() {
            return Err(err(problems.join("\n")));
        }
        Ok(Population {
            file,
            rows,
            roles: std::iter::once(Role::Period)
                .chain(
                    optional
                        .iter()
                        .filter(|(_, c)| c.is_some())
                        .map(|(r, _)| *r),
                )
                .collect(),
        })
    }
}
