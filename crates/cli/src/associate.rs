//! `levelfield associate`: an indicator of a profile against an area-level determinant from a
//! file (a plain table or a Fingertips download), fitted across areas with population weights;
//! the fit as one row, each area's place against the line, and the scatter chart.

use std::path::Path;

use levelfield_report::associate::{self, Association, CAVEAT};
use levelfield_table::{Column, Table};

use crate::{CommandError, args::AssociateArgs};

/// `levelfield associate`.
pub(crate) fn run(args: &AssociateArgs) -> Result<(), CommandError> {
    let mut data = crate::report::read_profile(&args.profile)?;
    let (file, column) = args.determinant.rsplit_once(':').ok_or_else(|| {
        CommandError::Input(format!(
            "--determinant {}: give FILE:COLUMN, e.g. imd.csv:imd_score or fingertips.csv:Value",
            args.determinant
        ))
    })?;
    let table = levelfield_table::read(Path::new(file))?;
    let mut filters = Vec::new();
    for f in &args.determinant_filter {
        let (k, v) = f.split_once('=').ok_or_else(|| {
            CommandError::Input(format!(
                "--determinant-filter {f}: give COLUMN=VALUE, e.g. Sex=Persons"
            ))
        })?;
        filters.push((k.trim().to_string(), v.trim().to_string()));
    }
    let values =
        associate::determinant_values(&table, column, args.determinant_period.as_deref(), &filters)
            .map_err(CommandError::Input)?;
    let comparator = data.comparator_code();
    let periods: Vec<&str> = data
        .estimates
        .iter()
        .filter(|e| e.indicator_id == args.indicator && e.area_code != comparator)
        .map(|e| e.period.as_str())
        .collect();
    if periods.is_empty() {
        return Err(CommandError::Input(format!(
            "--indicator {}: the profile has no area estimates of it; its indicators are {}",
            args.indicator,
            data.indicator_ids().join(", ")
        )));
    }
    let period = match &args.period {
        Some(p) if periods.contains(&p.as_str()) => p.clone(),
        Some(p) => {
            return Err(CommandError::Input(format!(
                "--period {p}: no area estimates of {} in that period",
                args.indicator
            )));
        }
        None => periods
            .iter()
            .max()
            .map(|p| p.to_string())
            .unwrap_or_default(),
    };
    let name = args.name.clone().unwrap_or_else(|| column.to_string());
    let source = file_name(file);
    data.associations = associate::rows(&data, &args.indicator, &period, &name, &source, &values);
    let fitted = associate::fit(&data);
    let a = fitted
        .first()
        .ok_or_else(|| CommandError::Input("nothing to fit".into()))?;
    if a.fit.is_none() {
        return Err(CommandError::Input(format!(
            "only {} area(s) have both {} and {name} (codes joined on area_code): a line needs at least 3 with different determinant values; check that the determinant's area codes are the profile's",
            a.units.len(),
            args.indicator
        )));
    }
    if let Some(path) = &args.points {
        levelfield_table::write(&points(&data, a), path, None).map_err(CommandError::Write)?;
    }
    if let Some(path) = &args.svg {
        let name_of = data.indicator_name(&args.indicator);
        let svg = a.chart(&format!("{name_of} against {name}, {period}"), &name_of);
        levelfield_table::write_text(path, &svg).map_err(CommandError::Write)?;
    }
    crate::output::emit_to(&summary(a), args.out.as_deref())
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// Each area: the association rows (the layout of a profile's `associations.csv`, so the
/// file can join a profile folder and appear in its report) with the fitted value and the
/// studentised residual.
fn points(data: &levelfield_report::ProfileData, a: &Association) -> Table {
    let mut table = data
        .to_tables()
        .into_iter()
        .find(|(s, _)| *s == "associations")
        .map(|(_, t)| t)
        .unwrap_or_default();
    let lookup = |code: &str| a.units.iter().find(|u| u.code == code);
    let codes: Vec<String> = data
        .associations
        .iter()
        .map(|r| r.area_code.clone())
        .collect();
    let col = |f: &dyn Fn(&associate::Unit) -> f64| {
        Column::Number(codes.iter().map(|c| lookup(c).map(f)).collect())
    };
    let _ = table.push("fitted", col(&|u| u.fitted));
    let _ = table.push("studentised_residual", col(&|u| u.studentised));
    let _ = table.push(
        "outlier",
        Column::Boolean(codes.iter().map(|c| lookup(c).map(|u| u.outlier)).collect()),
    );
    table
}

/// The fit as one row.
fn summary(a: &Association) -> Table {
    let f = a.fit.as_ref().expect("checked by the caller");
    let mut t = Table::with_rows(1);
    let text = |v: &str| Column::from_strings([v]);
    let num = |v: f64| Column::Number(vec![Some(v)]);
    let opt = |v: Option<f64>| Column::Number(vec![v]);
    let outliers: Vec<&str> = a
        .units
        .iter()
        .filter(|u| u.outlier)
        .map(|u| u.name.as_str())
        .collect();
    let columns = [
        ("indicator_id", text(&a.indicator_id)),
        ("determinant", text(&a.determinant)),
        ("period", text(&a.period)),
        ("areas", Column::Integer(vec![Some(f.n as i64)])),
        ("left_out", Column::Integer(vec![Some(a.left_out as i64)])),
        ("slope", num(f.slope)),
        ("slope_lower_95", num(f.slope_interval.lower)),
        ("slope_upper_95", num(f.slope_interval.upper)),
        ("intercept", num(f.intercept)),
        ("intercept_lower_95", num(f.intercept_interval.lower)),
        ("intercept_upper_95", num(f.intercept_interval.upper)),
        ("correlation", num(f.correlation)),
        (
            "correlation_lower_95",
            opt(f.correlation_interval.map(|c| c.lower)),
        ),
        (
            "correlation_upper_95",
            opt(f.correlation_interval.map(|c| c.upper)),
        ),
        ("r_squared", num(f.r_squared)),
        ("residual_sd", opt(a.residual_sd())),
        ("poorly_fitted_areas", text(&outliers.join("; "))),
        (
            "method",
            text("weighted least squares (weights: population); t intervals; Fisher's z for r"),
        ),
        ("caveat", text(CAVEAT)),
    ];
    for (name, column) in columns {
        t.push(name, column).expect("one row each");
    }
    t
}
