//! `levelfield inequality`, `compare` and `benchmark`: how groups differ from each other, from a
//! reference group, and from a comparator.

use levelfield_stats::{
    ConfidenceLevel, Interval, StatsError,
    compare::{self, Comparison, QUINTILE_LABELS},
    confidence::label_levels,
    inequality::{self, DimensionType, Group, Polarity},
    measure::{self, MeasureCode, MeasureOptions, MeasureRow},
    quantile::assign_quantiles,
    simulation::{item_seed, par_map},
};
use levelfield_table::{Column, Table};

use crate::{
    CommandError,
    args::{
        BenchmarkArgs, BenchmarkMethod, CompareArgs, CompareStatistic, InequalityArgs, ValueArgs,
    },
    output::{emit, push_column},
    stats::{Groups, at_group, at_row, levels, read_input, require_rows},
};

/// A column of optional numbers.
type Column64 = Vec<Option<f64>>;

/// Each row's value and standard error, from `--value` with `--se`, 95 % limits, or counts.
fn estimates(
    table: &Table,
    v: &ValueArgs,
    denominator: Option<&str>,
) -> Result<(Column64, Column64), CommandError> {
    let Some(value_col) = &v.value else {
        return Err(CommandError::Input(
            "give each group's value with --value COL".into(),
        ));
    };
    let value = table.numbers(value_col)?;
    let se = match (&v.se, &v.lower, &v.upper, &v.numerator, denominator) {
        (Some(se), None, None, None, None) => {
            let se = table.numbers(se)?;
            if let Some(r) = se.iter().position(|s| s.is_some_and(|s| s < 0.0)) {
                return Err(at_row(
                    table,
                    r,
                    v.se.as_deref().unwrap_or_default(),
                    StatsError::NotFinite {
                        what: "standard error",
                        value: se[r].unwrap_or(f64::NAN),
                    },
                ));
            }
            se
        }
        (None, Some(lo), Some(hi), None, None) => {
            let (lo, hi) = (table.numbers(lo)?, table.numbers(hi)?);
            lo.iter()
                .zip(&hi)
                .map(|(l, h)| Some(inequality::se_from_limits((*l)?, (*h)?)))
                .collect()
        }
        (None, None, None, Some(x), Some(n)) => {
            let (x, n) = (table.numbers(x)?, table.numbers(n)?);
            (0..table.n_rows())
                .map(|r| inequality::se_from_counts(value[r]?, x[r]?, n[r]?))
                .collect()
        }
        _ => {
            return Err(CommandError::Input(
                "give each value's uncertainty one way: --se COL, or --lower COL --upper COL (95% limits), or --numerator COL --denominator COL".into(),
            ));
        }
    };
    Ok((value, se))
}

/// Rows of output built one at a time: key columns (taken from a row of the input) plus values.
struct Rows {
    key_rows: Vec<usize>,
    text: Vec<(String, Vec<String>)>,
    numbers: Vec<(String, Vec<Option<f64>>)>,
}

impl Rows {
    fn new(text: &[&str], numbers: &[String]) -> Rows {
        Rows {
            key_rows: Vec::new(),
            text: text.iter().map(|n| (n.to_string(), Vec::new())).collect(),
            numbers: numbers.iter().map(|n| (n.clone(), Vec::new())).collect(),
        }
    }

    fn push(&mut self, key_row: usize, text: Vec<String>, numbers: Vec<Option<f64>>) {
        self.key_rows.push(key_row);
        self.text
            .iter_mut()
            .zip(text)
            .for_each(|(c, v)| c.1.push(v));
        self.numbers
            .iter_mut()
            .zip(numbers)
            .for_each(|(c, v)| c.1.push(v));
    }

    /// Key columns, then numbers in declared order, then text columns in declared order.
    fn into_table(
        self,
        table: &Table,
        keys: &[String],
        text_first: usize,
    ) -> Result<Table, CommandError> {
        let mut out = table.select(keys, &self.key_rows)?;
        let mut text = self.text.into_iter();
        for (name, values) in text.by_ref().take(text_first) {
            out.push(name, Column::from_strings(values))?;
        }
        for (name, values) in self.numbers {
            out.push(name, Column::Number(values))?;
        }
        for (name, values) in text {
            out.push(name, Column::from_strings(values))?;
        }
        Ok(out)
    }
}

fn interval_columns(prefix: &str, levels: &[ConfidenceLevel]) -> Vec<String> {
    levels
        .iter()
        .flat_map(|l| {
            let s = l.column_suffix();
            [
                format!("{prefix}lower_ci_{s}"),
                format!("{prefix}upper_ci_{s}"),
            ]
        })
        .collect()
}

/// `levelfield inequality`.
pub(crate) fn inequality(args: &InequalityArgs) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let (value, se) = estimates(&table, &args.values, args.denominator.as_deref())?;
    let population = table.numbers(&args.population)?;
    let name_col = table.index(&args.group)?;
    let dimension = args.dimension_type;
    let polarity = args.polarity;
    let order = match dimension {
        DimensionType::Ordered => {
            Some(table.numbers(args.order.as_deref().unwrap_or(&args.group))?)
        }
        DimensionType::Unordered => None,
    };
    let bounds = match args.bounds.as_deref() {
        None => None,
        Some([a, b]) => Some((*a, *b)),
        Some(_) => {
            return Err(CommandError::Input(
                "--bounds takes two numbers, the minimum and maximum: e.g. --bounds 0,100".into(),
            ));
        }
    };
    if let Some((a, b)) = bounds
        && (a >= b || a.is_nan() || b.is_nan())
    {
        return Err(CommandError::Input(format!(
            "--bounds {a},{b}: the minimum must be below the maximum"
        )));
    }
    if args.draws < 1000 {
        return Err(CommandError::Input(format!(
            "--draws {}: use 1,000 or more (default 10,000)",
            args.draws
        )));
    }
    require_rows(
        &table,
        &population,
        &args.population,
        |p| p > 0.0,
        StatsError::NonPositiveDenominator,
    )?;
    for row in 0..table.n_rows() {
        if let Some(order) = &order
            && order[row].is_none()
        {
            return Err(CommandError::Input(format!(
                "{}: row {}, column `{}`: an ordered dimension needs each group's order (1 = most disadvantaged)",
                table.source_name(),
                row + 1,
                args.order.as_deref().unwrap_or(&args.group)
            )));
        }
    }
    let groups = Groups::new(&table, group_by)?;
    let sets: Vec<&[usize]> = groups.iter().collect();
    let computed: Vec<Result<(usize, Vec<MeasureRow>), CommandError>> = par_map(sets.len(), |g| {
        let rows = sets[g];
        let mut rows: Vec<usize> = rows.to_vec();
        match &order {
            Some(order) => {
                rows.sort_by(|&a, &b| order[a].unwrap_or(0.0).total_cmp(&order[b].unwrap_or(0.0)))
            }
            None => rows.sort_by(|&a, &b| table.text(name_col, a).cmp(&table.text(name_col, b))),
        }
        for w in rows.windows(2) {
            if table.text(name_col, w[0]) == table.text(name_col, w[1]) {
                return Err(at_group(
                    &table,
                    group_by,
                    w[0],
                    format!(
                        "group `{}` appears twice; give one row per group",
                        table.text(name_col, w[0])
                    ),
                ));
            }
        }
        let kept: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| value[r].is_some() && se[r].is_some())
            .collect();
        let members: Vec<Group> = kept
            .iter()
            .map(|&r| Group {
                value: value[r].unwrap_or(0.0),
                se: se[r].unwrap_or(0.0),
                population: population[r].unwrap_or(0.0),
            })
            .collect();
        let names: Vec<String> = kept
            .iter()
            .map(|&r| table.text(name_col, r).into_owned())
            .collect();
        let reference = match &args.reference {
            Some(name) => match names.iter().position(|n| n == name) {
                Some(i) => Some(i),
                None => {
                    return Err(at_group(
                        &table,
                        group_by,
                        rows[0],
                        format!(
                            "has no group `{name}` (the --reference) with a value; the groups are: {}",
                            names.join(", ")
                        ),
                    ));
                }
            },
            None => None,
        };
        let measures = measure::measures(
            &members,
            &names,
            &levels,
            &MeasureOptions {
                dimension,
                polarity,
                reference,
                bounds,
                draws: args.draws,
                seed: item_seed(args.seed, g as u64),
            },
            &MeasureCode::ALL,
        )
        .map_err(|e| at_group(&table, group_by, rows[0], e))?;
        Ok((rows[0], measures))
    });

    let confidence = label_levels(&levels);
    let mut out = Rows::new(
        &[
            "measure",
            "confidence",
            "ci_method",
            "applies",
            "comparison",
            "diagnostic",
        ],
        &{
            let mut n = vec!["value".to_string()];
            n.extend(interval_columns("", &levels));
            n.push("mc_error".into());
            n.push("value_disadvantage".into());
            n
        },
    );
    for (set, result) in sets.iter().zip(computed) {
        let (key_row, measures) = result?;
        let dropped: Vec<String> = set
            .iter()
            .filter(|&&r| value[r].is_none() || se[r].is_none())
            .map(|&r| table.text(name_col, r).into_owned())
            .collect();
        for m in measures {
            let mut numbers = vec![m.value()];
            for i in &m.intervals {
                numbers.push(i.map(|i| i.lower));
                numbers.push(i.map(|i| i.upper));
            }
            numbers.push(m.mc_error);
            numbers.push(m.disadvantage);
            let mut diagnostic = match m.applies {
                Ok(()) => String::new(),
                Err(why) => why.to_string(),
            };
            if !dropped.is_empty() {
                if !diagnostic.is_empty() {
                    diagnostic.push_str("; ");
                }
                diagnostic.push_str(&format!(
                    "left out for a missing value or uncertainty: {}",
                    dropped.join(", ")
                ));
            }
            out.push(
                key_row,
                vec![
                    m.code.to_string(),
                    confidence.clone(),
                    m.ci_method,
                    if m.applies.is_ok() { "TRUE" } else { "FALSE" }.to_string(),
                    m.comparison,
                    diagnostic,
                ],
                numbers,
            );
        }
    }
    emit(&out.into_table(&table, group_by, 1)?, &args.common)
}

/// `levelfield compare`.
pub(crate) fn compare(args: &CompareArgs) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    if levels.is_empty() {
        return Err(CommandError::Input(
            "--confidence none: comparisons need at least one confidence level".into(),
        ));
    }
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let name_col = table.index(&args.group)?;
    let v = &args.values;
    // Counts or estimates.
    enum Data {
        Counts {
            x: Vec<Option<f64>>,
            n: Vec<Option<f64>>,
            rate: bool,
            multiplier: f64,
        },
        Estimates {
            y: Vec<Option<f64>>,
            se: Vec<Option<f64>>,
        },
    }
    let data = match (&v.numerator, &args.denominator, &args.statistic) {
        (Some(x), Some(n), Some(stat)) => {
            let rate = *stat == CompareStatistic::Rate;
            let x_name = x;
            let (x, n) = (table.numbers(x)?, table.numbers(n)?);
            // The exact conditional rate ratio assumes whole events.
            if rate {
                crate::stats::whole_counts(&table, &x, x_name)?;
            }
            Data::Counts {
                x,
                n,
                rate,
                multiplier: args
                    .multiplier
                    .unwrap_or(if rate { 100000.0 } else { 100.0 }),
            }
        }
        (Some(_), Some(_), None) => {
            return Err(CommandError::Input(
                "with counts, say which statistic: --statistic rate or --statistic proportion"
                    .into(),
            ));
        }
        _ => {
            let (y, se) = estimates(&table, v, None)?;
            Data::Estimates { y, se }
        }
    };
    let polarity = args.polarity;
    let groups = Groups::new(&table, group_by)?;
    let confidence = label_levels(&levels);
    let mut out = Rows::new(
        &[
            &args.group,
            "reference",
            "confidence",
            "difference_method",
            "ratio_method",
            "significant",
            "diagnostic",
        ],
        &{
            let mut n = vec![
                "value".to_string(),
                "reference_value".into(),
                "difference".into(),
            ];
            n.extend(interval_columns("difference_", &levels));
            n.push("ratio".into());
            n.extend(interval_columns("ratio_", &levels));
            n.push("rank".into());
            n
        },
    );
    for rows in groups.iter() {
        // A group given twice (the reference above all) would be compared against one of its
        // rows chosen by file order.
        let mut by_name: Vec<usize> = rows.to_vec();
        by_name.sort_by(|&a, &b| table.text(name_col, a).cmp(&table.text(name_col, b)));
        if let Some(w) = by_name
            .windows(2)
            .find(|w| table.text(name_col, w[0]) == table.text(name_col, w[1]))
        {
            let (a, b) = (w[0].min(w[1]), w[0].max(w[1]));
            return Err(at_group(
                &table,
                group_by,
                a,
                format!(
                    "rows {} and {} both give group `{}` in column `{}`; give one row per group",
                    a + 1,
                    b + 1,
                    table.text(name_col, a),
                    args.group
                ),
            ));
        }
        let Some(&ref_row) = rows
            .iter()
            .find(|&&r| table.text(name_col, r) == args.reference.as_str())
        else {
            let names: Vec<String> = rows
                .iter()
                .map(|&r| table.text(name_col, r).into_owned())
                .collect();
            return Err(at_group(
                &table,
                group_by,
                rows[0],
                format!(
                    "has no reference group `{}`; the groups are: {}",
                    args.reference,
                    names.join(", ")
                ),
            ));
        };
        let value_of = |r: usize| match &data {
            Data::Counts {
                x, n, multiplier, ..
            } => Some(x[r]? / n[r]? * multiplier),
            Data::Estimates { y, .. } => y[r],
        };
        // Rank: 1 = highest value, or worst-off with a polarity.
        let mut ranked: Vec<(usize, f64)> = rows
            .iter()
            .filter_map(|&r| value_of(r).map(|v| (r, v)))
            .collect();
        ranked.sort_by(|a, b| match polarity {
            Some(Polarity::Favourable) => a.1.total_cmp(&b.1),
            _ => b.1.total_cmp(&a.1),
        });
        let rank_of = |r: usize| {
            ranked
                .iter()
                .position(|(row, _)| *row == r)
                .map(|p| (p + 1) as f64)
        };
        for &r in rows {
            if r == ref_row {
                continue;
            }
            let result: Result<Option<Comparison>, StatsError> = match &data {
                Data::Counts {
                    x,
                    n,
                    rate,
                    multiplier,
                } => match (x[r], n[r], x[ref_row], n[ref_row]) {
                    (Some(x1), Some(n1), Some(x2), Some(n2)) => {
                        if *rate {
                            compare::compare_rates(x1, n1, x2, n2, &levels, *multiplier).map(Some)
                        } else {
                            compare::compare_proportions(x1, n1, x2, n2, &levels, *multiplier)
                                .map(Some)
                        }
                    }
                    _ => Ok(None),
                },
                Data::Estimates { y, se } => match (y[r], se[r], y[ref_row], se[ref_row]) {
                    (Some(a), Some(sa), Some(b), Some(sb)) => {
                        compare::compare_estimates((a, sa), (b, sb), &levels).map(Some)
                    }
                    _ => Ok(None),
                },
            };
            let comparison = result.map_err(|e| at_row(&table, r, &args.group, e))?;
            let mut numbers = vec![value_of(r), value_of(ref_row)];
            let (texts, significant) = match &comparison {
                Some(c) => {
                    numbers.push(Some(c.difference));
                    for i in &c.difference_intervals {
                        numbers.push(Some(i.lower));
                        numbers.push(Some(i.upper));
                    }
                    numbers.push(c.ratio);
                    for i in &c.ratio_intervals {
                        numbers.push(i.map(|i| i.lower));
                        numbers.push(i.map(|i| i.upper).filter(|u| u.is_finite()));
                    }
                    let sig = c.is_significant(0).unwrap_or(false);
                    (
                        (c.methods.0.to_string(), c.methods.1.to_string()),
                        if sig { "TRUE" } else { "FALSE" },
                    )
                }
                None => {
                    numbers.extend(std::iter::repeat_n(None, 2 + 4 * levels.len()));
                    ((String::new(), String::new()), "")
                }
            };
            numbers.push(rank_of(r));
            let diagnostic = if comparison.is_none() {
                "a count, value or uncertainty is missing: not compared".to_string()
            } else {
                String::new()
            };
            out.push(
                r,
                vec![
                    table.text(name_col, r).into_owned(),
                    args.reference.clone(),
                    confidence.clone(),
                    texts.0,
                    texts.1,
                    significant.to_string(),
                    diagnostic,
                ],
                numbers,
            );
        }
    }
    let table_out = out.into_table(&table, group_by, 2)?;
    emit(&table_out, &args.common)
}

/// `levelfield benchmark`.
pub(crate) fn benchmark(args: &BenchmarkArgs) -> Result<(), CommandError> {
    let level = args.level.trim().trim_end_matches('%');
    if !matches!(level.parse::<f64>(), Ok(l) if l == 95.0 || l == 99.8) {
        return Err(CommandError::Input(format!(
            "--level {}: the limits' level must be 95 or 99.8 (per cent)",
            args.level
        )));
    }
    let mut table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let value = table.numbers(&args.value)?;
    let polarity = args.polarity.polarity();
    let groups = Groups::new(&table, group_by)?;
    let n = table.n_rows();
    let mut labels = vec![String::new(); n];
    let method;
    if args.method == BenchmarkMethod::Quintiles {
        method = "Quintiles".to_string();
        for rows in groups.iter() {
            let vals: Vec<Option<f64>> = rows.iter().map(|&r| value[r]).collect();
            let q = assign_quantiles(&vals, 5, false)
                .map_err(|e| CommandError::Input(e.to_string()))?;
            for (&r, q) in rows.iter().zip(q) {
                labels[r] = q.map_or_else(
                    || "Not compared".to_string(),
                    |q| QUINTILE_LABELS[q as usize - 1].to_string(),
                );
            }
        }
    } else {
        let (Some(lo), Some(hi)) = (&args.lower, &args.upper) else {
            return Err(CommandError::Input(
                "--method ci-overlap needs each value's limits: --lower COL --upper COL".into(),
            ));
        };
        let (lower, upper) = (table.numbers(lo)?, table.numbers(hi)?);
        let level = args.level.trim_end_matches('%');
        method = format!("CI overlap, {level}%");
        let comparator: Vec<(Option<f64>, Option<Interval>)> = match (
            &args.comparator,
            &args.comparator_area,
            &args.area,
        ) {
            (Some(col), None, _) => table.numbers(col)?.into_iter().map(|c| (c, None)).collect(),
            (None, Some(code), Some(area_col)) => {
                let area = table.index(area_col)?;
                if (0..n).all(|r| table.text(area, r) != code.as_str()) {
                    return Err(CommandError::Input(format!(
                        "{}: --comparator-area `{code}` is in no row of column `{area_col}`; give an area code that the data holds (e.g. E92000001 for England), or --comparator COL",
                        table.source_name()
                    )));
                }
                let mut out = vec![(None, None); n];
                for rows in groups.iter() {
                    let matches: Vec<usize> = rows
                        .iter()
                        .copied()
                        .filter(|&r| table.text(area, r) == code.as_str())
                        .collect();
                    let comp = match matches.as_slice() {
                        [r] => (
                            value[*r],
                            lower[*r]
                                .zip(upper[*r])
                                .map(|(lower, upper)| Interval { lower, upper }),
                        ),
                        [] => (None, None),
                        _ => {
                            return Err(at_group(
                                &table,
                                group_by,
                                rows[0],
                                format!(
                                    "has {} rows for comparator area `{code}`; give one",
                                    matches.len()
                                ),
                            ));
                        }
                    };
                    rows.iter().for_each(|&r| out[r] = comp);
                }
                out
            }
            _ => return Err(CommandError::Input(
                "give the comparator: --comparator COL, or --comparator-area CODE with --area COL"
                    .into(),
            )),
        };
        for r in 0..n {
            let interval = lower[r]
                .zip(upper[r])
                .map(|(lower, upper)| Interval { lower, upper });
            let is_comparator = args
                .comparator_area
                .as_deref()
                .zip(args.area.as_deref())
                .is_some_and(|(code, col)| {
                    table.index(col).is_ok_and(|i| table.text(i, r) == code)
                });
            labels[r] = if is_comparator {
                "Comparator".to_string()
            } else {
                compare::benchmark(
                    value[r],
                    interval,
                    comparator[r].0,
                    comparator[r].1,
                    polarity,
                )
                .label()
                .to_string()
            };
        }
    }
    push_column(&mut table, "benchmark", Column::from_strings(labels))?;
    push_column(
        &mut table,
        "benchmark_method",
        Column::from_strings(std::iter::repeat_n(method.as_str(), n)),
    )?;
    emit(&table, &args.common)
}
