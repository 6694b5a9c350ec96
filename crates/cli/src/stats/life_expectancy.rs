//! `levelfield stats life-expectancy`: life expectancy at the start of every age band, per group.

use levelfield_stats::life_expectancy::{self, AgeBand};
use levelfield_table::Column;

use super::{Groups, at_group, levels, read_input};
use crate::{
    CommandError,
    args::LifeExpectancyArgs,
    output::{Results, emit},
};

pub(crate) fn run(args: &LifeExpectancyArgs) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let deaths = table.numbers(&args.numerator)?;
    let pops = table.numbers(&args.denominator)?;
    let band_idx = table.index(&args.age_band)?;
    let mut start_ages = Vec::with_capacity(table.n_rows());
    for row in 0..table.n_rows() {
        let text = table.text(band_idx, row);
        let age = text
            .trim()
            .split(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| {
                CommandError::Input(format!(
                    "{}: row {}, column `{}`: `{text}` does not start with an age; use start ages 0, 1, 5, 10, …, 90 or labels like `5-9`",
                    table.source_name(),
                    row + 1,
                    args.age_band
                ))
            })?;
        start_ages.push(age);
        for (values, col) in [(&deaths, &args.numerator), (&pops, &args.denominator)] {
            if values[row].is_none() {
                return Err(CommandError::Input(format!(
                    "{}: row {}, column `{col}`: value is missing; life tables need deaths and population for every band",
                    table.source_name(),
                    row + 1
                )));
            }
        }
    }
    let group_by = &args.common.group_by;
    let groups = Groups::new(&table, group_by)?;
    let mut results = Results::new(&levels, groups.len() * 20);
    let mut key_rows = Vec::new();
    let mut ages = Vec::new();
    for rows in groups.iter() {
        let bands: Vec<AgeBand> = rows
            .iter()
            .map(|&r| AgeBand {
                start_age: start_ages[r],
                deaths: deaths[r].unwrap_or(0.0),
                population: pops[r].unwrap_or(0.0),
            })
            .collect();
        let table_rows = life_expectancy::life_expectancy(&bands, &levels)
            .map_err(|e| at_group(&table, group_by, rows[0], e))?;
        for le in table_rows {
            key_rows.push(rows[0]);
            ages.push(Some(le.start_age));
            results.push(
                Some(le.deaths_used),
                Some(le.population_used),
                &le.estimate,
                life_expectancy::statistic_label(le.start_age),
            );
        }
    }
    let mut keys = table.select(group_by, &key_rows)?;
    keys.push("start_age", Column::Number(ages))?;
    emit(
        &results.into_table(keys, "numerator", "denominator")?,
        &args.common,
    )
}
