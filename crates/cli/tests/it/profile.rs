//! `levelfield synth`, `profile` and `check` end to end: a synthetic million-row profile, the
//! same profile from events and from counts, and what bad input gets.

use std::{collections::BTreeMap, fs, path::Path};

use crate::support::{levelfield, number, read_csv, run_fails, run_ok};

/// The tables every profile writes.
const TABLES: [&str; 5] = [
    "estimates",
    "comparisons",
    "inequality",
    "trends",
    "data_quality",
];

fn synth(dir: &Path, rows: &str, extra: &[&str]) {
    let d = dir.to_str().unwrap();
    let mut args = vec!["synth", "--rows", rows, "--seed", "7", "--out", d];
    args.extend_from_slice(extra);
    run_ok(&args);
}

#[test]
fn a_million_synthetic_rows_give_a_protected_profile_with_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("D");
    synth(&data, "1000000", &[]);
    let out = tmp.path().join("P");
    let spec = data.join("profile.toml");
    run_ok(&[
        "profile",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--fingertips-csv",
        "--format",
        "parquet",
    ]);
    for stem in TABLES {
        assert!(out.join(format!("{stem}.csv")).is_file(), "{stem}.csv");
        assert!(
            out.join(format!("{stem}.parquet")).is_file(),
            "{stem}.parquet"
        );
    }
    let est = read_csv(&out.join("estimates.csv"));
    assert!(est.len() > 1000);
    let mut with_interval = 0;
    for r in &est {
        if let Some(x) = number(&r["numerator"]) {
            assert!(x == 0.0 || x >= 5.0, "published count {x}");
            assert_eq!(x % 5.0, 0.0, "published count {x} is not rounded to 5");
            assert!(!(1.0..=4.0).contains(&x), "published count {x}");
        }
        if let (Some(v), Some(lo), Some(hi)) = (
            number(&r["value"]),
            number(&r["lower_ci_95_0"]),
            number(&r["upper_ci_95_0"]),
        ) {
            assert!(lo <= v && v <= hi, "{r:?}");
            let (lo8, hi8) = (
                number(&r["lower_ci_99_8"]).unwrap(),
                number(&r["upper_ci_99_8"]).unwrap(),
            );
            assert!(lo8 <= lo && hi <= hi8, "99.8 % contains 95 %: {r:?}");
            with_interval += 1;
        }
        if r["suppressed"] == "TRUE" {
            assert_eq!(r["value"], "");
            assert_eq!(r["numerator"], "");
        }
        assert!(r["disclosure_rule"].starts_with("NHS MHA statistics"));
    }
    assert!(with_interval > 1000);
    // The synthetic disparity shows: Black detention rate above White in all areas.
    let rate = |group: &str| {
        est.iter()
            .find(|r| {
                r["indicator_id"] == "detentions"
                    && r["area_code"] == "SYNALL"
                    && r["period"] == "2024-25 Q4"
                    && r["group"] == group
            })
            .and_then(|r| number(&r["value"]))
            .unwrap()
    };
    assert!(rate("Black or Black British") > 2.0 * rate("White"));
    let header = fs::read_to_string(out.join("fingertips.csv")).unwrap();
    let header = header.lines().next().unwrap();
    assert!(header.starts_with("Indicator ID,Indicator Name,Parent Code,"));
    assert_eq!(header.split(',').count(), 26);
    let trends = read_csv(&out.join("trends.csv"));
    assert!(
        trends
            .iter()
            .any(|r| r["area_code"] == "SYNALL" && r["group"] == "All")
    );
    let quality = read_csv(&out.join("data_quality.csv"));
    let eth: Vec<f64> = quality
        .iter()
        .filter(|r| r["field"] == "ethnicity" && r["area_code"] == "SYNALL")
        .filter_map(|r| number(&r["percent_recorded"]))
        .collect();
    assert_eq!(eth.len(), 12);
    // About 7 % of ethnicity codes are not stated or not known.
    assert!(eth.iter().all(|p| (90.0..96.0).contains(p)), "{eth:?}");
}

/// Aggregates the synthetic events CSV into a counts CSV by hand (no engine), with the
/// counts each indicator needs.
fn counts_from_events(events: &Path, counts: &Path) {
    let rows = read_csv(events);
    let mut sums: BTreeMap<Vec<String>, [u64; 8]> = BTreeMap::new();
    for r in &rows {
        let band = match r["age"].parse::<u32>() {
            Ok(a) if a >= 90 => "90+".to_string(),
            Ok(a) => format!("{}-{}", a / 5 * 5, a / 5 * 5 + 4),
            Err(_) => String::new(),
        };
        let key = vec![
            r["period"].clone(),
            r["area_code"].clone(),
            r["ethnic_category"].clone(),
            band,
            r["sex"].clone(),
            r["imd_decile"].clone(),
        ];
        let flag = |c: &str| u64::from(r[c] == "1");
        let s = sums.entry(key).or_default();
        s[0] += 1;
        s[1] += flag("detained");
        s[2] += flag("cto");
        s[3] += flag("inpatient");
        s[4] += flag("inpatient") * flag("restrained");
        s[5] += flag("in_contact");
        s[6] += flag("tt_finished");
        s[7] += flag("tt_finished") * flag("tt_recovered");
    }
    let mut text = String::from(
        "period,area_code,ethnic_category,age_band,sex,imd_decile,records,detained,cto,inpatient,restrained_inpatient,in_contact,tt_finished,tt_recovered_finished\n",
    );
    for (k, s) in sums {
        let v: Vec<String> = s.iter().map(u64::to_string).collect();
        text.push_str(&format!("{},{}\n", k.join(","), v.join(",")));
    }
    fs::write(counts, text).unwrap();
}

const INDICATORS_EVENTS: &str = r#"
[[indicator]]
id = "detentions"
name = "Detentions"
statistic = "rate"
numerator = "detained = 1"
polarity = "low-is-good"
[[indicator]]
id = "dsr"
name = "Detentions, standardised"
statistic = "dsr"
numerator = "detained = 1"
[[indicator]]
id = "isr"
name = "Detentions, indirectly standardised"
statistic = "isr"
numerator = "detained = 1"
[[indicator]]
id = "restraint"
name = "Restraint"
statistic = "proportion"
numerator = "inpatient = 1 AND restrained = 1"
denominator = "inpatient = 1"
[[indicator]]
id = "recovery"
name = "Recovery"
statistic = "proportion"
numerator = "tt_finished = 1 AND tt_recovered = 1"
denominator = "tt_finished = 1"
polarity = "high-is-good"
"#;

fn spec_text(source: &str, indicators: &str) -> String {
    format!(
        r#"name = "equivalence"
{source}
[population]
path = "population.csv"
[population.columns]
ethnicity = "ethnic_group"
[areas]
names = "names.csv"
{indicators}
[[dimension]]
kind = "ethnicity"
[[dimension]]
kind = "imd-quintile"
[[dimension]]
kind = "age"
[[dimension]]
kind = "sex"
[disclosure]
rule = "nhs-mha"
[trends]
min_periods = 12
"#
    )
}

#[test]
fn events_and_the_same_data_as_counts_give_the_same_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    synth(d, "30000", &["--csv", "--areas", "4"]);
    counts_from_events(&d.join("events.csv"), &d.join("counts.csv"));
    fs::write(
        d.join("names.csv"),
        "area_code,area_name\nSYN001,Northtown\nSYN002,Southville\n",
    )
    .unwrap();
    fs::write(
        d.join("events.toml"),
        spec_text("[events]\npath = \"events.csv\"", INDICATORS_EVENTS),
    )
    .unwrap();
    let counts_indicators = INDICATORS_EVENTS
        .replace("\"detained = 1\"", "\"detained\"")
        .replace(
            "\"inpatient = 1 AND restrained = 1\"",
            "\"restrained_inpatient\"",
        )
        .replace("\"inpatient = 1\"", "\"inpatient\"")
        .replace(
            "\"tt_finished = 1 AND tt_recovered = 1\"",
            "\"tt_recovered_finished\"",
        )
        .replace("\"tt_finished = 1\"", "\"tt_finished\"");
    fs::write(
        d.join("counts.toml"),
        spec_text("[counts]\npath = \"counts.csv\"", &counts_indicators),
    )
    .unwrap();
    for which in ["events", "counts"] {
        run_ok(&[
            "profile",
            "--quiet",
            "--spec",
            d.join(format!("{which}.toml")).to_str().unwrap(),
            "--out",
            d.join(format!("out-{which}")).to_str().unwrap(),
        ]);
    }
    for stem in TABLES {
        let a = fs::read_to_string(d.join("out-events").join(format!("{stem}.csv"))).unwrap();
        let b = fs::read_to_string(d.join("out-counts").join(format!("{stem}.csv"))).unwrap();
        assert!(a.lines().count() > 10, "{stem} is nearly empty");
        assert!(a == b, "{stem}.csv differs between events and counts");
    }
    let est = read_csv(&d.join("out-events").join("estimates.csv"));
    assert!(
        est.iter()
            .any(|r| r["area_code"] == "SYN001" && r["area_name"] == "Northtown")
    );
    assert!(
        est.iter()
            .any(|r| r["area_code"] == "SYN003" && r["area_name"] == "SYN003")
    );
}

/// Runs the spec in `data` into `out`, with extra arguments.
fn profile(data: &Path, out: &Path, extra: &[&str]) {
    profile_exits(data, out, extra, 0);
}

/// `levelfield profile --quiet` on the spec in `data`, writing to `out`: asserts its exit code
/// (0 for success) and returns its error output.
fn profile_exits(data: &Path, out: &Path, extra: &[&str], code: i32) -> String {
    let spec = data.join("profile.toml");
    let mut args = vec![
        "profile",
        "--quiet",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    if code == 0 {
        String::from_utf8_lossy(&run_ok(&args).stderr).into_owned()
    } else {
        run_fails(&args, code)
    }
}

/// Asserts that two profile folders hold the same tables, byte for byte.
pub(crate) fn assert_same_tables(a: &Path, b: &Path) {
    for stem in TABLES {
        let x = fs::read_to_string(a.join(format!("{stem}.csv"))).unwrap();
        let y = fs::read_to_string(b.join(format!("{stem}.csv"))).unwrap();
        assert!(x.lines().count() > 10, "{stem} is nearly empty");
        assert!(
            x == y,
            "{stem}.csv differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn a_folder_of_parts_gives_the_profile_of_the_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, parts, csv_parts) = (
        tmp.path().join("one"),
        tmp.path().join("parts"),
        tmp.path().join("csv-parts"),
    );
    synth(&one, "40000", &["--areas", "4"]);
    synth(&parts, "40000", &["--areas", "4", "--files", "4"]);
    synth(
        &csv_parts,
        "40000",
        &["--areas", "4", "--files", "3", "--csv"],
    );
    let names = |dir: &Path| {
        let mut v: Vec<String> = fs::read_dir(dir.join("events"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&parts),
        [
            "part-00000.parquet",
            "part-00001.parquet",
            "part-00002.parquet",
            "part-00003.parquet"
        ]
    );
    assert_eq!(
        names(&csv_parts),
        ["part-00000.csv", "part-00001.csv", "part-00002.csv"]
    );
    // The parts hold the rows of the one file, split in order.
    let lines: usize = names(&csv_parts)
        .iter()
        .map(|n| {
            fs::read_to_string(csv_parts.join("events").join(n))
                .unwrap()
                .lines()
                .count()
                - 1
        })
        .sum();
    assert_eq!(lines, 40000);
    for d in [&one, &parts, &csv_parts] {
        profile(d, &d.join("out"), &[]);
    }
    assert_same_tables(&one.join("out"), &parts.join("out"));
    assert_same_tables(&one.join("out"), &csv_parts.join("out"));

    // A folder that mixes formats is refused, naming the folder; nothing is written.
    fs::copy(
        csv_parts.join("events/part-00000.csv"),
        parts.join("events/extra.csv"),
    )
    .unwrap();
    let out = parts.join("again");
    let err = profile_exits(&parts, &out, &[], 2);
    assert!(
        err.contains("events: cannot be read: the folder mixes"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_cluster_address_is_checked_and_an_absent_scheduler_reported_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    synth(d, "2000", &["--areas", "2"]);
    let out = d.join("out");
    let run = |cluster: &str, code: i32| profile_exits(d, &out, &["--cluster", cluster], code);
    let err = run("127.0.0.1:50050", 2);
    assert!(
        err.contains(
            "--cluster `127.0.0.1:50050` is not a scheduler address: write `df://HOST:PORT`"
        ),
        "{err}"
    );
    // Nothing listens on a port that was free a moment ago. With or without the
    // `distributed` feature, the run stops before reading any data, and writes nothing.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("df://127.0.0.1:{port}");
    let err = run(&url, 1);
    assert!(
        err.contains(&format!("cluster: cannot reach the scheduler at {url}")),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn check_lists_spec_problems_and_profile_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    synth(d, "2000", &["--areas", "2"]);
    let bad = d.join("bad.toml");
    fs::write(
        &bad,
        r#"name = "bad"
confidence = [95, 95]
[events]
path = "events.parquet"
[[indicator]]
id = "a"
name = "A"
statistic = "rate"
numerator = "detained = 1"
[[dimension]]
kind = "sex"
[[dimension]]
kind = "sex"
"#,
    )
    .unwrap();
    let out = levelfield(&["check", "--spec", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml: 3 problem(s)"), "{err}");
    assert!(err.contains("given more than once"), "{err}");
    assert!(err.contains("needs a [population] source"), "{err}");
    assert!(err.contains("listed twice"), "{err}");

    // A bad expression names the file and the expression; nothing is written.
    let spec = fs::read_to_string(d.join("profile.toml")).unwrap().replace(
        "numerator = \"cto = 1\"",
        "numerator = \"no_such_column = 1\"",
    );
    fs::write(d.join("expr.toml"), spec).unwrap();
    let target = d.join("P");
    let out = levelfield(&[
        "profile",
        "--spec",
        d.join("expr.toml").to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("events.parquet"), "{err}");
    assert!(err.contains("no_such_column = 1"), "{err}");
    assert!(!target.exists());
    assert!(
        fs::read_dir(d).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("partial"))
    );

    // The built-in specs run by name over the data folder.
    for name in ["pcref", "triple-barrier"] {
        let out = d.join(name);
        run_ok(&[
            "profile",
            "--quiet",
            "--spec",
            name,
            "--data",
            d.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(read_csv(&out.join("estimates.csv")).len() > 100, "{name}");
    }
    let out = levelfield(&[
        "profile",
        "--spec",
        "no-such-spec",
        "--out",
        d.join("x").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("built-in specs: pcref, triple-barrier"),
        "{err}"
    );

    // check passes on the good spec and names what it found.
    let ok = run_ok(&["check", "--spec", d.join("profile.toml").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("no problems that stop a profile"), "{text}");
}

#[test]
fn unknown_codes_are_reported_or_refused_never_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(
        d.join("events.csv"),
        "period,area_code,ethnic_category,sex,detained\n2024-25,E1,A,1,1\n2024-25,E1,Q,2,1\n2024-25,E1,M,2,0\n",
    )
    .unwrap();
    let spec = |mode: &str| {
        format!(
            r#"name = "codes"
[events]
path = "events.csv"
[[indicator]]
id = "share"
name = "Share detained"
statistic = "proportion"
numerator = "detained = 1"
denominator = "detained >= 0"
[[dimension]]
kind = "ethnicity"
[disclosure]
rule = "none"
[validation]
unknown_codes = "{mode}"
"#
        )
    };
    fs::write(d.join("report.toml"), spec("report")).unwrap();
    fs::write(d.join("error.toml"), spec("error")).unwrap();
    let out = levelfield(&[
        "profile",
        "--spec",
        d.join("error.toml").to_str().unwrap(),
        "--out",
        d.join("E").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the ethnicity code `Q`"), "{err}");
    assert!(!d.join("E").exists());
    run_ok(&[
        "profile",
        "--quiet",
        "--spec",
        d.join("report.toml").to_str().unwrap(),
        "--out",
        d.join("R").to_str().unwrap(),
    ]);
    let q = read_csv(&d.join("R").join("data_quality.csv"));
    let eth = q
        .iter()
        .find(|r| r["field"] == "ethnicity" && r["area_code"] == "E1")
        .unwrap();
    assert_eq!(eth["unrecognised"], "1");
    assert_eq!(eth["unrecognised_codes"], "Q (1)");
    let est = read_csv(&d.join("R").join("estimates.csv"));
    let not_known = est
        .iter()
        .find(|r| r["area_code"] == "E1" && r["group"] == "Not known")
        .unwrap();
    assert_eq!(not_known["numerator"], "1");
}

/// References that do not move: age bands get no comparison without a reference the spec
/// names, and an ordered dimension whose most or least deprived group is unpublished in an
/// area has its measures withheld there, never computed between other groups.
#[test]
fn references_are_fixed_or_withheld() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = crate::support::synthetic_profile(tmp.path(), 20000, 6);
    let comparisons = read_csv(&profile.join("comparisons.csv"));
    assert!(!comparisons.is_empty());
    assert!(
        comparisons
            .iter()
            .all(|r| !r["dimension"].starts_with("Age")),
        "age bands compared without a named reference"
    );
    let estimates = read_csv(&profile.join("estimates.csv"));
    let inequality = read_csv(&profile.join("inequality.csv"));
    let mut withheld = 0;
    for r in inequality
        .iter()
        .filter(|r| r["dimension"].starts_with("IMD") && r["measure"] == "D")
    {
        let end_published = |group: &str| {
            estimates.iter().any(|e| {
                e["indicator_id"] == r["indicator_id"]
                    && e["area_code"] == r["area_code"]
                    && e["period"] == r["period"]
                    && e["dimension"] == r["dimension"]
                    && e["group"] == group
                    && number(&e["value"]).is_some()
            })
        };
        let ends = end_published("Decile 1 (most deprived)")
            && end_published("Decile 10 (least deprived)");
        if !ends {
            withheld += 1;
            assert!(number(&r["value"]).is_none(), "{r:?}");
            assert!(
                r["detail"].starts_with("withheld: the most or the least deprived"),
                "{r:?}"
            );
        } else if number(&r["value"]).is_some() {
            assert!(
                r["detail"].contains("Decile 1 (most deprived)")
                    && r["detail"].contains("Decile 10 (least deprived)"),
                "{r:?}"
            );
        }
    }
    assert!(withheld > 0, "the small synthetic areas hide some deciles");
}

/// A rate says the span it counts over (the synthetic periods are quarters), and `--data`
/// beside a spec file, which names its own data, is refused rather than silently ignored.
#[test]
fn rates_say_their_period_and_data_beside_a_spec_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = crate::support::synthetic_profile(tmp.path(), 20000, 3);
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(profile.join("profile.json")).unwrap()).unwrap();
    let unit = |id: &str| {
        meta["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["unit"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(unit("detentions"), "per 100,000 population per quarter");
    assert_eq!(unit("restraint"), "%");
    assert!(
        meta["subtitle"]
            .as_str()
            .unwrap()
            .ends_with("2024-25 Q4, quarterly"),
        "{}",
        meta["subtitle"]
    );
    let spec = tmp.path().join("synth/profile.toml");
    let err = run_fails(
        &[
            "profile",
            "--spec",
            spec.to_str().unwrap(),
            "--data",
            tmp.path().join("synth").to_str().unwrap(),
            "--out",
            tmp.path().join("again").to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("--data") && err.contains("built-in specs"),
        "{err}"
    );
    assert!(!tmp.path().join("again").exists());

    // Annualised, the same counts give 4 × each quarter's rate and interval, per year.
    let text = fs::read_to_string(&spec).unwrap();
    let annual = text.replacen(
        "id = \"detentions\"\n",
        "id = \"detentions\"\nannualise = true\n",
        1,
    );
    assert_ne!(annual, text);
    let annual_spec = tmp.path().join("synth/annual.toml");
    fs::write(&annual_spec, annual).unwrap();
    let out = tmp.path().join("annual");
    run_ok(&[
        "profile",
        "--spec",
        annual_spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let key = |r: &std::collections::HashMap<String, String>| {
        (
            r["area_code"].clone(),
            r["period"].clone(),
            r["dimension"].clone(),
            r["group"].clone(),
        )
    };
    let quarterly: BTreeMap<_, _> = read_csv(&profile.join("estimates.csv"))
        .into_iter()
        .filter(|r| r["indicator_id"] == "detentions")
        .map(|r| (key(&r), r))
        .collect();
    let mut compared = 0;
    for r in read_csv(&out.join("estimates.csv"))
        .into_iter()
        .filter(|r| r["indicator_id"] == "detentions")
    {
        let q = &quarterly[&key(&r)];
        assert_eq!(r["multiplier"], "400000", "{r:?}");
        for col in ["value", "lower_ci_95_0", "upper_ci_95_0"] {
            match (number(&r[col]), number(&q[col])) {
                (Some(a), Some(b)) => {
                    assert!(
                        (a - 4.0 * b).abs() <= 1e-9 * a.abs(),
                        "{col}: {a} vs 4 × {b}"
                    );
                    compared += 1;
                }
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "{col} {r:?}"),
            }
        }
    }
    assert!(compared > 12, "{compared}");
    let meta = fs::read_to_string(out.join("profile.json")).unwrap();
    assert!(
        meta.contains("per 100,000 population per year (annualised from quarterly periods)"),
        "{meta}"
    );
    // Run again into its own folder: every file there is one a profile writes (the audit too).
    assert!(out.join("disclosure_audit.csv").is_file());
    run_ok(&[
        "profile",
        "--spec",
        annual_spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
}

/// Small groups still get an answer: on synthetic data too small for every broad ethnic group
/// to be published by quarter, `--pool financial-year` sums the quarters into years, and the
/// report's first view (the all-areas rows of the latest year) publishes every broad group and
/// the overall, each row saying what it pools.
#[test]
fn pooled_to_years_every_broad_group_is_published_in_the_first_view() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("D");
    synth(&data, "60000", &["--areas", "4"]);
    let quarterly = tmp.path().join("Q");
    profile(&data, &quarterly, &[]);
    let yearly = tmp.path().join("Y");
    profile(&data, &yearly, &["--pool", "financial-year", "--report"]);
    let broad = [
        "White",
        "Mixed",
        "Asian or Asian British",
        "Black or Black British",
        "Other Ethnic Groups",
    ];
    let first_view = |dir: &Path, period: &str| -> Vec<std::collections::HashMap<String, String>> {
        read_csv(&dir.join("estimates.csv"))
            .into_iter()
            .filter(|r| {
                r["indicator_id"] == "detentions"
                    && r["area_code"] == "SYNALL"
                    && r["period"] == period
                    && (r["dimension"] == "Overall" || broad.contains(&r["group"].as_str()))
            })
            .collect()
    };
    // By quarter, some broad group is hidden in the latest quarter.
    let q = first_view(&quarterly, "2024-25 Q4");
    assert!(
        q.iter().any(|r| r["status"] != "published"),
        "every group is published by quarter already; the test needs smaller data: {q:?}"
    );
    // By year, every broad group and the overall are published, and say they are pooled.
    let y = first_view(&yearly, "2024-25");
    assert_eq!(y.len(), 1 + broad.len(), "{y:?}");
    for r in &y {
        assert_eq!(r["status"], "published", "{r:?}");
        assert!(number(&r["value"]).is_some(), "{r:?}");
        assert!(
            r["note"].contains("pooled: 2024-25 Q1 to 2024-25 Q4 (4 quarters)"),
            "{r:?}"
        );
    }
    let periods: std::collections::BTreeSet<String> = read_csv(&yearly.join("estimates.csv"))
        .into_iter()
        .map(|r| r["period"].clone())
        .collect();
    assert_eq!(
        periods.into_iter().collect::<Vec<_>>(),
        ["2022-23", "2023-24", "2024-25"]
    );
    let report = fs::read_to_string(yearly.join("report.html")).unwrap();
    assert!(report.contains("pooled: 2024-25 Q1 to 2024-25 Q4"));
}
