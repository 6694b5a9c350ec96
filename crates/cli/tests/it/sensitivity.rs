//! `levelfield sensitivity` on a synthetic profile: zero hidden need reproduces the observed
//! figures, a range gives bounds around them, and mistakes are named.

use std::fs;

use crate::support::{levelfield, number, read_csv, run_ok, synthetic_profile};

#[test]
fn hidden_need_moves_figures_within_bounds_and_zero_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = synthetic_profile(tmp.path(), 40000, 4);
    let estimates = read_csv(&profile.join("estimates.csv"));
    let (dimension, group) = estimates
        .iter()
        .find(|r| r["dimension"].starts_with("IMD") && r["group"].contains("least deprived"))
        .map(|r| (r["dimension"].clone(), r["group"].clone()))
        .expect("an IMD dimension");
    let write = |name: &str, hidden: &str| {
        let path = tmp.path().join(name);
        fs::write(
            &path,
            format!(
                "name = \"private therapy\"\n[[assumption]]\ndimension = \"{dimension}\"\ngroup = \"{group}\"\nhidden = {hidden}\nindicators = [\"access\", \"recovery\"]\nreason = \"more private therapy in the least deprived areas\"\n"
            ),
        )
        .unwrap();
        path
    };
    let sens = |assumptions: &std::path::Path| {
        let out = tmp.path().join("sens.csv");
        run_ok(&[
            "sensitivity",
            "--profile",
            profile.to_str().unwrap(),
            "--assumptions",
            assumptions.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        read_csv(&out)
    };
    let zero = sens(&write("zero.toml", "0.0"));
    assert!(zero.iter().any(|r| r["figure"] == "estimate"));
    assert!(zero.iter().any(|r| r["figure"] == "ratio"));
    assert!(zero.iter().any(|r| r["figure"] == "SII"));
    for r in &zero {
        assert!(r["scenario"].starts_with("assumption:"));
        assert_eq!(r["assumed"], r["observed"], "{r:?}");
        assert_eq!(r["bound_low"], r["observed"]);
        assert_eq!(r["bound_high"], r["observed"]);
    }
    let range = sens(&write("range.toml", "[0.1, 0.3]"));
    assert_eq!(range.len(), zero.len());
    for r in range.iter().filter(|r| r["figure"] == "estimate") {
        let (obs, lo, hi) = (
            number(&r["observed"]).unwrap(),
            number(&r["bound_low"]).unwrap(),
            number(&r["bound_high"]).unwrap(),
        );
        assert!(
            (lo - obs / 0.9).abs() < 1e-6 * obs && (hi - obs / 0.7).abs() < 1e-6 * obs,
            "{r:?}"
        );
    }
    assert!(
        range
            .iter()
            .any(|r| r["figure"] == "ratio" && r["conclusion"].contains("observed:")),
        "comparisons say what flips them"
    );
    // A share of 1 or more is refused; so are names that match nothing.
    let o = levelfield(&[
        "sensitivity",
        "--profile",
        profile.to_str().unwrap(),
        "--assumptions",
        write("bad.toml", "[0.5, 1.2]").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fractions from 0"));
    let nothing = tmp.path().join("nothing.toml");
    fs::write(
        &nothing,
        "name = \"x\"\n[[assumption]]\ndimension = \"Nope\"\ngroup = \"1\"\nhidden = 0.2\n",
    )
    .unwrap();
    let o = levelfield(&[
        "sensitivity",
        "--profile",
        profile.to_str().unwrap(),
        "--assumptions",
        nothing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("labels of estimates.csv"));
}

/// The demo's headline: the Black:White standardised ratio (3.54) is recomputed when some of
/// the White group's need is assumed hidden — the reference's share lowers it to
/// 3.54 × (1 − 0.1) — with the PAF's of the ethnic groups beside it, none truncated to "0 to 0".
#[test]
fn the_demos_headline_ratio_moves_with_hidden_need_in_the_reference_group() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    run_ok(&["demo", "--out", demo.to_str().unwrap()]);
    let assumptions = tmp.path().join("white.toml");
    fs::write(
        &assumptions,
        "name = \"White hidden\"\n[[assumption]]\ndimension = \"Ethnic group (NHS 5 groups)\"\ngroup = \"White\"\nhidden = 0.1\n",
    )
    .unwrap();
    let out = tmp.path().join("s.csv");
    run_ok(&[
        "sensitivity",
        "--profile",
        demo.to_str().unwrap(),
        "--assumptions",
        assumptions.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = read_csv(&out);
    let ratio = rows
        .iter()
        .find(|r| {
            r["figure"] == "ratio"
                && r["indicator_id"] == "detentions_std"
                && r["group"] == "Black or Black British"
        })
        .expect("the headline ratio under the assumption");
    let (observed, assumed) = (
        number(&ratio["observed"]).unwrap(),
        number(&ratio["assumed"]).unwrap(),
    );
    assert_eq!(format!("{observed:.2}"), "3.54");
    assert!((assumed - observed * 0.9).abs() < 1e-9, "{assumed}");
    for r in rows.iter().filter(|r| r["figure"] == "PAF") {
        assert!(
            !(number(&r["observed"]) == Some(0.0)
                && number(&r["observed_lower_95"]) == Some(0.0)
                && number(&r["observed_upper_95"]) == Some(0.0)),
            "{r:?}"
        );
    }
}
