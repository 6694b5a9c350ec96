//! Reports of an equality profile: a self-contained, accessible HTML page and a formatted XLSX
//! workbook, both built from the profile's tidy tables.
//!
//! The input is a [`ProfileData`]: typed rows read from the tables `levelfield profile` writes
//! (see [`ProfileData::from_tables`]) plus a [`Meta`] saying what the profile is about. The HTML
//! ([`html`]) has inline CSS and SVG only — no scripts, fonts or images fetched — prints on A4,
//! and puts a data table behind every chart. It opens with page one for a board ([`board`]):
//! the finding, the trend, the data quality and the profile's limits in plain sentences made
//! from the tables, and the headline rate ratios on a log scale; the inequality measures and
//! the methods are in a technical appendix at the end. The workbook ([`workbook()`]) holds the
//! same tables with a contents sheet and notes. This crate does no I/O: callers read and write
//! files.

#![deny(missing_docs)]

pub mod associate;
pub mod board;
pub mod data;
pub mod fmt;
pub mod funnel;
pub mod html;
pub mod meta;
pub mod plan;
pub mod sensitivity;
pub mod summary;
mod workbook;

pub use data::ProfileData;
/// The tidy tables' layout (names, columns, kinds, `Overall`, status values), shared with the
/// profile that writes them.
pub use levelfield_profile::schema;
pub use meta::{IndicatorMeta, Meta, OGL_ATTRIBUTION, SourceMeta};
pub use workbook::workbook;

/// What can go wrong building a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A table is missing or malformed.
    #[error("{table}: {message}")]
    Table {
        /// The table's file stem.
        table: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
    /// The XLSX writer failed.
    #[error("the workbook could not be built: {0}")]
    Workbook(String),
}
