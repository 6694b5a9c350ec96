//! `levelfield sensitivity`: a profile's figures under assumed hidden need, as a table of
//! their own — labelled as assumptions, never written over the observed figures.

use levelfield_report::sensitivity;
use levelfield_table::{Column, Table};

use crate::{CommandError, args::SensitivityArgs};

/// `levelfield sensitivity`.
pub(crate) fn run(args: &SensitivityArgs) -> Result<(), CommandError> {
    let origin = args.assumptions.display().to_string();
    let text = std::fs::read_to_string(&args.assumptions)
        .map_err(|e| CommandError::Input(format!("{origin}: cannot be read: {e}")))?;
    let assumptions = sensitivity::parse(&text, &origin).map_err(CommandError::Input)?;
    let data = crate::report::read_profile(&args.profile)?;
    let rows = sensitivity::run(&assumptions, &data);
    if rows.is_empty() {
        return Err(CommandError::Input(format!(
            "{origin}: no figure of the profile has a group the assumptions name; use the dimension and group labels of estimates.csv"
        )));
    }
    let table = to_table(&assumptions.name, &rows);
    crate::output::emit_to(&table, args.out.as_deref())?;
    let flips = rows
        .iter()
        .filter(|r| r.tipping_point.is_some_and(|t| t < 0.5))
        .count();
    eprintln!(
        "levelfield: {} figure(s) under the assumptions `{}`; {flips} comparison(s) flip below a hidden share of 50%",
        rows.len(),
        assumptions.name
    );
    Ok(())
}

fn to_table(name: &str, rows: &[sensitivity::Row]) -> Table {
    let mut t = Table::with_rows(rows.len());
    let text = |f: &dyn Fn(&sensitivity::Row) -> String| {
        Column::from_strings(rows.iter().map(f).collect::<Vec<_>>())
    };
    let num =
        |f: &dyn Fn(&sensitivity::Row) -> Option<f64>| Column::Number(rows.iter().map(f).collect());
    let columns = [
        ("scenario", text(&|_| format!("assumption: {name}"))),
        ("figure", text(&|r| r.figure.clone())),
        ("indicator_id", text(&|r| r.indicator_id.clone())),
        ("area_code", text(&|r| r.area_code.clone())),
        ("period", text(&|r| r.period.clone())),
        ("dimension", text(&|r| r.dimension.clone())),
        ("group", text(&|r| r.group.clone())),
        ("observed", num(&|r| Some(r.observed.0))),
        ("observed_lower_95", num(&|r| r.observed.1)),
        ("observed_upper_95", num(&|r| r.observed.2)),
        ("assumed", num(&|r| Some(r.central.0))),
        ("assumed_lower_95", num(&|r| r.central.1)),
        ("assumed_upper_95", num(&|r| r.central.2)),
        ("bound_low", num(&|r| Some(r.bound_low))),
        ("bound_high", num(&|r| Some(r.bound_high))),
        ("tipping_point", num(&|r| r.tipping_point)),
        ("conclusion", text(&|r| r.conclusion.clone())),
    ];
    for (n, c) in columns {
        t.push(n, c).expect("one value a row");
    }
    t
}
