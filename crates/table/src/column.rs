//! [`Column`]: one column of text, numbers, integers or booleans, with conversions between them.

use std::borrow::Cow;

use crate::format::format_number;

/// Texts that mean "missing" in a numeric or boolean column: empty, `NA`, `NaN`, `NULL`, `null`.
pub fn is_missing_token(text: &str) -> bool {
    matches!(text.trim(), "" | "NA" | "NaN" | "NULL" | "null")
}

/// Fast path for the commonest cell, a plain whole number of up to 15 digits (exact in f64).
fn parse_whole_number(cell: &str) -> Option<f64> {
    let bytes = cell.as_bytes();
    if bytes.is_empty() || bytes.len() > 15 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = bytes
        .iter()
        .fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'));
    Some(n as f64)
}

/// One column of a [`crate::Table`].
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Text exactly as read (CSV keeps every cell as text until a command asks for numbers).
    Text(TextColumn),
    /// Floating-point numbers; `None` is missing.
    Number(Vec<Option<f64>>),
    /// Whole numbers; `None` is missing.
    Integer(Vec<Option<i64>>),
    /// Booleans; `None` is missing.
    Boolean(Vec<Option<bool>>),
}

/// Text cells stored back to back in one buffer (one allocation per column, not per cell).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextColumn {
    data: String,
    ends: Vec<usize>,
}

impl TextColumn {
    /// An empty column with room for `rows` cells of about `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        TextColumn {
            data: String::with_capacity(bytes),
            ends: Vec::with_capacity(rows),
        }
    }

    /// Appends a cell.
    pub fn push(&mut self, text: &str) {
        self.data.push_str(text);
        self.ends.push(self.data.len());
    }

    /// The text of cell `row`.
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.data[start..self.ends[row]]
    }

    /// Reserves room for `rows` more cells of `bytes` bytes in all.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.ends.reserve(rows.saturating_sub(self.ends.len()));
        self.data.reserve(bytes.saturating_sub(self.data.len()));
    }

    /// Appends every cell of `other`.
    pub fn append(&mut self, other: &TextColumn) {
        let base = self.data.len();
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// Bytes of text stored.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A number cell a type guess may read as a number: no leading zero before another digit
/// (`007` and `01` are codes), no leading `+`, no spaces, and finite.
fn plain_number(cell: &str) -> Option<f64> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let b = digits.as_bytes();
    if b.is_empty()
        || !b[0].is_ascii_digit()
        || (b[0] == b'0' && b.len() > 1 && b[1].is_ascii_digit())
    {
        return None;
    }
    cell.parse::<f64>().ok().filter(|x| x.is_finite())
}

impl Column {
    /// The column with its type guessed from its text: whole numbers become
    /// [`Column::Integer`], other numbers [`Column::Number`], everything else stays text.
    /// Missing tokens ([`is_missing_token`]) become missing values; a column with a code like
    /// `01` anywhere, or only missing cells, stays text, so codes keep their exact text.
    /// Columns that are not text are returned as they are.
    pub fn infer(self) -> Column {
        let Column::Text(text) = &self else {
            return self;
        };
        let mut whole = true;
        let mut values = Vec::with_capacity(text.len());
        let mut any = false;
        for row in 0..text.len() {
            let cell = text.get(row);
            if is_missing_token(cell) {
                values.push(None);
                continue;
            }
            let Some(x) = plain_number(cell) else {
                return self;
            };
            any = true;
            whole &= !cell.contains(['.', 'e', 'E']) && x.abs() < 9.0e15;
            values.push(Some(x));
        }
        if !any {
            return self;
        }
        if whole {
            Column::Integer(values.into_iter().map(|v| v.map(|x| x as i64)).collect())
        } else {
            Column::Number(values)
        }
    }

    /// A text column from strings.
    pub fn from_strings<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Column {
        let mut col = TextColumn::default();
        for c in cells {
            col.push(c.as_ref());
        }
        Column::Text(col)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Text(t) => t.len(),
            Column::Number(v) => v.len(),
            Column::Integer(v) => v.len(),
            Column::Boolean(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell as text, as it is written to CSV (empty for missing).
    pub fn text(&self, row: usize) -> Cow<'_, str> {
        match self {
            Column::Text(t) => Cow::Borrowed(t.get(row)),
            Column::Number(v) => v[row].map_or(Cow::Borrowed(""), |x| Cow::Owned(format_number(x))),
            Column::Integer(v) => v[row].map_or(Cow::Borrowed(""), |x| Cow::Owned(x.to_string())),
            Column::Boolean(v) => {
                Cow::Borrowed(v[row].map_or("", |b| if b { "TRUE" } else { "FALSE" }))
            }
        }
    }

    /// Appends the cell's text (as [`Column::text`]) to `out` without allocating.
    pub fn write_text(&self, row: usize, out: &mut String) {
        match self {
            Column::Number(v) => {
                if let Some(x) = v[row] {
                    crate::format::write_number(x, out);
                }
            }
            Column::Integer(v) => {
                if let Some(x) = v[row] {
                    use std::fmt::Write;
                    let _ = write!(out, "{x}");
                }
            }
            _ => out.push_str(&self.text(row)),
        }
    }

    /// The column as numbers; on failure, the 0-based row and its text.
    pub(crate) fn to_numbers(&self) -> Result<Vec<Option<f64>>, (usize, String)> {
        match self {
            Column::Number(v) => Ok(v.clone()),
            Column::Integer(v) => Ok(v.iter().map(|x| x.map(|x| x as f64)).collect()),
            Column::Boolean(v) => Ok(v
                .iter()
                .map(|x| x.map(|b| if b { 1.0 } else { 0.0 }))
                .collect()),
            Column::Text(t) => (0..t.len())
                .map(|row| {
                    let cell = t.get(row);
                    if let Some(x) = parse_whole_number(cell) {
                        return Ok(Some(x));
                    }
                    if is_missing_token(cell) {
                        return Ok(None);
                    }
                    match cell.trim().parse::<f64>() {
                        Ok(x) if x.is_finite() => Ok(Some(x)),
                        _ => Err((row, cell.to_string())),
                    }
                })
                .collect(),
        }
    }

    /// The column as booleans; on failure, the 0-based row and its text.
    pub(crate) fn to_booleans(&self) -> Result<Vec<Option<bool>>, (usize, String)> {
        let parse = |row: usize, cell: &str| -> Result<Option<bool>, (usize, String)> {
            if is_missing_token(cell) {
                return Ok(None);
            }
            match cell.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "1" | "yes" => Ok(Some(true)),
                "false" | "f" | "0" | "no" => Ok(Some(false)),
                _ => Err((row, cell.to_string())),
            }
        };
        match self {
            Column::Boolean(v) => Ok(v.clone()),
            _ => (0..self.len())
                .map(|row| parse(row, &self.text(row)))
                .collect(),
        }
    }

    /// A new column with the given rows, in that order.
    pub fn take(&self, rows: &[usize]) -> Column {
        match self {
            Column::Text(t) => {
                let mut out = TextColumn::with_capacity(rows.len(), 0);
                rows.iter().for_each(|&r| out.push(t.get(r)));
                Column::Text(out)
            }
            Column::Number(v) => Column::Number(rows.iter().map(|&r| v[r]).collect()),
            Column::Integer(v) => Column::Integer(rows.iter().map(|&r| v[r]).collect()),
            Column::Boolean(v) => Column::Boolean(rows.iter().map(|&r| v[r]).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infer_reads_numbers_and_keeps_codes() {
        let col = |cells: &[&str]| Column::from_strings(cells.iter().copied()).infer();
        assert_eq!(
            col(&["1", "10", "", "-3"]),
            Column::Integer(vec![Some(1), Some(10), None, Some(-3)])
        );
        assert_eq!(
            col(&["1.5", "2", "NA"]),
            Column::Number(vec![Some(1.5), Some(2.0), None])
        );
        assert_eq!(
            col(&["0", "0.25"]),
            Column::Number(vec![Some(0.0), Some(0.25)])
        );
        // Codes and labels stay text.
        for cells in [
            &["01", "2"][..],
            &["A", "1"],
            &["+1"],
            &["1 "],
            &["", "NA"],
            &["inf"],
            &["1e400"],
        ] {
            assert!(matches!(col(cells), Column::Text(_)), "{cells:?}");
        }
        // Columns that are not text are untouched.
        let b = Column::Boolean(vec![Some(true)]);
        assert_eq!(b.clone().infer(), b);
    }
}
