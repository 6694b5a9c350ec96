//! The XLSX workbook: a contents sheet, the summary, one formatted sheet per table (frozen
//! header, filters, number formats) and the notes on methods, disclosure control and sources.

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

fn table_sheet(
    sheet: &mut Worksheet,
    schema: &TableSchema,
    table: &Table,
) -> Result<(), ReportError> {
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    for (c, name) in table.names().iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, name, &header)
            .map_err(xerr)?;
        let width = if matches!(column_kind(&table.columns()[c]), Kind::Text) {
            let longest = (0..table.n_rows().min(500))
                .map(|r| table.text(c, r).chars().count())
                .max()
                .unwrap_or(0);
            (longest.max(name.len()) as f64 * 1.1).clamp(8.0, 60.0)
        } else {
            (name.len() as f64 * 1.1).clamp(10.0, 24.0)
        };
        sheet.set_column_width(c as u16, width).map_err(xerr)?;
    }
    // GSS markers for figures that are not there: `[c]` suppressed by disclosure control, `[z]`
    // not applicable, `[x]` not available — in tables that say why (a `status` or `suppressed`
    // column), so suppressed is never read as missing or zero.
    let status = table.index(col::STATUS).ok();
    let suppressed = table.booleans(col::SUPPRESSED).ok();
    let marker = |r: usize| -> Option<&'static str> {
        if let Some(s) = status {
            return Some(schema::gss_marker(&table.text(s, r)));
        }
        let hidden = suppressed.as_ref()?.get(r).copied().flatten()?;
        Some(if hidden { "[c]" } else { "[x]" })
    };
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
                    } else if let Some(m) = marker(r) {
                        sheet.write_string(row, c16, m).map_err(xerr)?;
                    }
                }
                Column::Integer(v) => {
                    if let Some(x) = v[r] {
                        sheet
                            .write_number_with_format(row, c16, x as f64, &format)
                            .map_err(xerr)?;
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
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
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
        "Notes",
        "Methods, disclosure control, caveats, sources and licence.",
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
    for (layout, name, _) in SHEETS {
        if let Some((_, t)) = tables.iter().find(|(s, _)| *s == layout.name) {
            let sheet = book.add_worksheet();
            sheet.set_name(name).map_err(xerr)?;
            table_sheet(sheet, &layout, t)?;
        }
    }

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
    for (heading, lines) in [
        ("Methods", &meta.methods),
        ("Disclosure control", &disclosure),
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
