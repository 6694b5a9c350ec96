//! Proportions, crude rates and means: one estimate per row, or per group of summed rows.

use levelfield_stats::{Estimate, StatsError, mean::MeanAccumulator, proportion, rate};

use super::{
    Groups, at_group, at_row, check_rows, group_while, levels, other_columns, read_input, sum_rows,
};
use crate::{
    CommandError,
    args::{MeanArgs, RatioArgs},
    output::{Results, emit},
};

/// Which ratio statistic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Proportion,
    Rate,
}

/// `levelfield stats proportion` and `levelfield stats rate`.
pub(crate) fn proportion_or_rate(args: &RatioArgs, kind: Kind) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let (groups, (x, n)) = group_while(&table, group_by, || {
        Ok((
            table.numbers(&args.numerator)?,
            table.numbers(&args.denominator)?,
        ))
    })?;
    let multiplier = args.multiplier.unwrap_or(match kind {
        Kind::Proportion => 1.0,
        Kind::Rate => 100000.0,
    });
    if !(multiplier > 0.0 && multiplier.is_finite()) {
        return Err(CommandError::Input(format!(
            "--multiplier: {}",
            StatsError::Multiplier(multiplier)
        )));
    }
    // Check every present row first, so the message names the row at fault.
    // Poisson methods assume whole events; Wilson's interval is defined for any count from 0
    // to the denominator (Fingertips publishes proportions of weighted counts).
    if kind == Kind::Rate {
        super::whole_counts(&table, &x, &args.numerator)?;
    }
    check_rows(
        &table,
        &x,
        &args.numerator,
        |v| v >= 0.0,
        StatsError::NegativeNumerator,
    )?;
    check_rows(
        &table,
        &n,
        &args.denominator,
        |v| v > 0.0,
        StatsError::NonPositiveDenominator,
    )?;
    for row in 0..table.n_rows() {
        if kind == Kind::Proportion
            && let (Some(a), Some(b)) = (x[row], n[row])
            && a > b
        {
            return Err(at_row(
                &table,
                row,
                &args.numerator,
                StatsError::NumeratorAboveDenominator {
                    numerator: a,
                    denominator: b,
                },
            ));
        }
    }
    let estimate = |x: Option<f64>, n: Option<f64>| -> Result<Estimate, StatsError> {
        match kind {
            Kind::Proportion => proportion::proportion_or_missing(x, n, &levels, multiplier),
            Kind::Rate => rate::crude_rate_or_missing(x, n, &levels, multiplier),
        }
    };
    let statistic = match kind {
        Kind::Proportion => proportion::statistic_label(multiplier),
        Kind::Rate => rate::statistic_label(multiplier),
    };
    // Per output row: summed numerator, summed denominator, first input row (for messages).
    type Sums = Vec<(Option<f64>, Option<f64>, usize)>;
    let (keys, sums): (_, Sums) = if group_by.is_empty() {
        let keys = other_columns(&table, &[&args.numerator, &args.denominator])?;
        (keys, (0..table.n_rows()).map(|r| (x[r], n[r], r)).collect())
    } else {
        let sums = groups
            .iter()
            .map(|rows| (sum_rows(&x, rows), sum_rows(&n, rows), rows[0]))
            .collect();
        (groups.keys(&table, group_by)?, sums)
    };
    let mut results = Results::new(&levels, sums.len());
    for (sx, sn, first_row) in sums {
        let est = estimate(sx, sn).map_err(|e| at_group(&table, group_by, first_row, e))?;
        results.push(sx, sn, &est, statistic.clone());
    }
    emit(
        &results.into_table(keys, "numerator", "denominator")?,
        &args.common,
    )
}

/// `levelfield stats mean`: one mean per group (the whole table when ungrouped).
pub(crate) fn mean(args: &MeanArgs) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let values = table.numbers(&args.value)?;
    let group_by = &args.common.group_by;
    let groups = Groups::new(&table, group_by)?;
    let mut results = Results::new(&levels, groups.len());
    let sd = results.extra("standard_deviation");
    for rows in groups.iter() {
        let mut acc = MeanAccumulator::default();
        rows.iter().for_each(|&r| acc.push(values[r]));
        let est = acc.estimate(&levels);
        let sum = (acc.n_missing == 0 && acc.count > 0).then_some(acc.sum);
        let count = (acc.count + acc.n_missing) as f64;
        results.push(sum, Some(count), &est, "mean".to_string());
        results.push_extra(
            sd,
            if acc.n_missing == 0 {
                acc.standard_deviation()
            } else {
                None
            },
        );
    }
    emit(
        &results.into_table(groups.keys(&table, group_by)?, "numerator", "denominator")?,
        &args.common,
    )
}
