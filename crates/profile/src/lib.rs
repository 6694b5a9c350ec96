//! levelfield's equality profiles: the spec, and every step after aggregation.
//!
//! A profile runs ingest → validate → aggregate → estimate → compare → trend → suppress →
//! write. This crate owns the steps that need no query engine, so they build and test fast:
//!
//! | module | owns |
//! |---|---|
//! | [`spec`] | the TOML spec and the built-in specs `pcref` and `triple-barrier` |
//! | [`query`] | the aggregation a spec needs from a source ([`strata::Request`]) |
//! | [`strata`] | the engine's answer ([`strata::Strata`]) and population rows |
//! | [`pool`] | periods pooled into years (`[periods] pool`) |
//! | [`groups`] | codes → groups of each dimension |
//! | [`compute`] | estimates, comparisons, inequality, trends, data quality |
//! | [`disclose`] | disclosure control of everything published |
//! | [`schema`] | the tidy tables' names, columns, kinds and status values, defined once |
//! | [`output`] | the tidy tables and the Fingertips download |
//!
//! The engine crate (Apache DataFusion) answers [`strata::Request`]s; the command line wires
//! the two together.

#![deny(missing_docs)]

pub mod compute;
pub mod disclose;
pub mod groups;
pub mod output;
pub mod pool;
pub mod query;
pub mod schema;
pub mod spec;
pub mod strata;

pub use compute::Profile;
pub use spec::Spec;

/// Why a profile could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The spec is wrong: the message names the key and the fix.
    #[error("{0}")]
    Spec(String),
    /// The data is wrong: the message names the file, row or column and the fix.
    #[error("{0}")]
    Data(String),
}

/// Names areas from a table of codes and names (the spec's `[areas] names` file): codes it
/// lacks keep their code as name.
///
/// # Errors
/// [`ProfileError::Data`] when the table has no `area_code` or `area_name` column.
pub fn name_areas(
    profile: &mut Profile,
    table: &levelfield_table::Table,
) -> Result<(), ProfileError> {
    let err = |e: levelfield_table::TableError| {
        ProfileError::Data(format!(
            "{e}; an area names file has columns area_code and area_name"
        ))
    };
    let (code, name) = (
        table.index("area_code").map_err(err)?,
        table.index("area_name").map_err(err)?,
    );
    let names: std::collections::HashMap<String, String> = (0..table.n_rows())
        .map(|r| {
            (
                table.text(code, r).trim().to_string(),
                table.text(name, r).trim().to_string(),
            )
        })
        .collect();
    for (code, name) in profile.areas.iter().zip(profile.area_names.iter_mut()) {
        if let Some(n) = names.get(code) {
            name.clone_from(n);
        }
    }
    Ok(())
}

/// Runs every step after aggregation (the command line runs the same three steps, timing each): estimates, disclosure control, then comparisons,
/// inequality and trends over what may be published.
///
/// # Errors
/// [`ProfileError`] listing every problem found.
pub fn run(
    spec: &Spec,
    layout: &query::Layout,
    strata: &strata::Strata,
    population: Option<&strata::Population>,
) -> Result<Profile, ProfileError> {
    let mut profile = compute::compute(spec, layout, strata, population)?;
    disclose::protect(spec, &mut profile)?;
    compute::derive(spec, &mut profile);
    Ok(profile)
}
