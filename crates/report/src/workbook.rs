//! The XLSX workbook: a contents sheet, the summary, one formatted sheet per table, a
//! "Columns" sheet and the notes on methods, disclosure control, symbols and sources.
//!
//! A table sheet's one header row gives each column's heading in words
//! ([`schema::heading`]: "Lower 95% limit", not `lower_ci_95_0`), with a filter on it. The
//! "Columns" sheet maps every heading of every sheet to its column name in the CSV (and
//! Parquet) tables, so a reader who joins the workbook to those files can rename one to the
//! other; the data sheets keep a single header row so they read straight into a data frame.
//!
//! A figure that is not there shows a GSS marker, never a blank: `[c]` withheld by disclosure
//! control, `[x]` not available, `[z]` not applicable. A table that says why (a `status` or
//! `suppressed` column) gives the marker; a comparison or trend point takes `[c]` from a
//! suppressed estimate of its group (or, for a comparison, its reference group); an estimate
//! with a zero denominator is `[z]`; anything else missing is `[x]`. The notes sheet says what
//! the markers mean.
//!
//! The header row and the leading label columns that identify a row (indicator, area, period,
//! dimension, group — whichever the sheet has) are frozen, so they stay in view on scrolling.

use std::collections::HashSet;

use levelfield_table::{Column, Table};
use rust_xlsxwriter::{Format, FormatAlign, Url, Workbook, Worksheet, XlsxError};

use crate::{
    ReportError,
    data::ProfileData,
    schema::{self, TableSchema, col},
    summary,
};

/// What each table sheet holds, for the contents sheet.
const SHEETS: [(TableSchema, &str, &str); 7] = [
    (
        schema::ESTIMATES,
        "Estimates",
        "Each indicator for each group, area and period, with 95% confidence limits, the comparison with the comparator and disclosure notes.",
    ),
    (
        schema::COMPARISONS,
        "Comparisons",
        "Each group against its dimension's reference group: difference and ratio with 95% limits.",
    ),
    (
        schema::INEQUALITY,
        "Inequality",
        "Inequality summary measures across the groups of each dimension (D, R, PAR, PAF, BGV, TI, MLD, SII, RII, ACI, RCI).",
    ),
    (
        schema::TRENDS,
        "Trends",
        "Statistical process control (XmR) points: value, centre line, process limits and special causes.",
    ),
    (
        schema::DATA_QUALITY,
        "Data quality",
        "How completely each field was recorded.",
    ),
    (
        schema::ASSOCIATIONS,
        "Determinants",
        "Each area's determinant value and indicator value, for the associations across areas.",
    ),
    (
        schema::PLAN_ASSESSMENT,
        "Action plans",
        "Each action plan target judged in each period: met, on track, off track or not yet assessable, with the reasoning.",
    ),
];

fn xerr(e: XlsxError) -> ReportError {
    ReportError::Workbook(e.to_string())
}

/// The number format of a column of a table, by its name and kind: ratios to two decimals,
/// counts whole, values and limits to up to three decimals.
fn number_format(table: &TableSchema, name: &str) -> &'static str {
    if name.contains(col::RATIO) {
        "0.00"
    } else if table.kind(name) == Some(schema::Kind::Integer) {
        "#,##0"
    } else if name == col::VALUE || name.starts_with("lower") || name.starts_with("upper") {
        "#,##0.0##"
    } else {
        "#,##0.0"
    }
}

/// The columns that identify a row; a sheet freezes those it begins with.
const LABELS: [&str; 13] = [
    col::INDICATOR_ID,
    col::INDICATOR,
    col::STATISTIC,
    col::AREA_CODE,
    col::AREA_NAME,
    col::PERIOD,
    col::DIMENSION,
    col::GROUP_CODE,
    col::GROUP,
    col::MEASURE,
    col::FIELD,
    col::DETERMINANT,
    col::ACTION_ID,
];

/// The number of leading columns of a table that identify its rows.
fn label_columns(table: &Table) -> u16 {
    table
        .names()
        .iter()
        .take_while(|n| LABELS.contains(&n.as_str()))
        .count() as u16
}

/// What the GSS markers stand for, for the notes sheet.
const MARKERS: [&str; 3] = [
    "[c] Confidential: withheld by disclosure control (suppressed), or derived from a figure that was.",
    "[x] Not available: the figure could not be computed or was not published.",
    "[z] Not applicable: the figure does not apply, such as a rate for a group with no population.",
];

/// The estimates disclosure control withheld, by indicator, area, period, dimension and group.
type Withheld<'a> = HashSet<[&'a str; 5]>;

fn withheld(data: &ProfileData) -> Withheld<'_> {
    data.estimates
        .iter()
        .filter(|e| e.suppressed)
        .map(|e| {
            [
                e.indicator_id.as_str(),
                e.area_code.as_str(),
                e.period.as_str(),
                e.dimension.as_str(),
                e.group.as_str(),
            ]
        })
        .collect()
}

/// The GSS marker of each row's missing figures (module doc).
fn markers(table: &Table, withheld: &Withheld<'_>) -> Vec<&'static str> {
    let text = |name: &str| table.index(name).ok();
    if let Some(s) = text(col::STATUS) {
        return (0..table.n_rows())
            .map(|r| schema::gss_marker(&table.text(s, r)))
            .collect();
    }
    if let Ok(hidden) = table.booleans(col::SUPPRESSED) {
        let zero = table.numbers(col::DENOMINATOR).ok();
        return (0..table.n_rows())
            .map(|r| {
                if hidden.get(r).copied().flatten() == Some(true) {
                    "[c]"
                } else if zero.as_ref().and_then(|d| d.get(r).copied().flatten()) == Some(0.0) {
                    "[z]"
                } else {
                    "[x]"
                }
            })
            .collect();
    }
    let key = [
        col::INDICATOR_ID,
        col::AREA_CODE,
        col::PERIOD,
        col::DIMENSION,
        col::GROUP,
    ]
    .map(text);
    // Only the comparisons among these tables have one: the reference group's label.
    let reference = text(col::REFERENCE_GROUP);
    (0..table.n_rows())
        .map(|r| {
            let [Some(i), Some(a), Some(p), Some(d), Some(g)] = key else {
                return "[x]";
            };
            let cell = |c: usize| table.text(c, r);
            let (i, a, p, d) = (cell(i), cell(a), cell(p), cell(d));
            let hidden =
                |g: &str| withheld.contains(&[i.as_ref(), a.as_ref(), p.as_ref(), d.as_ref(), g]);
            if hidden(cell(g).as_ref()) || reference.is_some_and(|c| hidden(cell(c).as_ref())) {
                "[c]"
            } else {
                "[x]"
            }
        })
        .collect()
}

fn table_sheet(
    sheet: &mut Worksheet,
    schema: &TableSchema,
    table: &Table,
    withheld: &Withheld<'_>,
) -> Result<(), ReportError> {
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    for (c, name) in table.names().iter().enumerate() {
        let heading = schema::heading(name);
        let chars = heading.chars().count();
        sheet
            .write_string_with_format(0, c as u16, &heading, &header)
            .map_err(xerr)?;
        let width = if matches!(column_kind(&table.columns()[c]), Kind::Text) {
            let longest = (0..table.n_rows().min(500))
                .map(|r| table.text(c, r).chars().count())
                .max()
                .unwrap_or(0);
            (longest.max(chars) as f64 * 1.1).clamp(8.0, 60.0)
        } else {
            (chars as f64 * 1.1).clamp(10.0, 24.0)
        };
        sheet.set_column_width(c as u16, width).map_err(xerr)?;
    }
    let marker = markers(table, withheld);
    for (c, col) in table.columns().iter().enumerate() {
        let c16 = c as u16;
        let format = Format::new().set_num_format(number_format(schema, &table.names()[c]));
        for r in 0..table.n_rows() {
            let row = (r + 1) as u32;
            match col {
                Column::Number(v) => {
                    if let Some(x) = v[r] {
                        sheet
                            .write_number_with_format(row, c16, x, &format)
                            .map_err(xerr)?;
                    } else {
                        sheet.write_string(row, c16, marker[r]).map_err(xerr)?;
                    }
                }
                Column::Integer(v) => {
                    if let Some(x) = v[r] {
                        sheet
                            .write_number_with_format(row, c16, x as f64, &format)
                            .map_err(xerr)?;
                    } else {
                        sheet.write_string(row, c16, marker[r]).map_err(xerr)?;
                    }
                }
                Column::Boolean(v) => {
                    if let Some(x) = v[r] {
                        sheet.write_boolean(row, c16, x).map_err(xerr)?;
                    }
                }
                Column::Text(_) => {
                    let text = col.text(r);
                    if !text.is_empty() {
                        sheet.write_string(row, c16, text).map_err(xerr)?;
                    }
                }
            }
        }
    }
    sheet
        .set_freeze_panes(1, label_columns(table))
        .map_err(xerr)?;
    if !table.names().is_empty() {
        sheet
            .autofilter(
                0,
                0,
                table.n_rows().max(1) as u32,
                (table.names().len() - 1) as u16,
            )
            .map_err(xerr)?;
    }
    Ok(())
}

enum Kind {
    Text,
    Other,
}

fn column_kind(c: &Column) -> Kind {
    match c {
        Column::Text(_) => Kind::Text,
        _ => Kind::Other,
    }
}

/// Builds the workbook and returns its bytes.
///
/// # Errors
/// [`ReportError::Workbook`] if the XLSX writer fails.
pub fn workbook(data: &ProfileData) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(16);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let tables = data.to_tables();

    // Contents.
    let sheet = book.add_worksheet();
    sheet.set_name("Contents").map_err(xerr)?;
    sheet.set_column_width(0, 22).map_err(xerr)?;
    sheet.set_column_width(1, 100).map_err(xerr)?;
    sheet.set_column_width(2, 10).map_err(xerr)?;
    let heading = if data.meta.title.is_empty() {
        "Equality profile"
    } else {
        &data.meta.title
    };
    sheet
        .write_string_with_format(0, 0, heading, &title)
        .map_err(xerr)?;
    sheet
        .write_string(1, 0, &data.meta.subtitle)
        .map_err(xerr)?;
    sheet
        .write_string_with_format(3, 0, "Sheet", &bold)
        .map_err(xerr)?;
    sheet
        .write_string_with_format(3, 1, "What it holds", &bold)
        .map_err(xerr)?;
    sheet
        .write_string_with_format(3, 2, "Rows", &bold)
        .map_err(xerr)?;
    let mut row = 4u32;
    let mut entries: Vec<(&str, &str, usize)> =
        vec![("Summary", "The largest gaps and the trends, in words.", 0)];
    for (layout, name, what) in SHEETS {
        if let Some((_, t)) = tables.iter().find(|(s, _)| *s == layout.name) {
            entries.push((name, what, t.n_rows()));
        }
    }
    entries.push((
        "Columns",
        "Each sheet's column headings and the column names of the CSV tables they stand for.",
        0,
    ));
    entries.push((
        "Notes",
        "Methods, disclosure control, the symbols [c], [x] and [z], caveats, sources and licence.",
        0,
    ));
    for (name, what, n) in &entries {
        sheet
            .write_url(
                row,
                0,
                Url::new(format!("internal:'{name}'!A1")).set_text(*name),
            )
            .map_err(xerr)?;
        sheet
            .write_string_with_format(row, 1, *what, &wrap)
            .map_err(xerr)?;
        if *n > 0 {
            sheet.write_number(row, 2, *n as f64).map_err(xerr)?;
        }
        row += 1;
    }
    for line in &data.meta.attribution {
        row += 1;
        sheet.write_string(row, 0, line).map_err(xerr)?;
    }

    // Summary.
    let s = summary::summarise(data);
    let sheet = book.add_worksheet();
    sheet.set_name("Summary").map_err(xerr)?;
    sheet.set_column_width(0, 140).map_err(xerr)?;
    let mut row = 0u32;
    for (heading, lines) in [
        ("The largest gaps", &s.gaps),
        ("What is getting better or worse", &s.trends),
    ] {
        sheet
            .write_string_with_format(row, 0, heading, &bold)
            .map_err(xerr)?;
        row += 1;
        for l in lines.iter() {
            sheet
                .write_string_with_format(row, 0, l, &wrap)
                .map_err(xerr)?;
            row += 1;
        }
        row += 1;
    }

    // Tables.
    let withheld = withheld(data);
    for (layout, name, _) in SHEETS {
        if let Some((_, t)) = tables.iter().find(|(s, _)| *s == layout.name) {
            let sheet = book.add_worksheet();
            sheet.set_name(name).map_err(xerr)?;
            table_sheet(sheet, &layout, t, &withheld)?;
        }
    }

    // Columns: each heading and the CSV column it stands for.
    let sheet = book.add_worksheet();
    sheet.set_name("Columns").map_err(xerr)?;
    for (c, (heading, width)) in [
        ("Sheet", 16),
        ("Heading", 32),
        ("CSV column", 32),
        ("CSV file", 22),
    ]
    .into_iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(0, c as u16, heading, &bold)
            .map_err(xerr)?;
        sheet.set_column_width(c as u16, width).map_err(xerr)?;
    }
    let mut row = 1u32;
    for (layout, name, _) in SHEETS {
        if let Some((_, t)) = tables.iter().find(|(s, _)| *s == layout.name) {
            for column in t.names() {
                for (c, cell) in [
                    name,
                    &schema::heading(column),
                    column,
                    &format!("{}.csv", layout.name),
                ]
                .into_iter()
                .enumerate()
                {
                    sheet.write_string(row, c as u16, cell).map_err(xerr)?;
                }
                row += 1;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    sheet.autofilter(0, 0, row.max(2) - 1, 3).map_err(xerr)?;

    // Notes.
    let sheet = book.add_worksheet();
    sheet.set_name("Notes").map_err(xerr)?;
    sheet.set_column_width(0, 130).map_err(xerr)?;
    let mut row = 0u32;
    let meta = &data.meta;
    let sources: Vec<String> = meta
        .sources
        .iter()
        .map(|s| format!("{}: {} ({}; {})", s.id, s.title, s.url, s.licence))
        .collect();
    let disclosure = vec![meta.disclosure.clone()];
    let symbols: Vec<String> = MARKERS.iter().map(|m| (*m).to_string()).collect();
    let headings = vec![
        "Each table sheet's headings are in words; the Columns sheet gives the column name in the CSV tables that each stands for, to join on."
            .to_string(),
    ];
    for (heading, lines) in [
        ("Methods", &meta.methods),
        ("Disclosure control", &disclosure),
        ("Symbols in place of figures", &symbols),
        ("Column headings", &headings),
        ("Caveats", &meta.caveats),
        ("Sources", &sources),
        ("Licence", &meta.attribution),
    ] {
        sheet
            .write_string_with_format(row, 0, heading, &bold)
            .map_err(xerr)?;
        row += 1;
        for l in lines.iter().filter(|l| !l.is_empty()) {
            sheet
                .write_string_with_format(row, 0, l, &wrap)
                .map_err(xerr)?;
            row += 1;
        }
        row += 1;
    }
    book.save_to_buffer().map_err(xerr)
}
