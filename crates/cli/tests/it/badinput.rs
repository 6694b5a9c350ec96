//! The bad-input catalogue: one table of unusual or wrong inputs, each run through the command
//! a user would run, with the exit code it must give, fragments its messages (or, for a run
//! that must succeed, its output) must contain, the files that must be unchanged after it, and
//! the outputs that must not be left behind. Each command runs in a fresh folder holding the
//! case's files, so the command lines use relative paths (`./x/../x/f.csv` included).
//! PHEindicatormethods' `expected_errors.csv` cases are in `errors.rs`, one test per case.

use std::{
    path::Path,
    process::{Command, Output},
};

/// A file of a case.
enum File {
    Text(&'static str),
    /// A symbolic link to another file of the case.
    Link(&'static str),
    /// Written by a function (XLSX and Parquet fixtures).
    Made(fn(&Path)),
}

struct Case {
    name: &'static str,
    files: &'static [(&'static str, File)],
    /// The command line, split on whitespace.
    args: &'static str,
    code: i32,
    /// Fragments of standard error (failures) or of standard output, standard error and the
    /// `look` file (successes).
    says: &'static [&'static str],
    /// A file whose text is searched too (a table the run wrote).
    look: Option<&'static str>,
    /// Files that must be byte for byte what they were.
    unchanged: &'static [&'static str],
    /// Outputs that must not exist after the run.
    absent: &'static [&'static str],
}

const RATE: &str = "area,x,n\nE01,4,1000\nE02,12,2000\n";
const SPEC: &str = r#"name = "t"
[counts]
path = "counts.csv"
[[indicator]]
id = "detentions"
name = "Detentions"
statistic = "proportion"
numerator = "detained"
denominator = "people"
[[dimension]]
kind = "imd-decile"
[disclosure]
rule = "none"
[validation]
unknown_codes = "error"
"#;
const COUNTS: &str = "period,area_code,imd_decile,detained,people\n2023-24,E01,1,5,100\n2023-24,E01,2,7,120\n2023-24,E02,1,3,80\n";
const DSR_SPEC: &str = r#"name = "t"
[counts]
path = "counts.csv"
[population]
path = "population.csv"
[lookups]
age_bands = "esp2013"
[[indicator]]
id = "dsr"
name = "Detentions, standardised"
statistic = "dsr"
numerator = "detained"
[disclosure]
rule = "none"
"#;
const PROFILE_RUN: &str = "profile --quiet --spec d/profile.toml --out out";

fn xlsx(dir: &Path, name: &str, fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) {
    let mut book = rust_xlsxwriter::Workbook::new();
    fill(book.add_worksheet());
    book.save(dir.join(name)).unwrap();
}

fn xlsx_date_count(dir: &Path) {
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    xlsx(dir, "d.xlsx", |s| {
        for (c, h) in ["area", "x", "n"].iter().enumerate() {
            s.write(0, c as u16, *h).unwrap();
        }
        s.write(1, 0, "E01").unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 4, 1).unwrap();
        s.write_datetime_with_format(1, 1, &d, &date).unwrap();
        s.write(1, 2, 1000).unwrap();
    });
}

fn xlsx_date_key(dir: &Path) {
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    xlsx(dir, "k.xlsx", |s| {
        for (c, h) in ["month", "x", "n"].iter().enumerate() {
            s.write(0, c as u16, *h).unwrap();
        }
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 4, 1).unwrap();
        s.write_datetime_with_format(1, 0, &d, &date).unwrap();
        s.write(1, 1, 4).unwrap();
        s.write(1, 2, 1000).unwrap();
    });
}

fn xlsx_formula(dir: &Path) {
    xlsx(dir, "f.xlsx", |s| {
        for (c, h) in ["area", "x", "n"].iter().enumerate() {
            s.write(0, c as u16, *h).unwrap();
        }
        s.write(1, 0, "E01").unwrap();
        // As programs that do not calculate save it: no value.
        s.set_formula_result_default("");
        s.write_formula(1, 1, "=2+2").unwrap();
        s.write(1, 2, 1000).unwrap();
    });
}

fn xlsx_error(dir: &Path) {
    xlsx(dir, "e.xlsx", |s| {
        for (c, h) in ["area", "x", "n"].iter().enumerate() {
            s.write(0, c as u16, *h).unwrap();
        }
        s.write(1, 0, "E01").unwrap();
        s.write_formula(
            1,
            1,
            rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
        )
        .unwrap();
        s.write(1, 2, 1000).unwrap();
    });
}

fn parquet_u64(dir: &Path) {
    use std::sync::Arc;

    use arrow_array::{RecordBatch, StringArray, UInt64Array};
    use arrow_schema::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![
        Field::new("area", DataType::Utf8, false),
        Field::new("x", DataType::UInt64, false),
        Field::new("n", DataType::UInt64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["E01", "E02"])),
            Arc::new(UInt64Array::from(vec![4, u64::MAX])),
            Arc::new(UInt64Array::from(vec![1000, 2000])),
        ],
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("u.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn cases() -> Vec<Case> {
    use File::*;
    type Files = &'static [(&'static str, File)];
    let case = |name: &'static str,
                files: Files,
                args: &'static str,
                code: i32,
                says: &'static [&'static str]| Case {
        name,
        files,
        args,
        code,
        says,
        look: None,
        unchanged: &[],
        absent: &[],
    };
    vec![
        // Data destroyed: no command writes over one of its own inputs.
        Case {
            unchanged: &["f.csv"],
            ..case(
                "output equal to input",
                &[("f.csv", Text(RATE))],
                "stats rate --input f.csv --numerator x --denominator n --output f.csv",
                2,
                &["f.csv", "overwrite the input"],
            )
        },
        Case {
            unchanged: &["x/f.csv"],
            ..case(
                "output equal to input through ..",
                &[("x/f.csv", Text(RATE))],
                "stats rate --input x/f.csv --numerator x --denominator n --output ./x/../x/f.csv",
                2,
                &["overwrite the input"],
            )
        },
        Case {
            unchanged: &["f.csv"],
            ..case(
                "output a symbolic link to the input",
                &[("f.csv", Text(RATE)), ("link.csv", Link("f.csv"))],
                "stats rate --input f.csv --numerator x --denominator n --output link.csv",
                2,
                &["overwrite the input"],
            )
        },
        Case {
            unchanged: &["f.csv"],
            ..case(
                "suppress over its input",
                &[("f.csv", Text("id,c\na,3\nb,40\n"))],
                "suppress --input f.csv --rule nhs-mha --count c --output f.csv",
                2,
                &["overwrite the input"],
            )
        },
        Case {
            unchanged: &["f.csv", "t.csv"],
            ..case(
                "israte over its observed totals",
                &[
                    ("f.csv", Text("g,band,x,n,xr,nr\nA,1,3,100,30,1000\n")),
                    ("t.csv", Text("g,x\nA,3\n")),
                ],
                "stats israte --input f.csv --numerator x --denominator n --reference-numerator xr --reference-denominator nr --age-band band --group-by g --observed-totals t.csv --output t.csv",
                2,
                &["overwrite the input", "t.csv"],
            )
        },
        Case {
            unchanged: &["f.csv"],
            ..case(
                "funnel chart over its input",
                &[("f.csv", Text("id,o,n\na,5,100\nb,20,100\nc,12,100\n"))],
                "funnel limits --input f.csv --statistic proportion --numerator o --denominator n --svg f.csv",
                2,
                &["overwrite the input"],
            )
        },
        Case {
            unchanged: &["d/profile.toml", "d/counts.csv"],
            ..case(
                "profile into the folder of its spec and data",
                &[
                    ("d/profile.toml", Text(SPEC)),
                    ("d/counts.csv", Text(COUNTS)),
                ],
                "profile --quiet --spec d/profile.toml --out d",
                2,
                &["replace or hold the input"],
            )
        },
        Case {
            unchanged: &["d/profile.toml", "d/counts.csv"],
            ..case(
                "profile into a folder above its data",
                &[
                    ("d/profile.toml", Text(SPEC)),
                    ("d/counts.csv", Text(COUNTS)),
                ],
                "profile --quiet --spec d/profile.toml --out .",
                2,
                &["replace or hold the input"],
            )
        },
        Case {
            unchanged: &["out/notes.docx"],
            ..case(
                "profile over a folder of someone else's files",
                &[
                    ("d/profile.toml", Text(SPEC)),
                    ("d/counts.csv", Text(COUNTS)),
                    ("out/notes.docx", Text("mine")),
                ],
                PROFILE_RUN,
                2,
                &["out", "notes.docx", "--force"],
            )
        },
        Case {
            unchanged: &["demo/notes.txt"],
            ..case(
                "demo over a folder of someone else's files",
                &[("demo/notes.txt", Text("mine"))],
                "demo --out demo",
                2,
                &["notes.txt", "--force"],
            )
        },
        Case {
            unchanged: &["a.toml"],
            ..case(
                "sensitivity over its assumptions",
                &[
                    ("a.toml", Text("name = \"x\"\n")),
                    ("p/estimates.csv", Text("x\n1\n")),
                ],
                "sensitivity --profile p --assumptions a.toml --out a.toml",
                2,
                &["a.toml"],
            )
        },
        Case {
            unchanged: &["det.csv"],
            ..case(
                "associate over its determinant",
                &[
                    ("det.csv", Text("area_code,v\nE01,1\n")),
                    ("p/estimates.csv", Text("x\n1\n")),
                ],
                "associate --profile p --indicator i --determinant det.csv:v --points det.csv",
                2,
                &["overwrite the input", "det.csv"],
            )
        },
        Case {
            absent: &["out.csv"],
            ..case(
                "spc whose chart cannot be written leaves no table",
                &[("s.csv", Text("month,v\n2023-01,4\n2023-02,5\n2023-03,6\n"))],
                "spc --input s.csv --period month --value v --output out.csv --svg nowhere/chart.svg",
                1,
                &["nowhere"],
            )
        },
        // Silently lost or misread.
        Case {
            look: Some("o.csv"),
            ..case(
                "bare CR line ends",
                &[("cr.csv", Text("area,x,n\rE01,4,1000\rE02,12,2000\r"))],
                "stats rate --input cr.csv --numerator x --denominator n --group-by area --output o.csv",
                0,
                &["E01,4,1000", "E02,12,2000"],
            )
        },
        Case {
            look: Some("o.csv"),
            ..case(
                "a CR after the header",
                &[("cr.csv", Text("area,x,n\r\nE01,4,1000\nE02,12,2000\n"))],
                "stats rate --input cr.csv --numerator x --denominator n --group-by area --output o.csv",
                0,
                &["E01,4,1000", "E02,12,2000"],
            )
        },
        case(
            "an XLSX date in a count column",
            &[("d.xlsx", Made(xlsx_date_count))],
            "stats rate --input d.xlsx --numerator x --denominator n",
            2,
            &["d.xlsx", "row 1", "column `x`", "2023-04-01"],
        ),
        Case {
            look: Some("o.csv"),
            ..case(
                "an XLSX date in a key column",
                &[("k.xlsx", Made(xlsx_date_key))],
                "stats rate --input k.xlsx --numerator x --denominator n --group-by month --output o.csv",
                0,
                &["2023-04-01,4,1000"],
            )
        },
        case(
            "an XLSX formula without its value",
            &[("f.xlsx", Made(xlsx_formula))],
            "stats rate --input f.xlsx --numerator x --denominator n",
            2,
            &[
                "f.xlsx",
                "sheet `Sheet1`, cell B2, column `x`",
                "no saved value",
            ],
        ),
        case(
            "an XLSX error cell",
            &[("e.xlsx", Made(xlsx_error))],
            "stats rate --input e.xlsx --numerator x --denominator n",
            2,
            &["e.xlsx", "cell B2, column `x`", "#DIV/0!"],
        ),
        case(
            "IMD decile -1",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text(
                        "period,area_code,imd_decile,detained,people\n2023-24,E01,1,5,100\n2023-24,E01,-1,7,120\n",
                    ),
                ),
            ],
            PROFILE_RUN,
            2,
            &["counts.csv", "imd code `-1`"],
        ),
        case(
            "IMD decile 11",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text(
                        "period,area_code,imd_decile,detained,people\n2023-24,E01,1,5,100\n2023-24,E01,11,7,120\n",
                    ),
                ),
            ],
            PROFILE_RUN,
            2,
            &["counts.csv", "imd code `11`"],
        ),
        case(
            "Parquet uint64 beyond the largest whole number",
            &[("u.parquet", Made(parquet_u64))],
            "stats rate --input u.parquet --numerator x --denominator n",
            2,
            &["u.parquet", "row 2, column `x`", "18446744073709551615"],
        ),
        case(
            "a fractional count in a rate",
            &[("f.csv", Text("area,x,n\nE01,4,1000\nE02,2.5,2000\n"))],
            "stats rate --input f.csv --numerator x --denominator n",
            2,
            &["f.csv", "row 2, column `x`", "2.5", "whole number"],
        ),
        case(
            "a fractional count in a profile's counts file",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text(
                        "period,area_code,imd_decile,detained,people\n2023-24,E01,1,5,100\n2023-24,E01,2,2.5,120\n",
                    ),
                ),
            ],
            PROFILE_RUN,
            2,
            &[
                "counts.csv",
                "row 2, column `detained`",
                "2.5",
                "whole number",
            ],
        ),
        case(
            "a fractional count in a comparison",
            &[("c.csv", Text("g,x,n\nA,4,100\nB,2.5,100\n"))],
            "compare --input c.csv --group g --reference A --numerator x --denominator n --statistic rate",
            2,
            &["row 2, column `x`", "whole number"],
        ),
        Case {
            look: Some("o.csv"),
            ..case(
                "a DSR over 18 of ESP2013's 19 bands",
                &[(
                    "d.csv",
                    Text(
                        "band,x,n\n1,5,1000\n2,5,1000\n3,5,1000\n4,5,1000\n5,5,1000\n6,5,1000\n7,5,1000\n8,5,1000\n9,5,1000\n10,5,1000\n11,5,1000\n12,5,1000\n13,5,1000\n14,5,1000\n15,5,1000\n16,5,1000\n17,5,1000\n18,5,1000\n",
                    ),
                )],
                "stats dsr --input d.csv --numerator x --denominator n --standard-population esp2013 --age-band band --output o.csv",
                0,
                &["standardised over 18 of 19 age bands", "19"],
            )
        },
        Case {
            look: Some("o.csv"),
            ..case(
                "a DSR group without a band the others have",
                &[(
                    "d.csv",
                    Text("g,band,x,n,w\nA,1,5,1000,10\nA,2,5,1000,20\nB,1,5,1000,10\n"),
                )],
                "stats dsr --input d.csv --numerator x --denominator n --standard-population w --age-band band --group-by g --output o.csv",
                0,
                &["standardised over 1 of 2 age bands: no rows for band(s) 2"],
            )
        },
        Case {
            look: Some("out/estimates.csv"),
            ..case(
                "a profile DSR over 2 of ESP2013's 19 bands",
                &[
                    ("d/profile.toml", Text(DSR_SPEC)),
                    (
                        "d/counts.csv",
                        Text(
                            "period,area_code,age_band,detained\n2023-24,E01,0-4,5\n2023-24,E01,5-9,7\n",
                        ),
                    ),
                    (
                        "d/population.csv",
                        Text(
                            "period,area_code,age_band,population\n2023-24,E01,0-4,1000\n2023-24,E01,5-9,1200\n",
                        ),
                    ),
                ],
                PROFILE_RUN,
                0,
                &["standardised over 2 of the 19 standard age bands", "10-14"],
            )
        },
        case(
            "compare with the reference group twice",
            &[(
                "c.csv",
                Text("g,v,se\nWhite,10,1\nBlack,15,2\nWhite,12,1\n"),
            )],
            "compare --input c.csv --group g --reference White --value v --se se",
            2,
            &["rows 1 and 3", "group `White`", "one row per group"],
        ),
        case(
            "benchmark against an area not in the data",
            &[("b.csv", Text("area,v,lo,hi\nE01,10,8,12\nE02,15,13,17\n"))],
            "benchmark --input b.csv --value v --lower lo --upper hi --area area --comparator-area E92000001",
            2,
            &["E92000001", "column `area`"],
        ),
        case(
            "benchmark at level 150",
            &[("b.csv", Text("area,v,lo,hi\nE01,10,8,12\nE02,15,13,17\n"))],
            "benchmark --input b.csv --value v --lower lo --upper hi --area area --comparator-area E01 --level 150",
            2,
            &["--level 150", "95 or 99.8"],
        ),
        Case {
            look: Some("o.csv"),
            ..case(
                "spc periods in mixed forms, in calendar order",
                &[(
                    "s.csv",
                    Text("month,v\nJan 2023,7\n2022-01,1\n07/2022,4\n2022-12-01,6\n"),
                )],
                "spc --input s.csv --period month --value v --output o.csv",
                0,
                &["2022-01,1", "07/2022,4", "2022-12-01,6", "Jan 2023,7"],
            )
        },
        case(
            "spc periods that are not on a calendar",
            &[("s.csv", Text("month,v\n2022-01,1\nsometime,4\n"))],
            "spc --input s.csv --period month --value v",
            2,
            &["s.csv", "row 2", "column `month`", "`sometime`"],
        ),
        Case {
            look: Some("o.csv"),
            ..case(
                "keys that differ only by spaces are one group",
                &[(
                    "k.csv",
                    Text("area,x,n\nE01,4,1000\nE01 ,6,1000\n\" E01\",2,1000\n"),
                )],
                "stats rate --input k.csv --numerator x --denominator n --group-by area --output o.csv",
                0,
                &["E01,12,3000"],
            )
        },
        case(
            "a counts file with a header and no rows",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text("period,area_code,imd_decile,detained,people\n"),
                ),
            ],
            PROFILE_RUN,
            2,
            &["counts.csv", "no rows"],
        ),
        case(
            "a codes column inferred as numbers from its first rows",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text(
                        "period,area_code,imd_decile,detained,people\n2023,1,1,5,100\n2023,E02,2,7,120\n",
                    ),
                ),
            ],
            PROFILE_RUN,
            0,
            &[],
        ),
        // Messages that help.
        case(
            "a thousands separator in a profile's counts",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text(
                        "period,area_code,imd_decile,detained,people\n2023-24,E01,1,5,100\n2023-24,E01,2,7,\"1,234\"\n",
                    ),
                ),
            ],
            PROFILE_RUN,
            2,
            &[
                "counts.csv",
                "row 2",
                "column `people`",
                "`1,234`",
                "thousands",
            ],
        ),
        case(
            "a short row in a profile's counts",
            &[
                ("d/profile.toml", Text(SPEC)),
                (
                    "d/counts.csv",
                    Text(
                        "period,area_code,imd_decile,detained,people\n2023-24,E01,1,5,100\n2023-24,E01,2,7\n",
                    ),
                ),
            ],
            PROFILE_RUN,
            2,
            &[
                "counts.csv",
                "line 3",
                "found 4 fields, but the header has 5",
            ],
        ),
        case(
            "a negative multiplier",
            &[("f.csv", Text(RATE))],
            "stats rate --input f.csv --numerator x --denominator n --multiplier -1",
            2,
            &["--multiplier -1", "positive"],
        ),
        case(
            "a negative threshold",
            &[("f.csv", Text("id,c\na,3\nb,40\n"))],
            "suppress --input f.csv --rule custom --count c --threshold=-5",
            2,
            &["--threshold -5"],
        ),
        case(
            "an input of a type we do not read",
            &[("f.txt", Text(RATE))],
            "stats rate --input f.txt --numerator x --denominator n",
            2,
            &["f.txt", ".xlsx"],
        ),
        case(
            "a column named twice",
            &[("f.csv", Text("area,x,x,n\nE01,1,2,10\n"))],
            "stats rate --input f.csv --numerator x --denominator n",
            2,
            &["f.csv", "`x` appears twice"],
        ),
        // Usage errors: exit 2 before any work.
        case(
            "an output type we cannot write",
            &[("f.csv", Text(RATE))],
            "stats rate --input missing.csv --numerator x --denominator n --output out.docx",
            2,
            &["out.docx", "unknown output file type"],
        ),
        case(
            "a folder given as the output file",
            &[("f.csv", Text(RATE)), ("o/keep", Text(""))],
            "stats rate --input missing.csv --numerator x --denominator n --output o",
            2,
            &["is a folder"],
        ),
    ]
}

fn run_in(dir: &Path, args: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("levelfield runs")
}

#[test]
fn every_bad_input_of_the_catalogue_gets_its_answer() {
    let mut failures = Vec::new();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, file) in case.files {
            let path = d.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            match file {
                File::Text(t) => std::fs::write(&path, t).unwrap(),
                File::Link(target) => {
                    #[cfg(unix)]
                    std::os::unix::fs::symlink(d.join(target), &path).unwrap();
                    #[cfg(not(unix))]
                    std::fs::copy(d.join(target), &path).map(|_| ()).unwrap();
                }
                File::Made(make) => make(d),
            }
        }
        let before: Vec<Vec<u8>> = case
            .unchanged
            .iter()
            .map(|f| std::fs::read(d.join(f)).unwrap())
            .collect();
        let out = run_in(d, case.args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut text = stderr.clone();
        if case.code == 0 {
            text.push_str(&String::from_utf8_lossy(&out.stdout));
            if let Some(f) = case.look {
                text.push_str(&std::fs::read_to_string(d.join(f)).unwrap_or_default());
            }
        }
        let mut problems = Vec::new();
        if out.status.code() != Some(case.code) {
            problems.push(format!("exit {:?}, not {}", out.status.code(), case.code));
        }
        for s in case.says {
            if !text.contains(s) {
                problems.push(format!("no `{s}`"));
            }
        }
        for (f, was) in case.unchanged.iter().zip(&before) {
            if std::fs::read(d.join(f)).ok().as_ref() != Some(was) {
                problems.push(format!("{f} changed"));
            }
        }
        for f in case.absent {
            if d.join(f).exists() {
                problems.push(format!("{f} left behind"));
            }
        }
        if case.code != 0 && !out.stdout.is_empty() {
            problems.push("a failed run wrote to standard output".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n    levelfield {}\n    {}",
                case.name,
                problems.join("; "),
                case.args,
                text.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
