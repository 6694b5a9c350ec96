//! Page one's plain sentences on synthetic profiles: a significant gap, no significant gap,
//! and a headline group whose figures are suppressed (snapshots), and the rules that choose
//! what they say.

use levelfield_report::{
    IndicatorMeta, Meta, ProfileData, board,
    data::{ComparisonRow, EstimateRow, InequalityRow, QualityRow, TrendRow},
    html,
    meta::IndicatorPolarity,
    schema::OVERALL,
};
use scraper::Html;

mod support;
use support::structure::{check_structure, sel};

const ENGLAND: &str = "E92000001";
const ETHNIC: &str = "Ethnic group";

fn est(id: &str, dim: &str, group: &str, x: f64, n: f64, reference: bool) -> EstimateRow {
    let v = x / n * 100_000.0;
    let half = 1.96 * x.sqrt() / n * 100_000.0;
    EstimateRow {
        indicator_id: id.into(),
        indicator: "Detentions".into(),
        statistic: "crude rate".into(),
        area_code: ENGLAND.into(),
        area_name: "England".into(),
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
        ..EstimateRow::default()
    }
}

fn cmp(id: &str, group: &str, ratio: (f64, f64, f64), diff: (f64, f64, f64)) -> ComparisonRow {
    ComparisonRow {
        indicator_id: id.into(),
        area_code: ENGLAND.into(),
        period: "2024-25".into(),
        dimension: ETHNIC.into(),
        group: group.into(),
        reference_group: "White".into(),
        difference: Some(diff.0),
        difference_lower: Some(diff.1),
        difference_upper: Some(diff.2),
        ratio: Some(ratio.0),
        ratio_lower: Some(ratio.1),
        ratio_upper: Some(ratio.2),
        ratio_method: "exact".into(),
        note: String::new(),
    }
}

fn indicator(id: &str, name: &str) -> IndicatorMeta {
    IndicatorMeta {
        id: id.into(),
        name: name.into(),
        unit: "per 100,000 population".into(),
        per: "year".into(),
        polarity: IndicatorPolarity::Adverse,
        definition: String::new(),
    }
}

/// England: Black 4.5 times White (significant), a four-year trend in common-cause variation,
/// ethnicity recorded for 90% of records, two caveats.
fn significant() -> ProfileData {
    let mut d = ProfileData {
        meta: Meta {
            title: "Test".into(),
            comparator_code: ENGLAND.into(),
            comparator_name: "England".into(),
            indicators: vec![indicator(
                "det",
                "Detentions under the Mental Health Act: crude rate",
            )],
            caveats: vec!["Undercounts.".into(), "Breaks.".into()],
            ..Meta::default()
        },
        ..ProfileData::default()
    };
    d.estimates
        .push(est("det", OVERALL, "All", 900.0, 1_000_000.0, false));
    d.estimates
        .push(est("det", ETHNIC, "Black", 300.0, 100_000.0, false));
    d.estimates
        .push(est("det", ETHNIC, "White", 600.0, 900_000.0, true));
    d.comparisons
        .push(cmp("det", "Black", (4.5, 3.9, 5.2), (233.3, 200.0, 266.0)));
    for (k, v) in [100.0, 95.0, 92.0, 90.0].iter().enumerate() {
        d.trends.push(TrendRow {
            indicator_id: "det".into(),
            area_code: ENGLAND.into(),
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
        area_code: ENGLAND.into(),
        period: "2024-25".into(),
        field: "ethnicity".into(),
        records: Some(1000.0),
        recorded: Some(900.0),
        not_stated: Some(60.0),
        not_known: Some(40.0),
        unrecognised: Some(0.0),
        percent_recorded: Some(90.0),
    });
    d.inequality.push(InequalityRow {
        indicator_id: "det".into(),
        area_code: ENGLAND.into(),
        period: "2024-25".into(),
        dimension: ETHNIC.into(),
        measure: "PAR".into(),
        value: Some(-23.3),
        lower: Some(-30.0),
        upper: Some(-16.6),
        groups: Some(2.0),
        method: "delta method".into(),
        detail: "best group: White".into(),
    });
    d
}

/// As [`significant`], with Black at 1.2 times White, an interval that includes 1.
fn not_significant() -> ProfileData {
    let mut d = significant();
    d.comparisons[0] = cmp("det", "Black", (1.2, 0.9, 1.6), (13.0, -7.0, 33.0));
    d
}

/// As [`significant`], with Black's figures suppressed (so no ratio) and Asian at 0.9 times
/// White, within chance.
fn suppressed() -> ProfileData {
    let mut d = significant();
    let black = &mut d.estimates[1];
    black.suppressed = true;
    black.numerator = None;
    black.value = None;
    black.lower = None;
    black.upper = None;
    d.estimates
        .push(est("det", ETHNIC, "Asian", 50.0, 80_000.0, false));
    d.comparisons.clear();
    d.comparisons
        .push(cmp("det", "Asian", (0.94, 0.7, 1.25), (-4.0, -20.0, 12.0)));
    d
}

fn sentences(d: &ProfileData) -> String {
    board::board(d).paragraphs.join("\n\n")
}

#[test]
fn snapshot_page_one_significant_gap() {
    insta::assert_snapshot!(sentences(&significant()));
}

#[test]
fn snapshot_page_one_no_significant_gap() {
    insta::assert_snapshot!(sentences(&not_significant()));
}

#[test]
fn snapshot_page_one_headline_group_suppressed() {
    insta::assert_snapshot!(sentences(&suppressed()));
}

#[test]
fn a_significant_gap_is_the_finding_with_its_interval_and_what_n_times_means() {
    let d = significant();
    let b = board::board(&d);
    assert_eq!(b.paragraphs.len(), 4);
    let f = &b.paragraphs[0];
    assert!(
        f.contains("the rate for the Black group was 4.50 times the rate for the White group (95% confidence interval 3.90 to 5.20 times)"),
        "{f}"
    );
    assert!(
        f.contains("per head of population, for every 10 detentions under the Mental Health Act in the White group there were about 45 in the Black group."),
        "{f}"
    );
    let h = b.headline.expect("a headline");
    assert_eq!(h.gap.map(|c| c.group.as_str()), Some("Black"));
    assert!(b.paragraphs[1].starts_with("No clear change over time"));
    assert!(b.paragraphs[1].contains("a move in the better direction"));
    assert!(b.paragraphs[2].contains("missing or not valid for 10.0% of the 1,000 records"));
    assert!(b.paragraphs[3].contains("association, not proof of a cause"));
    assert!(b.paragraphs[3].contains("no figures are hidden"));
    assert!(b.paragraphs[3].contains("the 2 caveats"));
}

#[test]
fn no_significant_gap_is_said_plainly_and_claims_no_finding() {
    let d = not_significant();
    let b = board::board(&d);
    let f = &b.paragraphs[0];
    assert!(f.starts_with("No clear gap"), "{f}");
    assert!(
        f.contains("could be chance") && f.contains("1.20 times"),
        "{f}"
    );
    assert!(
        !f.contains("The largest gap") && !f.contains("for every 10"),
        "{f}"
    );
    assert!(b.headline.expect("a headline").gap.is_none());
}

#[test]
fn a_suppressed_headline_group_is_named_and_not_invented() {
    let d = suppressed();
    let b = board::board(&d);
    let f = &b.paragraphs[0];
    assert!(
        f.contains("the figures for the Black group are suppressed for disclosure control ([c])"),
        "{f}"
    );
    assert!(f.starts_with("No gap can be shown with confidence"), "{f}");
    assert!(
        f.contains("its gap with the White group cannot be shown"),
        "{f}"
    );
    assert!(!f.contains("Black group was"), "{f}");
    assert!(b.paragraphs[3].contains("1 figure is hidden by disclosure control"));
    // The page-one chart lists the suppressed group as [c].
    let page = html::render(&d);
    let doc = Html::parse_document(&page);
    let fig = doc
        .select(&sel("#headline #fig-headline-ratios"))
        .next()
        .expect("page one's chart");
    let text: String = fig.text().collect();
    assert!(
        text.contains("Suppressed") && text.contains("[c]"),
        "{text}"
    );
}

#[test]
fn the_headline_is_the_first_indicator_with_a_gap_and_its_largest_on_the_log_scale() {
    let mut d = significant();
    // A later indicator with a larger ratio does not take the headline…
    d.meta.indicators.push(indicator("cto", "Orders: rate"));
    d.estimates
        .push(est("cto", ETHNIC, "Black", 90.0, 100_000.0, false));
    d.comparisons
        .push(cmp("cto", "Black", (9.0, 7.0, 11.0), (80.0, 70.0, 90.0)));
    // …but within the headline's dimension, a ratio of 0.15 is further from 1 than 4.5.
    d.estimates
        .push(est("det", ETHNIC, "Asian", 10.0, 100_000.0, false));
    d.comparisons.push(cmp(
        "det",
        "Asian",
        (0.15, 0.08, 0.28),
        (-57.0, -62.0, -52.0),
    ));
    let b = board::board(&d);
    let h = b.headline.expect("a headline");
    assert_eq!(h.indicator_id, "det");
    assert_eq!(h.gap.map(|c| c.group.as_str()), Some("Asian"));
    let f = &b.paragraphs[0];
    assert!(
        f.contains("0.15 times") && f.contains("lower by more than chance"),
        "{f}"
    );
    assert!(f.contains("there were about 2 in the Asian group"), "{f}");
}

#[test]
fn the_trend_follows_the_spc_verdict_and_the_polarity() {
    let mut d = significant();
    d.trends[3].point_type = "special cause concern".into();
    assert!(board::board(&d).paragraphs[1].starts_with("Getting worse"));
    d.trends[3].point_type = "special cause improvement".into();
    assert!(board::board(&d).paragraphs[1].starts_with("Getting better"));
    // Falling values of a favourable indicator move the worse way.
    d.meta.indicators[0].polarity = IndicatorPolarity::Favourable;
    d.trends[3].point_type = "common cause".into();
    assert!(board::board(&d).paragraphs[1].contains("a move in the worse direction"));
    d.trends.clear();
    assert!(board::board(&d).paragraphs[1].contains("not enough periods"));
}

#[test]
fn page_one_opens_the_report_inside_main_before_the_contents() {
    let page = html::render(&significant());
    check_structure(&page);
    let main = page.find("<main id=\"main\">").expect("main");
    let headline = page.find("<section id=\"headline\"").expect("page one");
    let nav = page
        .find("<nav aria-label=\"Contents\">")
        .expect("contents");
    let summary = page.find("<section id=\"summary\"").expect("summary");
    assert!(page.find("</header>").unwrap() < main);
    assert!(main < headline && headline < nav && nav < summary);
    let doc = Html::parse_document(&page);
    assert_eq!(doc.select(&sel("#headline p.board")).count(), 4);
    assert_eq!(doc.select(&sel("#headline figure.chart svg")).count(), 1);
    // The measures and the methods are in the collapsed appendix, with their readings.
    let appendix = doc
        .select(&sel("section#appendix > details.appendix"))
        .next()
        .expect("the appendix");
    assert!(appendix.value().attr("open").is_none(), "collapsed");
    let text: String = appendix.text().collect();
    assert!(
        text.contains("If every group had the best group's value, the overall value would be 23.3 per 100,000 population lower: about 233 fewer detentions under the Mental Health Act a year (best group: White)."),
        "{text}"
    );
    assert!(text.contains("Confidence interval") && text.contains("Special cause"));
    assert!(appendix.select(&sel("#methods")).next().is_some());
    assert!(
        doc.select(&sel("#ind-det table caption")).all(|c| !c
            .text()
            .collect::<String>()
            .starts_with("Inequality measures")),
        "no measure tables in the indicator's section"
    );
    // Print: page one alone on the first page, the appendix open without its markers.
    for rule in [
        "#headline { break-after: page; }",
        "details::details-content",
        "summary::marker",
    ] {
        assert!(page.contains(rule), "{rule}");
    }
}

#[test]
fn measure_readings_count_events_and_follow_the_polarity() {
    let mut d = significant();
    let par = d.inequality[0].clone();
    let reading = board::measure_reading(&d, &par);
    assert_eq!(
        reading,
        "If every group had the best group's value, the overall value would be 23.3 per 100,000 population lower: about 233 fewer detentions under the Mental Health Act a year (best group: White)."
    );
    // A favourable indicator's PAR is a gain: more, not fewer.
    d.meta.indicators[0].polarity = IndicatorPolarity::Favourable;
    let mut gain = par.clone();
    gain.value = Some(10.0);
    let reading = board::measure_reading(&d, &gain);
    assert!(
        reading.contains("10.0 per 100,000 population higher: about 100 more"),
        "{reading}"
    );
    // No population, no count; an unknown measure, no reading.
    d.estimates.clear();
    assert!(!board::measure_reading(&d, &gain).contains("about"));
    let mut unknown = par;
    unknown.measure = "XYZ".into();
    assert_eq!(board::measure_reading(&d, &unknown), "");
}

/// A later period whose every figure is suppressed: the indicator opens on the latest period
/// with published figures and says which, and why not the latest; asked for the suppressed
/// period, it says plainly that everything there is suppressed.
#[test]
fn an_all_suppressed_latest_period_is_not_the_first_view_and_the_page_says_why() {
    let mut d = significant();
    let later: Vec<EstimateRow> = d
        .estimates
        .iter()
        .map(|e| EstimateRow {
            period: "2025-26".into(),
            suppressed: true,
            numerator: None,
            value: None,
            lower: None,
            upper: None,
            ..e.clone()
        })
        .collect();
    d.estimates.extend(later);
    let view = html::indicator_view(&d, "det", html::View::default());
    assert!(
        view.contains("Showing 2024-25, the latest period with published figures: every figure for England in 2025-26 is suppressed"),
        "{view}"
    );
    let asked = html::indicator_view(
        &d,
        "det",
        html::View {
            period: Some("2025-26"),
            ..html::View::default()
        },
    );
    assert!(asked.contains("Every figure for 2025-26"), "{asked}");
    assert!(
        asked.contains("--pool"),
        "the all-suppressed view points to pooling: {asked}"
    );
    assert!(!asked.contains("Showing 2024-25"), "{asked}");
    // With the latest period published, no such note.
    let plain = html::indicator_view(&significant(), "det", html::View::default());
    assert!(!plain.contains("shown-period"), "{plain}");
}
