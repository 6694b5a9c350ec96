//! The HTML report on a small profile: structure, accessibility, no remote resources, a data
//! table behind every chart, and snapshots of its text fragments.

use levelfield_report::{
    IndicatorMeta, Meta, ProfileData,
    data::{ComparisonRow, EstimateRow, InequalityRow, QualityRow, TrendRow},
    html,
    schema::OVERALL,
    summary,
};
use scraper::Html;

mod support;
use support::structure::{check_structure, sel};

fn est(area: &str, dim: &str, group: &str, x: f64, n: f64, reference: bool) -> EstimateRow {
    let v = x / n * 100_000.0;
    let half = 1.96 * x.sqrt() / n * 100_000.0;
    EstimateRow {
        indicator_id: "det".into(),
        indicator: "Detentions".into(),
        statistic: "crude rate".into(),
        area_code: area.into(),
        area_name: if area == "E92000001" {
            "England".into()
        } else {
            format!("Area {area}")
        },
        period: "2024-25".into(),
        dimension: dim.into(),
        group_code: group.into(),
        group: group.into(),
        reference_group: reference,
        numerator: Some(x),
        denominator: Some(n),
        value: Some(v),
        lower: Some(v - half),
        upper: Some(v + half),
        method: "Byars".into(),
        comparator: if area == "E92000001" {
            String::new()
        } else {
            "England".into()
        },
        compared_to_comparator: if area == "A1" {
            "Higher".into()
        } else {
            "Similar".into()
        },
        suppressed: false,
        note: String::new(),
    }
}

fn fixture() -> ProfileData {
    let mut d = ProfileData {
        meta: Meta {
            title: "Test profile <&>".into(),
            subtitle: "Three areas".into(),
            comparator_code: "E92000001".into(),
            comparator_name: "England".into(),
            focus_area: Some("A1".into()),
            disclosure: "Counts under 5 suppressed.".into(),
            indicators: vec![IndicatorMeta {
                id: "det".into(),
                name: "Detentions".into(),
                unit: "per 100,000".into(),
                per: "year".into(),
                polarity: levelfield_report::meta::IndicatorPolarity::Adverse,
                definition: "Detentions per 100,000 people.".into(),
            }],
            methods: vec!["Byar's method.".into()],
            caveats: vec!["Counts are undercounts.".into()],
            attribution: vec![levelfield_report::OGL_ATTRIBUTION.into()],
            ..Meta::default()
        },
        ..ProfileData::default()
    };
    let e = "E92000001";
    d.estimates
        .push(est(e, OVERALL, "All", 900.0, 1_000_000.0, false));
    d.estimates
        .push(est(e, "Ethnic group", "Black", 300.0, 100_000.0, false));
    d.estimates
        .push(est(e, "Ethnic group", "White", 600.0, 900_000.0, true));
    for (k, x) in [400.0, 300.0, 200.0].iter().enumerate() {
        d.estimates.push(est(
            e,
            "IMD quintile",
            &format!("Q{}", k + 1),
            *x,
            333_333.0,
            k == 2,
        ));
    }
    for (a, x, n) in [
        ("A1", 500.0, 400_000.0),
        ("A2", 250.0, 300_000.0),
        ("A3", 150.0, 300_000.0),
    ] {
        d.estimates.push(est(a, OVERALL, "All", x, n, false));
        d.estimates
            .push(est(a, "Ethnic group", "Black", x / 3.0, n / 10.0, false));
    }
    d.comparisons.push(ComparisonRow {
        indicator_id: "det".into(),
        area_code: e.into(),
        period: "2024-25".into(),
        dimension: "Ethnic group".into(),
        group: "Black".into(),
        reference_group: "White".into(),
        difference: Some(233.3),
        difference_lower: Some(200.0),
        difference_upper: Some(266.0),
        ratio: Some(4.5),
        ratio_lower: Some(3.9),
        ratio_upper: Some(5.2),
        ratio_method: "exact".into(),
        note: String::new(),
    });
    d.inequality.push(InequalityRow {
        indicator_id: "det".into(),
        area_code: e.into(),
        period: "2024-25".into(),
        dimension: "IMD quintile".into(),
        measure: "SII".into(),
        value: Some(-60.0),
        lower: Some(-70.0),
        upper: Some(-50.0),
        groups: Some(3.0),
        method: "exact".into(),
        detail: String::new(),
    });
    for (k, v) in [100.0, 95.0, 92.0, 90.0].iter().enumerate() {
        d.trends.push(TrendRow {
            indicator_id: "det".into(),
            area_code: e.into(),
            dimension: OVERALL.into(),
            group: "All".into(),
            period: format!("202{k}"),
            value: Some(*v),
            mean: Some(94.25),
            lower_process_limit: Some(80.0),
            upper_process_limit: Some(108.0),
            point_type: "common cause".into(),
            series_variation: "common cause".into(),
            ..TrendRow::default()
        });
    }
    d.quality.push(QualityRow {
        area_code: e.into(),
        period: "2024-25".into(),
        field: "ethnicity".into(),
        records: Some(1000.0),
        recorded: Some(900.0),
        not_stated: Some(60.0),
        not_known: Some(40.0),
        unrecognised: Some(0.0),
        percent_recorded: Some(90.0),
    });
    d
}

#[test]
fn the_report_is_self_contained_and_every_chart_has_its_table() {
    let page = html::render(&fixture());
    let n = check_structure(&page);
    // Page one's ratios, group rates, ratio, gradient (IMD with SII), rates by IMD, trend,
    // funnel, spine.
    assert_eq!(n, 8, "figures");
    assert!(page.contains("Test profile &lt;&amp;&gt;"), "title escaped");
    assert!(page.contains("@page { size: A4"));
    assert!(page.contains(
        "Contains public sector information licensed under the Open Government Licence v3.0."
    ));
}

#[test]
fn charts_and_tables_scroll_inside_the_page_on_a_narrow_screen() {
    let page = html::render(&fixture());
    // check_structure asserts every chart and table sits in a named, focusable region; the
    // style sheet makes the regions scroll and lets charts keep their own width there.
    check_structure(&page);
    let css = html::CSS;
    assert!(
        css.contains(".scroll { max-width: 100%; overflow-x: auto;"),
        "{css}"
    );
    assert!(css.contains("figure.chart .scroll > svg { max-width: none; }"));
    assert!(css.contains(".scroll:focus { outline:"), "a visible focus");
    let doc = Html::parse_document(&page);
    let regions: Vec<String> = doc
        .select(&sel("div.scroll[role=region]"))
        .map(|r| r.value().attr("aria-label").unwrap_or_default().to_string())
        .collect();
    let figures = doc.select(&sel("figure.chart")).count();
    let tables = doc.select(&sel("table")).count();
    assert_eq!(
        regions.len(),
        figures + tables,
        "one region per chart and per table"
    );
    assert!(regions.iter().any(|l| l.starts_with("Chart: ")));
    assert!(
        regions.iter().any(|l| l == "Recording completeness"),
        "{regions:?}"
    );
}

fn fragment(page: &str, selector: &str) -> String {
    let doc = Html::parse_document(page);
    let el = doc.select(&sel(selector)).next().expect("fragment");
    el.html()
}

#[test]
fn snapshot_summary() {
    let page = html::render(&fixture());
    insta::assert_snapshot!(fragment(&page, "#summary"));
}

#[test]
fn snapshot_rates_table() {
    let page = html::render(&fixture());
    insta::assert_snapshot!(fragment(&page, "#fig-det-ethnic-group-rates table"));
}

#[test]
fn snapshot_quality_and_methods() {
    let page = html::render(&fixture());
    insta::assert_snapshot!(fragment(&page, "#quality"));
    insta::assert_snapshot!(fragment(&page, "#methods"));
}

#[test]
fn summary_names_the_gap_with_its_interval_and_the_trend() {
    let s = summary::summarise(&fixture());
    assert_eq!(s.gaps.len(), 2, "{:?}", s.gaps);
    assert!(
        s.gaps[0].contains("4.50 times that of White") && s.gaps[0].contains("95% CI 3.90 to 5.20")
    );
    assert!(s.gaps[1].contains("slope index of inequality is −60.0"));
    assert_eq!(s.trends.len(), 1);
    assert!(
        s.trends[0].contains(
            "100.0 in 2020 to 90.0 in 2023 (−10%); the latest point is within common-cause variation"
        ),
        "{}",
        s.trends[0]
    );
}

#[test]
fn tables_round_trip() {
    let d = fixture();
    let back = ProfileData::from_tables(d.meta.clone(), &d.to_tables()).unwrap();
    assert_eq!(back, d);
}

#[test]
fn a_missing_estimates_table_is_a_clear_error() {
    let e = ProfileData::from_tables::<&str>(Meta::default(), &[]).unwrap_err();
    assert!(e.to_string().contains("estimates"), "{e}");
}

#[test]
fn the_workbook_has_contents_tables_and_notes() {
    use calamine::{Data, Reader, Xlsx};
    let d = fixture();
    let bytes = levelfield_report::workbook(&d).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Contents",
            "Summary",
            "Estimates",
            "Comparisons",
            "Inequality",
            "Trends",
            "Data quality",
            "Columns",
            "Notes"
        ]
    );
    let est = book.worksheet_range("Estimates").unwrap();
    assert_eq!(
        est.height(),
        d.estimates.len() + 1,
        "header and one row per estimate"
    );
    assert_eq!(est.get((0, 0)), Some(&Data::String("Indicator ID".into())));
    // Values are numbers, not text.
    let value_col = (0..est.width())
        .find(|&c| est.get((0, c)) == Some(&Data::String("Value".into())))
        .unwrap();
    assert!(matches!(est.get((1, value_col)), Some(Data::Float(_))));
    let contents = book.worksheet_range("Contents").unwrap();
    assert_eq!(
        contents.get((0, 0)),
        Some(&Data::String("Test profile <&>".into()))
    );
    let notes = book.worksheet_range("Notes").unwrap();
    let text: Vec<String> = notes.rows().map(|r| r[0].to_string()).collect();
    for needle in [
        "Methods",
        "Disclosure control",
        "Counts under 5 suppressed.",
        "Caveats",
        "Licence",
    ] {
        assert!(
            text.iter().any(|t| t == needle),
            "notes lack {needle}: {text:?}"
        );
    }
}

#[test]
fn a_gradient_whose_interval_spans_zero_is_not_a_gap() {
    let mut d = fixture();
    d.inequality[0].lower = Some(-70.0);
    d.inequality[0].upper = Some(5.0);
    let s = summary::summarise(&d);
    assert_eq!(s.gaps.len(), 1, "{:?}", s.gaps);
    assert!(!s.gaps[0].contains("slope index"));
}

#[test]
fn funnel_limits_widen_when_areas_vary_beyond_chance() {
    let mut d = fixture();
    // Ten more areas: the first fixture's three agree with chance; these do not.
    for (k, rate) in [
        40.0, 60.0, 80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0, 220.0,
    ]
    .iter()
    .enumerate()
    {
        let n = 500_000.0 + 10_000.0 * k as f64;
        let mut e = d.estimates[0].clone();
        e.area_code = format!("B{k}");
        e.area_name = format!("Area B{k}");
        e.numerator = Some((rate * n / 100_000.0_f64).round());
        e.denominator = Some(n);
        e.value = Some(e.numerator.unwrap() / n * 100_000.0);
        d.estimates.push(e);
    }
    let f = levelfield_report::funnel::build(&d, "det", "2024-25").expect("a funnel");
    let od = f
        .adjusted
        .expect("over-dispersed areas get adjusted limits");
    assert!(od.phi > 1.0 && od.tau2 > 0.0);
    assert!(
        f.rows
            .iter()
            .filter(|r| r.exact_position.contains("99.8"))
            .count()
            > f.rows
                .iter()
                .filter(|r| r.position.contains("99.8"))
                .count()
    );
    assert!(f.note.contains("over-dispersion"));
    // Areas at the average are not over-dispersed: exact limits are drawn.
    let mut plain = fixture();
    for e in plain
        .estimates
        .iter_mut()
        .filter(|e| e.area_code.starts_with('A') && e.dimension == OVERALL)
    {
        let n = e.denominator.unwrap();
        e.numerator = Some(n * 0.0009);
        e.value = Some(90.0);
    }
    let f = levelfield_report::funnel::build(&plain, "det", "2024-25").unwrap();
    assert!(f.adjusted.is_none());
    assert!(f.rows.iter().all(|r| r.position == "within the 95% limits"));
}

#[test]
fn the_funnel_names_its_denominator_and_its_lines() {
    let page = html::render(&fixture());
    let doc = Html::parse_document(&page);
    let funnel = doc
        .select(&sel("figure[id$=-funnel] svg"))
        .next()
        .expect("a funnel plot")
        .html();
    // A rate: the x axis is the population it is per, not a bare "Population".
    assert!(
        funnel.contains(">Population (denominator)</text>"),
        "{funnel}"
    );
    for line in ["average", "95% limits", "99.8% limits"] {
        assert!(
            funnel.contains(&format!(">{line}</text>")),
            "no legend for {line}"
        );
    }
}

#[test]
fn trends_shown_are_the_overall_and_the_groups_that_changed() {
    let mut d = fixture();
    for (group, last) in [
        ("Black", "special cause concern"),
        ("White", "common cause"),
    ] {
        for k in 0..4 {
            let mut t = d.trends[k].clone();
            t.dimension = "Ethnic group".into();
            t.group = group.into();
            if k == 3 {
                t.point_type = last.into();
            }
            d.trends.push(t);
        }
    }
    let (shown, left) = summary::shown_series(&d, "det");
    let names: Vec<&str> = shown.iter().map(|s| s.group).collect();
    assert_eq!(names, ["All", "Black"]);
    assert_eq!(left, 1);
    let s = summary::summarise(&d);
    assert_eq!(s.trends.len(), 2);
    assert!(
        s.trends[1].contains("getting worse: the latest point is a special cause for concern"),
        "{}",
        s.trends[1]
    );
    let page = html::render(&d);
    assert!(page.contains("The other 1 group series are in the workbook"));
}
