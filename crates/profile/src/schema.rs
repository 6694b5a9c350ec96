//! The tidy tables' layout, defined once: each table's name, its columns in order and each
//! column's kind, the heading a spreadsheet shows for it ([`heading`]), the `dimension` label
//! of the whole population and the `status` values.
//!
//! Two layouts share these definitions. The profile layout is what `levelfield profile` writes
//! ([`crate::output`]): every column, and confidence limits at every level the spec asks for.
//! The report layout is what the report crate reads into typed rows and writes back (the demo's
//! tables, the workbook's sheets, the web app's downloads): the columns the report uses, limits
//! at [`REPORT_SUFFIX`] only. A column says which layouts hold it ([`In`]); within a layout the
//! columns come in the order given here.
//!
//! ```
//! use levelfield_profile::schema::{self, Layout};
//! let names = schema::INEQUALITY.names(Layout::Report, &[schema::REPORT_SUFFIX]);
//! assert_eq!(names[5..8], ["value", "lower_ci_95_0", "upper_ci_95_0"]);
//! ```

use levelfield_table::{Column, Table};

/// The `dimension` of rows about the whole population, not a dimension's groups.
pub const OVERALL: &str = "Overall";

/// `status` of a published value.
pub const PUBLISHED: &str = "published";
/// `status` of a value hidden by disclosure control (GSS marker `[c]`).
pub const SUPPRESSED: &str = "suppressed";
/// `status` of a value that could not be computed (GSS marker `[x]`).
pub const NOT_AVAILABLE: &str = "not available";
/// `status` of a value that does not apply, such as a rate for a group with no population
/// (GSS marker `[z]`).
pub const NOT_APPLICABLE: &str = "not applicable";

/// The GSS marker a spreadsheet shows in place of a figure of this `status`: `[c]`
/// suppressed, `[z]` not applicable, `[x]` anything else (not available).
pub fn gss_marker(status: &str) -> &'static str {
    match status {
        SUPPRESSED => "[c]",
        NOT_APPLICABLE => "[z]",
        _ => "[x]",
    }
}

/// The confidence level of the report layout's limits, as a column suffix (95 %).
pub const REPORT_SUFFIX: &str = "95_0";

/// The lower limit column of a family (`infix` `""`, `_difference` or `_ratio`) at a level
/// (`suffix`, e.g. `95_0`): `lower_ci_95_0`, `lower_ratio_ci_99_8`.
pub fn lower(infix: &str, suffix: &str) -> String {
    format!("lower{infix}_ci_{suffix}")
}

/// The upper limit column of a family at a level: `upper_ci_95_0`.
pub fn upper(infix: &str, suffix: &str) -> String {
    format!("upper{infix}_ci_{suffix}")
}

/// The name of every column of the tidy tables, each once.
pub mod col {
    #![allow(missing_docs)]
    pub const INDICATOR_ID: &str = "indicator_id";
    pub const INDICATOR: &str = "indicator";
    pub const STATISTIC: &str = "statistic";
    pub const AREA_CODE: &str = "area_code";
    pub const AREA_NAME: &str = "area_name";
    pub const PERIOD: &str = "period";
    pub const DIMENSION: &str = "dimension";
    pub const GROUP_CODE: &str = "group_code";
    pub const GROUP: &str = "group";
    pub const REFERENCE_GROUP: &str = "reference_group";
    pub const NUMERATOR: &str = "numerator";
    pub const DENOMINATOR: &str = "denominator";
    pub const VALUE: &str = "value";
    pub const MULTIPLIER: &str = "multiplier";
    pub const METHOD: &str = "method";
    pub const COMPARATOR: &str = "comparator";
    pub const COMPARED_TO_COMPARATOR: &str = "compared_to_comparator";
    pub const SUPPRESSED: &str = "suppressed";
    pub const STATUS: &str = "status";
    pub const NOTE: &str = "note";
    pub const DISCLOSURE_RULE: &str = "disclosure_rule";
    pub const DIFFERENCE: &str = "difference";
    pub const RATIO: &str = "ratio";
    pub const DIFFERENCE_METHOD: &str = "difference_method";
    pub const RATIO_METHOD: &str = "ratio_method";
    pub const MEASURE: &str = "measure";
    pub const GROUPS: &str = "groups";
    pub const DETAIL: &str = "detail";
    pub const MEAN: &str = "mean";
    pub const LOWER_PROCESS_LIMIT: &str = "lower_process_limit";
    pub const UPPER_PROCESS_LIMIT: &str = "upper_process_limit";
    pub const SPECIAL_CAUSE: &str = "special_cause";
    pub const POINT_TYPE: &str = "point_type";
    pub const SERIES_VARIATION: &str = "series_variation";
    pub const FIELD: &str = "field";
    pub const RECORDS: &str = "records";
    pub const RECORDED: &str = "recorded";
    pub const NOT_STATED: &str = "not_stated";
    pub const NOT_KNOWN: &str = "not_known";
    pub const UNRECOGNISED: &str = "unrecognised";
    pub const PERCENT_RECORDED: &str = "percent_recorded";
    pub const UNRECOGNISED_CODES: &str = "unrecognised_codes";
    pub const CHECK: &str = "check";
    pub const SCOPE: &str = "scope";
    pub const CHECKED: &str = "checked";
    pub const REPAIRED: &str = "repaired";
    pub const RESIDUAL: &str = "residual";
    pub const DETERMINANT: &str = "determinant";
    pub const DETERMINANT_VALUE: &str = "determinant_value";
    pub const WEIGHT: &str = "weight";
    pub const SOURCE: &str = "source";
    pub const ACTION_ID: &str = "action_id";
    pub const ACTION: &str = "action";
    pub const OWNER: &str = "owner";
    pub const TARGET: &str = "target";
    pub const DEADLINE: &str = "deadline";
    pub const VERDICT: &str = "verdict";
    pub const PROJECTED: &str = "projected";
    pub const PROJECTED_LOWER_95: &str = "projected_lower_95";
    pub const PROJECTED_UPPER_95: &str = "projected_upper_95";
    pub const REASONING: &str = "reasoning";
}

/// The headings a reader sees that the rule of [`heading`] would not give, by column name.
const HEADINGS: [(&str, &str); 10] = [
    (col::INDICATOR_ID, "Indicator ID"),
    (col::COMPARED_TO_COMPARATOR, "Compared with comparator"),
    (col::GROUPS, "Number of groups"),
    (col::MEAN, "Centre line (mean)"),
    (col::PERCENT_RECORDED, "Recorded (%)"),
    (col::UNRECOGNISED_CODES, "Unrecognised codes found"),
    (col::ACTION_ID, "Action ID"),
    (col::PROJECTED, "Projected value"),
    (col::PROJECTED_LOWER_95, "Projected lower 95% limit"),
    (col::PROJECTED_UPPER_95, "Projected upper 95% limit"),
];

/// The heading a spreadsheet shows for a column, from its name: the name's words in sentence
/// case (`area_code` is "Area code"); a confidence limit says its level and, outside a value's
/// own limits, its family (`lower_ci_95_0` is "Lower 95% limit", `upper_ratio_ci_99_8` is
/// "Upper 99.8% limit of ratio"); the few names that rule reads badly have their own, in a
/// table beside [`col`] (`compared_to_comparator` is "Compared with comparator").
///
/// ```
/// use levelfield_profile::schema::heading;
/// assert_eq!(heading("lower_ci_95_0"), "Lower 95% limit");
/// assert_eq!(heading("upper_difference_ci_99_8"), "Upper 99.8% limit of difference");
/// assert_eq!(heading("area_name"), "Area name");
/// ```
pub fn heading(name: &str) -> String {
    if let Some((_, h)) = HEADINGS.iter().find(|(n, _)| *n == name) {
        return (*h).to_string();
    }
    for (end, word) in [("lower", "Lower"), ("upper", "Upper")] {
        let Some((infix, suffix)) = name
            .strip_prefix(end)
            .and_then(|rest| rest.split_once("_ci_"))
        else {
            continue;
        };
        let mut level = suffix.replace('_', ".");
        if level.contains('.') {
            level = level
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string();
        }
        let family = infix.trim_start_matches('_').replace('_', " ");
        return if family.is_empty() {
            format!("{word} {level}% limit")
        } else {
            format!("{word} {level}% limit of {family}")
        };
    }
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The infix of the difference's limits (`lower_difference_ci_95_0`).
pub const DIFFERENCE_LIMITS: &str = "_difference";
/// The infix of the ratio's limits (`lower_ratio_ci_95_0`).
pub const RATIO_LIMITS: &str = "_ratio";
/// The infix of a value's own limits (`lower_ci_95_0`).
pub const VALUE_LIMITS: &str = "";

/// What a column holds. Integer and float columns are both written as number columns (in
/// Parquet, `Float64`): an integer column holds whole numbers, such as counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// Whole numbers (counts).
    Integer,
    /// Numbers.
    Float,
    /// `TRUE` / `FALSE`.
    Bool,
}

impl Kind {
    /// True when a column of the table crate holds cells of this kind.
    pub fn admits(self, column: &Column) -> bool {
        matches!(
            (self, column),
            (Kind::Text, Column::Text(_))
                | (Kind::Integer | Kind::Float, Column::Number(_))
                | (Kind::Bool, Column::Boolean(_))
        )
    }
}

/// Which of the two layouts hold a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum In {
    /// Both.
    Both,
    /// Only what `levelfield profile` writes.
    Profile,
    /// Only the report's rows.
    Report,
}

/// One of the two layouts of the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// What `levelfield profile` writes.
    Profile,
    /// What the report reads into rows and writes back.
    Report,
}

impl In {
    fn holds(self, layout: Layout) -> bool {
        matches!(
            (self, layout),
            (In::Both, _) | (In::Profile, Layout::Profile) | (In::Report, Layout::Report)
        )
    }
}

/// A column, or a family of confidence-limit columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSchema {
    /// The column's name; for a family of limits, its infix (see [`lower`]).
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// True for a family of limits: a lower and an upper column per confidence level.
    pub limits: bool,
    /// Which layouts hold it.
    pub within: In,
}

const fn column(name: &'static str, kind: Kind, within: In) -> ColumnSchema {
    ColumnSchema {
        name,
        kind,
        limits: false,
        within,
    }
}

const fn limits(infix: &'static str, within: In) -> ColumnSchema {
    ColumnSchema {
        name: infix,
        kind: Kind::Float,
        limits: true,
        within,
    }
}

/// A tidy table: its file stem and its columns in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSchema {
    /// The file stem (`estimates` for `estimates.csv`).
    pub name: &'static str,
    /// The columns, in order.
    pub columns: &'static [ColumnSchema],
}

impl TableSchema {
    /// The column names of a layout, in order, with limits at each level `suffixes` gives
    /// (`95_0`, `99_8`; see [`levelfield_stats::ConfidenceLevel::column_suffix`]).
    pub fn names<S: AsRef<str>>(&self, layout: Layout, suffixes: &[S]) -> Vec<String> {
        let mut out = Vec::new();
        for c in self.columns.iter().filter(|c| c.within.holds(layout)) {
            if c.limits {
                for s in suffixes {
                    out.push(lower(c.name, s.as_ref()));
                    out.push(upper(c.name, s.as_ref()));
                }
            } else {
                out.push(c.name.to_string());
            }
        }
        out
    }

    /// The kind of a column of this table by its name (a limit column's is
    /// [`Kind::Float`]), if it has it.
    pub fn kind(&self, name: &str) -> Option<Kind> {
        self.columns.iter().find_map(|c| {
            let hit = if c.limits {
                [lower(c.name, ""), upper(c.name, "")]
                    .iter()
                    .any(|prefix| name.starts_with(prefix.as_str()))
            } else {
                c.name == name
            };
            hit.then_some(c.kind)
        })
    }

    /// A table of `n_rows` in a layout from its columns by name, put in the layout's order.
    ///
    /// # Panics
    /// When a column of the layout is missing, one is not in the layout, or a column's cells
    /// are not of its kind: a writer out of step with this schema.
    pub fn assemble<S: AsRef<str>>(
        &self,
        layout: Layout,
        suffixes: &[S],
        n_rows: usize,
        mut columns: Vec<(String, Column)>,
    ) -> Table {
        let mut table = Table::with_rows(n_rows);
        for c in self.columns.iter().filter(|c| c.within.holds(layout)) {
            let names = if c.limits {
                suffixes
                    .iter()
                    .flat_map(|s| [lower(c.name, s.as_ref()), upper(c.name, s.as_ref())])
                    .collect()
            } else {
                vec![c.name.to_string()]
            };
            for name in names {
                let k = columns
                    .iter()
                    .position(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("{}: no column `{name}`", self.name));
                let (name, cells) = columns.swap_remove(k);
                assert!(
                    c.kind.admits(&cells),
                    "{}: column `{name}` is not {:?}",
                    self.name,
                    c.kind
                );
                table.push(name, cells).expect("column length");
            }
        }
        assert!(
            columns.is_empty(),
            "{}: columns outside the schema: {:?}",
            self.name,
            columns.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        table
    }
}

use In::{Both, Profile, Report};
use Kind::{Bool, Float, Integer, Text};

/// `estimates`: one row per indicator × period × area × dimension × group.
pub const ESTIMATES: TableSchema = TableSchema {
    name: "estimates",
    columns: &[
        column(col::INDICATOR_ID, Text, Both),
        column(col::INDICATOR, Text, Both),
        column(col::STATISTIC, Text, Both),
        column(col::AREA_CODE, Text, Both),
        column(col::AREA_NAME, Text, Both),
        column(col::PERIOD, Text, Both),
        column(col::DIMENSION, Text, Both),
        column(col::GROUP_CODE, Text, Both),
        column(col::GROUP, Text, Both),
        column(col::REFERENCE_GROUP, Bool, Both),
        column(col::NUMERATOR, Integer, Both),
        column(col::DENOMINATOR, Integer, Both),
        column(col::VALUE, Float, Both),
        limits(VALUE_LIMITS, Both),
        column(col::MULTIPLIER, Float, Profile),
        column(col::METHOD, Text, Both),
        column(col::COMPARATOR, Text, Both),
        column(col::COMPARED_TO_COMPARATOR, Text, Both),
        column(col::SUPPRESSED, Bool, Both),
        column(col::STATUS, Text, Profile),
        column(col::NOTE, Text, Both),
        column(col::DISCLOSURE_RULE, Text, Profile),
    ],
};

/// `comparisons`: each group against its dimension's reference group.
pub const COMPARISONS: TableSchema = TableSchema {
    name: "comparisons",
    columns: &[
        column(col::INDICATOR_ID, Text, Both),
        column(col::AREA_CODE, Text, Both),
        column(col::PERIOD, Text, Both),
        column(col::DIMENSION, Text, Both),
        column(col::GROUP, Text, Both),
        column(col::REFERENCE_GROUP, Text, Both),
        column(col::DIFFERENCE, Float, Both),
        limits(DIFFERENCE_LIMITS, Both),
        column(col::RATIO, Float, Both),
        limits(RATIO_LIMITS, Both),
        column(col::DIFFERENCE_METHOD, Text, Profile),
        column(col::RATIO_METHOD, Text, Both),
        column(col::STATUS, Text, Profile),
        column(col::NOTE, Text, Both),
        column(col::DISCLOSURE_RULE, Text, Profile),
    ],
};

/// `inequality`: the summary measures of each table of groups.
pub const INEQUALITY: TableSchema = TableSchema {
    name: "inequality",
    columns: &[
        column(col::INDICATOR_ID, Text, Both),
        column(col::AREA_CODE, Text, Both),
        column(col::PERIOD, Text, Both),
        column(col::DIMENSION, Text, Both),
        column(col::MEASURE, Text, Both),
        column(col::VALUE, Float, Both),
        limits(VALUE_LIMITS, Both),
        column(col::GROUPS, Integer, Both),
        column(col::METHOD, Text, Both),
        column(col::DETAIL, Text, Both),
        column(col::DISCLOSURE_RULE, Text, Profile),
    ],
};

/// `trends`: the SPC points of each series.
pub const TRENDS: TableSchema = TableSchema {
    name: "trends",
    columns: &[
        column(col::INDICATOR_ID, Text, Both),
        column(col::AREA_CODE, Text, Both),
        column(col::DIMENSION, Text, Both),
        column(col::GROUP, Text, Both),
        column(col::PERIOD, Text, Both),
        column(col::VALUE, Float, Both),
        column(col::MEAN, Float, Both),
        column(col::LOWER_PROCESS_LIMIT, Float, Both),
        column(col::UPPER_PROCESS_LIMIT, Float, Both),
        column(col::SPECIAL_CAUSE, Text, Both),
        column(col::POINT_TYPE, Text, Both),
        column(col::SERIES_VARIATION, Text, Both),
        column(col::NOTE, Text, Report),
        column(col::DISCLOSURE_RULE, Text, Profile),
    ],
};

/// `data_quality`: recording completeness by area, period and field.
pub const DATA_QUALITY: TableSchema = TableSchema {
    name: "data_quality",
    columns: &[
        column(col::AREA_CODE, Text, Both),
        column(col::PERIOD, Text, Both),
        column(col::FIELD, Text, Both),
        column(col::RECORDS, Integer, Both),
        column(col::RECORDED, Integer, Both),
        column(col::NOT_STATED, Integer, Both),
        column(col::NOT_KNOWN, Integer, Both),
        column(col::UNRECOGNISED, Integer, Both),
        column(col::PERCENT_RECORDED, Float, Both),
        column(col::STATUS, Text, Profile),
        column(col::UNRECOGNISED_CODES, Text, Profile),
        column(col::DISCLOSURE_RULE, Text, Profile),
    ],
};

/// `disclosure_audit`: what the attacker audit checked, what it repaired, what is left.
pub const DISCLOSURE_AUDIT: TableSchema = TableSchema {
    name: "disclosure_audit",
    columns: &[
        column(col::CHECK, Text, Profile),
        column(col::SCOPE, Text, Profile),
        column(col::CHECKED, Integer, Profile),
        column(col::REPAIRED, Integer, Profile),
        column(col::RESIDUAL, Integer, Profile),
        column(col::DETAIL, Text, Profile),
        column(col::DISCLOSURE_RULE, Text, Profile),
    ],
};

/// `associations`: each area's determinant and indicator values (written by
/// `levelfield associate`, read by the report).
pub const ASSOCIATIONS: TableSchema = TableSchema {
    name: "associations",
    columns: &[
        column(col::INDICATOR_ID, Text, Report),
        column(col::DETERMINANT, Text, Report),
        column(col::PERIOD, Text, Report),
        column(col::AREA_CODE, Text, Report),
        column(col::AREA_NAME, Text, Report),
        column(col::DETERMINANT_VALUE, Float, Report),
        column(col::VALUE, Float, Report),
        column(col::WEIGHT, Float, Report),
        column(col::SOURCE, Text, Report),
    ],
};

/// `plan_assessment`: each action plan target judged in each period (written by
/// `levelfield plan assess`, read by the report).
pub const PLAN_ASSESSMENT: TableSchema = TableSchema {
    name: "plan_assessment",
    columns: &[
        column(col::ACTION_ID, Text, Report),
        column(col::ACTION, Text, Report),
        column(col::OWNER, Text, Report),
        column(col::TARGET, Text, Report),
        column(col::INDICATOR_ID, Text, Report),
        column(col::PERIOD, Text, Report),
        column(col::DEADLINE, Text, Report),
        column(col::VERDICT, Text, Report),
        column(col::VALUE, Float, Report),
        limits(VALUE_LIMITS, Report),
        column(col::PROJECTED, Float, Report),
        column(col::PROJECTED_LOWER_95, Float, Report),
        column(col::PROJECTED_UPPER_95, Float, Report),
        column(col::REASONING, Text, Report),
    ],
};

/// The tables `levelfield profile` writes, in write order.
pub const PROFILE_TABLES: [TableSchema; 6] = [
    ESTIMATES,
    COMPARISONS,
    INEQUALITY,
    TRENDS,
    DATA_QUALITY,
    DISCLOSURE_AUDIT,
];

/// The tables of the report layout, in write order.
pub const REPORT_TABLES: [TableSchema; 7] = [
    ESTIMATES,
    COMPARISONS,
    INEQUALITY,
    TRENDS,
    DATA_QUALITY,
    ASSOCIATIONS,
    PLAN_ASSESSMENT,
];

/// Every table, each once.
pub const ALL: [TableSchema; 8] = [
    ESTIMATES,
    COMPARISONS,
    INEQUALITY,
    TRENDS,
    DATA_QUALITY,
    DISCLOSURE_AUDIT,
    ASSOCIATIONS,
    PLAN_ASSESSMENT,
];

/// A table by its file stem.
pub fn table(name: &str) -> Option<&'static TableSchema> {
    ALL.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_once_per_layout() {
        for t in ALL {
            for layout in [Layout::Profile, Layout::Report] {
                let names = t.names(layout, &["95_0", "99_8"]);
                for (i, n) in names.iter().enumerate() {
                    assert!(!names[..i].contains(n), "{}: `{n}` twice", t.name);
                }
            }
        }
    }

    #[test]
    fn limits_expand_per_level() {
        let names = COMPARISONS.names(Layout::Profile, &["95_0", "99_8"]);
        assert_eq!(
            names[6..12],
            [
                "difference",
                "lower_difference_ci_95_0",
                "upper_difference_ci_95_0",
                "lower_difference_ci_99_8",
                "upper_difference_ci_99_8",
                "ratio",
            ]
        );
        assert_eq!(COMPARISONS.kind("upper_ratio_ci_99_8"), Some(Kind::Float));
        assert_eq!(ESTIMATES.kind("numerator"), Some(Kind::Integer));
        assert_eq!(ESTIMATES.kind("nothing"), None);
    }

    #[test]
    fn every_column_has_a_heading_in_words_once_per_table() {
        for t in ALL {
            for layout in [Layout::Profile, Layout::Report] {
                let headings: Vec<String> = t
                    .names(layout, &["95_0", "99_8"])
                    .iter()
                    .map(|n| heading(n))
                    .collect();
                for (i, h) in headings.iter().enumerate() {
                    assert!(!h.contains('_'), "{}: {h:?}", t.name);
                    assert!(h.starts_with(char::is_uppercase), "{}: {h:?}", t.name);
                    assert!(!headings[..i].contains(h), "{}: {h:?} twice", t.name);
                }
            }
        }
        for (name, h) in HEADINGS {
            assert!(
                ALL.iter().any(|t| t.kind(name).is_some()),
                "{name} ({h}) is no table's column"
            );
        }
        assert_eq!(
            heading(col::COMPARED_TO_COMPARATOR),
            "Compared with comparator"
        );
        assert_eq!(heading("lower_ratio_ci_95_0"), "Lower 95% limit of ratio");
        assert_eq!(heading("upper_ci_90_0"), "Upper 90% limit");
        assert_eq!(heading(col::LOWER_PROCESS_LIMIT), "Lower process limit");
        assert_eq!(heading(col::NOT_STATED), "Not stated");
    }

    #[test]
    fn tables_are_found_by_stem() {
        assert_eq!(table("trends"), Some(&TRENDS));
        assert_eq!(table("nothing"), None);
        assert_eq!(gss_marker(SUPPRESSED), "[c]");
        assert_eq!(gss_marker(NOT_APPLICABLE), "[z]");
        assert_eq!(gss_marker(PUBLISHED), "[x]");
    }
}
