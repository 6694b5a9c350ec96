//! `levelfield associate`: a profile's indicator against a determinant from a Fingertips-style
//! download, the fit and each area's place, and the report that shows it.

use std::fs;

use crate::support::{levelfield, number, read_csv, report_page, run_csv, synthetic_profile};

#[test]
fn a_fingertips_download_as_determinant_fits_across_areas_and_joins_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = synthetic_profile(tmp.path(), 30000, 12);
    // A Fingertips download: two periods, a category row and two sexes per area, which the
    // command narrows to the latest period's Persons row without a category.
    let mut csv = String::from(
        "Indicator ID,Indicator Name,Area Code,Area Name,Sex,Age,Category Type,Category,Time period,Value\n",
    );
    for k in 1..=12 {
        let code = format!("SYN{k:03}");
        let score = 10.0 + 2.5 * k as f64;
        csv.push_str(&format!(
            "93553,IMD score,{code},Area {k},Persons,All ages,,,2019,{}\n",
            score - 1.0
        ));
        csv.push_str(&format!(
            "93553,IMD score,{code},Area {k},Persons,All ages,,,2021,{score}\n"
        ));
        csv.push_str(&format!(
            "93553,IMD score,{code},Area {k},Male,All ages,,,2021,{}\n",
            score + 9.0
        ));
        csv.push_str(&format!(
            "93553,IMD score,{code},Area {k},Persons,All ages,Ethnic groups,Black,2021,99\n"
        ));
    }
    csv.push_str("93553,IMD score,E92000001,England,Persons,All ages,,,2021,21.7\n");
    let determinant = tmp.path().join("fingertips.csv");
    fs::write(&determinant, csv).unwrap();
    let points = tmp.path().join("associations.csv");
    let svg = tmp.path().join("scatter.svg");
    let rows = run_csv(&[
        "associate",
        "--profile",
        profile.to_str().unwrap(),
        "--indicator",
        "access",
        "--determinant",
        &format!("{}:Value", determinant.display()),
        "--name",
        "IMD 2019 score",
        "--points",
        points.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(rows.len(), 1);
    let fit = &rows[0];
    assert_eq!(fit["areas"], "12");
    assert_eq!(
        fit["left_out"], "1",
        "England has a determinant value but no estimate in this profile"
    );
    let (lo, b, hi) = (
        number(&fit["slope_lower_95"]).unwrap(),
        number(&fit["slope"]).unwrap(),
        number(&fit["slope_upper_95"]).unwrap(),
    );
    assert!(lo < b && b < hi);
    let r = number(&fit["correlation"]).unwrap();
    assert!((number(&fit["r_squared"]).unwrap() - r * r).abs() < 1e-9);
    assert!(fit["caveat"].contains("ecological fallacy"));
    // Each area against the line, with the latest Persons value of the determinant.
    let areas = read_csv(&points);
    assert_eq!(areas.len(), 13);
    let first = areas.iter().find(|a| a["area_code"] == "SYN001").unwrap();
    assert_eq!(number(&first["determinant_value"]), Some(12.5));
    assert!(number(&first["weight"]).unwrap() > 0.0);
    let chart = fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("polyline"));

    // Placed in the profile folder, the association appears in the report.
    fs::copy(&points, profile.join("associations.csv")).unwrap();
    let page = report_page(&profile, tmp.path());
    assert!(page.contains("Determinants across areas") && page.contains("IMD 2019 score"));

    // Mistakes are named: no column, no FILE:COL, an unknown indicator.
    for (args, says) in [
        (
            vec![
                "--indicator",
                "access",
                "--determinant",
                &format!("{}:Score", determinant.display()),
            ],
            "no column `Score`",
        ),
        (
            vec!["--indicator", "access", "--determinant", "nocolon"],
            "FILE:COLUMN",
        ),
        (
            vec![
                "--indicator",
                "nope",
                "--determinant",
                &format!("{}:Value", determinant.display()),
            ],
            "no area estimates",
        ),
    ] {
        let mut all = vec!["associate", "--profile", profile.to_str().unwrap()];
        all.extend(args.iter().map(|s| s as &str));
        let o = levelfield(&all);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{err}");
    }
}
