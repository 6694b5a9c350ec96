//! `levelfield stats quantile`: the quantile of every row within its group; the input rows are
//! kept, in input order, with the columns `quantile`, `n_quantiles` and `inverted` added.

use levelfield_stats::quantile::assign_quantiles;
use levelfield_table::Column;

use super::{Groups, at_group, read_input};
use crate::{
    CommandError,
    args::QuantileArgs,
    output::{emit, push_column},
};

pub(crate) fn run(args: &QuantileArgs) -> Result<(), CommandError> {
    let mut table = read_input(&args.common)?;
    let values = table.numbers(&args.value)?;
    let invert_col = args
        .invert_column
        .as_deref()
        .map(|c| table.booleans(c))
        .transpose()?;
    let group_by = &args.common.group_by;
    let groups = Groups::new(&table, group_by)?;
    let mut quantile = vec![None; table.n_rows()];
    let mut inverted = vec![None; table.n_rows()];
    for rows in groups.iter() {
        let invert = match &invert_col {
            None => args.invert,
            Some(flags) => {
                let first = flags[rows[0]];
                if let Some(&r) = rows.iter().find(|&&r| flags[r] != first) {
                    return Err(at_group(
                        &table,
                        group_by,
                        rows[0],
                        format!(
                            "rows {} and {} disagree in column `{}`; give one TRUE/FALSE per group",
                            rows[0] + 1,
                            r + 1,
                            args.invert_column.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                first.ok_or_else(|| {
                    at_group(
                        &table,
                        group_by,
                        rows[0],
                        "has no TRUE/FALSE in the invert column",
                    )
                })?
            }
        };
        let group_values: Vec<Option<f64>> = rows.iter().map(|&r| values[r]).collect();
        let q = assign_quantiles(&group_values, args.quantiles, invert)
            .map_err(|e| CommandError::Input(format!("--quantiles: {e}")))?;
        for (&r, q) in rows.iter().zip(q) {
            quantile[r] = q.map(i64::from);
            inverted[r] = Some(invert);
        }
    }
    let n = table.n_rows();
    for (name, col) in [
        ("quantile", Column::Integer(quantile)),
        (
            "n_quantiles",
            Column::Integer(vec![Some(i64::from(args.quantiles)); n]),
        ),
        ("inverted", Column::Boolean(inverted)),
    ] {
        push_column(&mut table, name, col)?;
    }
    emit(&table, &args.common)
}
