//! `levelfield suppress`: disclosure control of a table's counts by a named rule, with secondary
//! suppression audited until no hidden count can be narrowed below the rule's range, derived
//! columns emptied with their counts (and withheld altogether when counts are rounded, since a
//! value computed from an unrounded count gives it back), and the rule recorded on every row.

use levelfield_stats::{
    StatsError,
    disclosure::{Published, Rule, apply},
};
use levelfield_table::{Column, Table, format_number};

use crate::{
    CommandError,
    args::{SuppressArgs, SuppressRule},
    output::{emit, push_column},
    stats::{Groups, check_rows, read_input},
};

pub(crate) fn run(args: &SuppressArgs) -> Result<(), CommandError> {
    let (rule, label) = match args.rule {
        SuppressRule::NhsMha => (
            Rule::NHS_MHA,
            "NHS MHA statistics: counts below 5 shown as *, others rounded to the nearest 5"
                .to_string(),
        ),
        SuppressRule::Hes2018 => (
            Rule::HES_2018,
            "HES 2018: counts 1 to 7 shown as *, 0 shown, others rounded to the nearest 5"
                .to_string(),
        ),
        SuppressRule::Custom => {
            let Some(threshold) = args.threshold else {
                return Err(CommandError::Input(
                    "--rule custom needs --threshold N (counts from 1 to N − 1 are hidden)".into(),
                ));
            };
            for (option, value) in [
                ("--threshold", Some(threshold)),
                ("--round-to", args.round_to),
            ] {
                if let Some(v) = value
                    && !(v >= 0.0 && v.is_finite())
                {
                    return Err(CommandError::Input(format!(
                        "{option} {v}: must be zero or a positive number"
                    )));
                }
            }
            let rule = Rule::custom(threshold, args.round_to.unwrap_or(0.0), args.suppress_zero)
                .map_err(|e| CommandError::Input(format!("--rule custom: {e}")))?;
            (rule, custom_label(&rule))
        }
    };
    let table = read_input(&args.common)?;
    let counts: Vec<Vec<Option<f64>>> = args
        .count
        .iter()
        .map(|c| table.numbers(c))
        .collect::<Result<_, _>>()?;
    for (values, name) in counts.iter().zip(&args.count) {
        check_rows(
            &table,
            values,
            name,
            |v| v >= 0.0 && v.fract() == 0.0,
            |v| {
                if v < 0.0 {
                    StatsError::NegativeNumerator(v)
                } else {
                    StatsError::NotFinite {
                        what: "whole-number count",
                        value: v,
                    }
                }
            },
        )?;
    }
    for d in &args.derived {
        table.index(d)?;
    }
    let n = table.n_rows();
    let mut shown: Vec<Vec<String>> = vec![vec![String::new(); n]; args.count.len()];
    let mut any_hidden = vec![false; n];
    let mut notes = vec![String::new(); n];
    let groups = Groups::new(&table, &args.common.group_by)?;
    for rows in groups.iter() {
        let cells: Vec<Vec<Option<f64>>> = rows
            .iter()
            .map(|&r| counts.iter().map(|c| c[r]).collect())
            .collect();
        let protected = apply(&cells, &rule);
        let withheld_columns: Vec<&str> = args
            .count
            .iter()
            .zip(&protected.withheld_columns)
            .filter(|(_, w)| **w)
            .map(|(c, _)| c.as_str())
            .collect();
        for (i, &r) in rows.iter().enumerate() {
            for (k, p) in protected.cells[i].iter().enumerate() {
                shown[k][r] = match p {
                    None => String::new(),
                    Some(Published::Value(v)) => format_number(*v),
                    Some(Published::Primary | Published::Secondary) => {
                        any_hidden[r] = true;
                        "*".to_string()
                    }
                };
            }
            let mut note: Vec<String> = Vec::new();
            if protected.withheld_rows[i] {
                note.push("do not publish this row's total".into());
            }
            if !withheld_columns.is_empty() {
                note.push(format!(
                    "do not publish this group's total of {}",
                    withheld_columns.join(", ")
                ));
            }
            if rule.rounds() && !args.derived.is_empty() {
                note.push(format!(
                    "{} withheld: recompute from the published counts",
                    args.derived.join(", ")
                ));
            }
            notes[r] = note.join("; ");
        }
    }
    // Replace the count columns by their published text, empty derived values beside hidden
    // counts. Under a rounding rule every derived value is withheld: computed from the true
    // count, value × denominator would give back what rounding hides.
    let withhold_derived = rule.rounds();
    let mut out = Table::with_rows(n);
    out.source = table.source.clone();
    for (name, col) in table.names().iter().zip(table.columns()) {
        if let Some(k) = args.count.iter().position(|c| c == name) {
            out.push(
                name.clone(),
                Column::from_strings(std::mem::take(&mut shown[k])),
            )?;
        } else if args.derived.contains(name) {
            let cells: Vec<String> = (0..n)
                .map(|r| {
                    if any_hidden[r] || withhold_derived {
                        String::new()
                    } else {
                        col.text(r).into_owned()
                    }
                })
                .collect();
            out.push(name.clone(), Column::from_strings(cells))?;
        } else {
            out.push(name.clone(), col.clone())?;
        }
    }
    push_column(
        &mut out,
        "suppression_rule",
        Column::from_strings(std::iter::repeat_n(label.as_str(), n)),
    )?;
    push_column(&mut out, "suppression_note", Column::from_strings(notes))?;
    emit(&out, &args.common)
}

/// How a custom rule is described in the output's `suppression_rule` column.
fn custom_label(rule: &Rule) -> String {
    let rounding = if rule.round_to > 0.0 {
        format!(
            ", others rounded to the nearest {}",
            format_number(rule.round_to)
        )
    } else {
        String::new()
    };
    format!(
        "custom: counts {} to {} shown as *{rounding}",
        format_number(rule.suppress_from),
        format_number(rule.suppress_to),
    )
}
