//! The demo report: the structure every report must have, on the real published figures, and
//! the headline figures where a reader finds them.

#[path = "../../report/tests/support/structure.rs"]
mod structure;

#[test]
fn the_demo_report_is_self_contained_with_a_table_behind_every_chart() {
    let data = levelfield_demo::profile().unwrap();
    let page = levelfield_report::html::render(&data);
    let figures = structure::check_structure(&page);
    assert!(figures >= 20, "{figures} figures");
    for needle in [
        "3.54 times that of White",
        "7.07 times that of White",
        "3.49 times that of Decile 10 (least deprived)",
        "Contains public sector information licensed under the Open Government Licence v3.0.",
        "UNCERTAIN",
        "rounded to the nearest 5",
        "denominator implied",
    ] {
        assert!(page.contains(needle), "the report lacks {needle:?}");
    }
    let book = levelfield_report::workbook(&data).unwrap();
    assert_eq!(&book[..2], b"PK");
}

#[test]
fn the_demo_report_relates_detentions_to_an_area_determinant_across_icbs() {
    let data = levelfield_demo::profile().unwrap();
    let fitted = levelfield_report::associate::fit(&data);
    assert_eq!(fitted.len(), 1);
    let a = &fitted[0];
    assert_eq!(a.determinant, levelfield_demo::DETERMINANT);
    let fit = a.fit.as_ref().expect("a fit");
    // Every ICB with published ethnic-group rows is in it, weighted by its population.
    assert!(fit.n >= 30, "{} ICBs", fit.n);
    assert_eq!(fit.n + a.left_out, 42);
    // Shares are percentages of the ICB's own population.
    assert!(a.units.iter().all(|u| u.x > 0.0 && u.x < 100.0));
    let page = levelfield_report::html::render(&data);
    assert!(page.contains("Determinants across areas"));
    assert!(page.contains("ecological fallacy"));
    // The association's rows round-trip through the tables like every other table.
    let again =
        levelfield_report::ProfileData::from_tables(data.meta.clone(), &data.to_tables()).unwrap();
    assert_eq!(again.associations.len(), data.associations.len());
    assert_eq!(
        levelfield_report::associate::fit(&again)[0].units.len(),
        fit.n
    );
    println!(
        "slope {:.3} ({:.3} to {:.3}), r {:.2}, n {}",
        fit.slope, fit.slope_interval.lower, fit.slope_interval.upper, fit.correlation, fit.n
    );
}
