//! `levelfield report` and `levelfield demo`: a profile folder (or the shipped published
//! figures) rendered as the HTML report and the XLSX workbook.

use std::path::Path;

use levelfield_report::{Meta, ProfileData, data::TABLES as STEMS};
use levelfield_table::{Format, write, write_bytes, write_text};

use crate::{
    CommandError,
    args::{DemoArgs, ReportArgs},
};

/// The metadata file beside a profile's tables.
pub(crate) const META_FILE: &str = "profile.json";
/// The report's file name inside an output folder.
pub(crate) const REPORT_FILE: &str = "report.html";
/// The workbook's file name inside an output folder.
pub(crate) const WORKBOOK_FILE: &str = "workbook.xlsx";

impl From<levelfield_report::ReportError> for CommandError {
    fn from(e: levelfield_report::ReportError) -> CommandError {
        CommandError::Input(e.to_string())
    }
}

/// Reads a profile folder: the tables (CSV, else Parquet, else XLSX) and `profile.json`,
/// either in the folder itself (`levelfield profile --out`) or in its `tables/` (`levelfield
/// demo`).
pub(crate) fn read_profile(dir: &Path) -> Result<ProfileData, CommandError> {
    if !dir.is_dir() {
        return Err(CommandError::Input(format!(
            "{}: no such folder; give --profile the folder `levelfield profile --out` wrote",
            dir.display()
        )));
    }
    let has_estimates = |d: &Path| {
        ["csv", "parquet", "xlsx"]
            .iter()
            .any(|ext| d.join(format!("estimates.{ext}")).is_file())
    };
    let nested = dir.join("tables");
    let dir: &Path = if !has_estimates(dir) && has_estimates(&nested) {
        &nested
    } else {
        dir
    };
    let meta_path = dir.join(META_FILE);
    let meta = if meta_path.is_file() {
        let text = std::fs::read_to_string(&meta_path).map_err(|e| {
            CommandError::Input(format!("{}: cannot be read: {e}", meta_path.display()))
        })?;
        Meta::from_json(&text).map_err(|e| {
            CommandError::Input(format!(
                "{}: not valid profile metadata: {e}; delete it to render without it, or run the profile again",
                meta_path.display()
            ))
        })?
    } else {
        Meta::default()
    };
    let mut tables = Vec::new();
    for stem in STEMS {
        let found = ["csv", "parquet", "xlsx"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .find(|p| p.is_file());
        if let Some(path) = found {
            tables.push((stem.to_string(), levelfield_table::read(&path)?));
        }
    }
    if tables.iter().all(|(s, _)| s != "estimates") {
        return Err(CommandError::Input(format!(
            "{}: no estimates.csv (or .parquet, .xlsx); give --profile the folder `levelfield profile --out` wrote",
            dir.display()
        )));
    }
    Ok(ProfileData::from_tables(meta, &tables)?)
}

/// Renders both documents into memory.
pub(crate) fn render(data: &ProfileData) -> Result<(String, Vec<u8>), CommandError> {
    Ok((
        levelfield_report::html::render(data),
        levelfield_report::workbook(data)?,
    ))
}

/// `levelfield report`.
pub(crate) fn run(args: &ReportArgs) -> Result<(), CommandError> {
    let data = read_profile(&args.profile)?;
    let (html, xlsx) = render(&data)?;
    // Beside the tables, the same names as `profile --report` and `demo` write; a report
    // written elsewhere takes its workbook's name from its own.
    let (out, book) = match &args.out {
        Some(out) => (out.clone(), out.with_extension("xlsx")),
        None => (
            args.profile.join(REPORT_FILE),
            args.profile.join(WORKBOOK_FILE),
        ),
    };
    write_text(&out, &html).map_err(CommandError::Write)?;
    write_bytes(&book, &xlsx).map_err(CommandError::Write)?;
    println!("{}", out.display());
    println!("{}", book.display());
    Ok(())
}

/// `levelfield demo`.
pub(crate) fn demo(args: &DemoArgs) -> Result<(), CommandError> {
    let data = levelfield_demo::profile().map_err(|e| CommandError::Input(e.to_string()))?;
    let (html, xlsx) = render(&data)?;
    let tables = data.to_tables();
    let meta = data.meta.to_json();
    crate::profile::write_folder(&args.out, |dir| {
        let tables_dir = dir.join("tables");
        std::fs::create_dir_all(&tables_dir).map_err(|e| levelfield_table::TableError::Io {
            path: tables_dir.clone(),
            source: e,
        })?;
        for (stem, table) in &tables {
            write(
                table,
                &tables_dir.join(format!("{stem}.csv")),
                Some(Format::Csv),
            )?;
        }
        write_text(&tables_dir.join(META_FILE), &meta)?;
        write_text(&dir.join(REPORT_FILE), &html)?;
        write_bytes(&dir.join(WORKBOOK_FILE), &xlsx)?;
        Ok(())
    })?;
    let out = &args.out;
    println!(
        "levelfield demo: NHS England's published Mental Health Act figures, 2023-24 and since 2016-17"
    );
    println!("  report:   {}", out.join(REPORT_FILE).display());
    println!("  workbook: {}", out.join(WORKBOOK_FILE).display());
    println!("  tables:   {}", out.join("tables").display());
    println!("Headline findings:");
    for (k, h) in levelfield_demo::headlines(&data).iter().enumerate() {
        println!("  {}. {h}", k + 1);
    }
    println!("Contains public sector information licensed under the Open Government Licence v3.0.");
    Ok(())
}
