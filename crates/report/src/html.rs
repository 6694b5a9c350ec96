//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, no fetches) with a
//! data table behind every chart, built from a [`ProfileData`].
//!
//! Why one long file: one page, section after section in the order a reader meets them; the
//! shared pieces (formatting, charts, summaries) are modules of their own.

use std::{collections::HashMap, fmt::Write};

use levelfield_chart::{Compared, GroupPoint, SpcPoint, SpineRow};
use levelfield_stats::{
    compare::Benchmark, inequality::fractional_ranks, measure::MeasureCode,
    quantile::sample_quantile,
};

use crate::{
    data::{EstimateRow, ProfileData},
    fmt::{count, esc, fixed, join_notes, lowercase_first, number, slug},
    funnel,
    schema::OVERALL,
    summary,
};

/// The style of the report's figures and tables (charts, tables, findings, notes): what a page
/// that shows them inside its own layout, as the web app's results pages do, adds to its style.
macro_rules! figures_css {
    () => {
        r#"figure.chart { margin: 1.2rem 0 1.8rem; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.scroll { max-width: 100%; overflow-x: auto; margin: .5rem 0 1rem; }
.scroll:focus { outline: 3px solid #D55E00; outline-offset: 2px; }
.scroll > table { margin: 0; }
figure.chart .scroll > svg { max-width: none; }
figcaption { font-weight: bold; margin-bottom: .4rem; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0 1rem; background: #ffffff; }
caption { text-align: left; font-weight: bold; padding: .2rem 0; }
th, td { border: 1px solid #bbbbbb; padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.finding { margin: .35rem 0; }
.callout { border-left: 5px solid #D55E00; background: #fdf3ee; padding: .6rem .9rem; margin: 1rem 0; }
.note { font-size: .9rem; color: #333333; }
details > summary { cursor: pointer; color: #005a8c; }
"#
    };
}

/// The style of the report's figures and tables alone, without the report's page layout.
pub const FIGURES_CSS: &str = figures_css!();

/// The report's whole style sheet: its page (header, contents, footer, print) around
/// [`FIGURES_CSS`].
pub const CSS: &str = concat!(
    r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; color: #1a1a1a; background: #ffffff; margin: 0; line-height: 1.45; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #ffffff; color: #000000; padding: .5rem; outline: 3px solid #0072B2; }
header, main, footer, nav { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem; }
header { border-bottom: 4px solid #0072B2; padding-top: 1.5rem; padding-bottom: 1rem; }
h1 { font-size: 1.9rem; margin: 0 0 .3rem; }
h2 { font-size: 1.45rem; margin-top: 2.2rem; border-bottom: 1px solid #cccccc; padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
.subtitle { font-size: 1.1rem; color: #333333; margin: 0; }
.meta { color: #444444; font-size: .9rem; }
a { color: #005a8c; }
a:focus { outline: 3px solid #D55E00; }
main nav { padding: 0; }
#headline p.board { font-size: 1.1rem; max-width: 46rem; margin: .7rem 0; }
details.appendix > summary { font-weight: bold; margin: .5rem 0; }
dt { font-weight: bold; margin-top: .5rem; }
dd { margin: 0 0 .3rem 1.2rem; }
"#,
    figures_css!(),
    r#"footer { border-top: 1px solid #cccccc; margin-top: 3rem; padding-top: 1rem; padding-bottom: 2rem; font-size: .9rem; color: #333333; }
@page { size: A4; margin: 15mm 14mm; }
@media print {
  body { font-size: 10.5pt; }
  header, main, footer, nav { max-width: none; padding: 0; }
  nav, .skip { display: none; }
  h2 { break-before: page; }
  h2.keep { break-before: auto; }
  h2, h3, figcaption { break-after: avoid; }
  details { display: block; }
  #headline { break-after: page; }
  #headline h2 { margin-top: .6rem; }
  #headline p.board { font-size: 10pt; margin: .25rem 0; }
  #headline figure.chart { margin: .5rem 0 0; }
  #headline figure.chart svg { max-width: 76%; }
  #headline .note, #headline figcaption { font-size: 9pt; }
  header { padding-top: 0; padding-bottom: .4rem; }
  figure.chart details > summary { display: none; }
  details > summary { list-style: none; cursor: auto; }
  details > summary::-webkit-details-marker { display: none; }
  details > summary::marker { content: ""; }
  details::details-content { display: contents; content-visibility: visible; }
  details:not([open]) > :not(summary) { display: block; }
  a { color: #000000; }
  table { font-size: 8.5pt; }
  .scroll { overflow: visible; }
  figure.chart .scroll > svg { max-width: 100%; }
}
"#
);

/// Renders the whole report.
pub fn render(data: &ProfileData) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let meta = &data.meta;
    let title = if meta.title.is_empty() {
        "Equality profile"
    } else {
        &meta.title
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the report</a>\n<header>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    if !meta.subtitle.is_empty() {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", esc(&meta.subtitle));
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">Made with levelfield {}. Intervals are 95&nbsp;% confidence intervals unless stated.</p>\n</header>",
        env!("CARGO_PKG_VERSION")
    );

    let ids = data.indicator_ids();
    let focus = spine_focus(data);
    // Page one comes first, inside the main landmark the skip link points to; the contents
    // follow it.
    out.push_str("<main id=\"main\">\n");
    page_one(&mut out, data);
    out.push_str("<nav aria-label=\"Contents\">\n<h2 class=\"keep\">Contents</h2>\n<ol>\n<li><a href=\"#headline\">The finding</a></li>\n<li><a href=\"#summary\">Summary</a></li>\n");
    for id in &ids {
        let _ = writeln!(
            out,
            "<li><a href=\"#ind-{}\">{}</a></li>",
            slug(id),
            esc(&indicator_name(data, id))
        );
    }
    if focus.is_some() {
        out.push_str("<li><a href=\"#spine\">Areas against the comparator</a></li>\n");
    }
    let associations = crate::associate::fit(data);
    if !data.plan.is_empty() {
        out.push_str("<li><a href=\"#plans\">Action plans</a></li>\n");
    }
    if !associations.is_empty() {
        out.push_str("<li><a href=\"#determinants\">Determinants across areas</a></li>\n");
    }
    if !data.quality.is_empty() {
        out.push_str("<li><a href=\"#quality\">Data quality</a></li>\n");
    }
    out.push_str("<li><a href=\"#appendix\">Technical appendix: inequality measures, glossary, methods and sources</a></li>\n</ol>\n</nav>\n");

    summary_section(&mut out, data);
    for id in &ids {
        indicator_section(&mut out, data, id, View::default(), false);
    }
    if let Some(area) = focus {
        spine_section(&mut out, data, &area);
    }
    plan_section(&mut out, data);
    determinants_section(&mut out, data, &associations);
    quality_section(&mut out, data);
    appendix(&mut out, data, &ids);
    out.push_str("</main>\n<footer>\n");
    for line in &meta.attribution {
        let _ = writeln!(out, "<p>{}</p>", esc(line));
    }
    out.push_str("<p>Every chart has its data in a table below it. Colours are from the Okabe–Ito palette, and no meaning rests on colour alone.</p>\n</footer>\n</body>\n</html>\n");
    out
}

fn indicator_name(data: &ProfileData, id: &str) -> String {
    data.indicator_name(id)
}

fn unit(data: &ProfileData, id: &str) -> String {
    let m = data.meta.indicator(id);
    if !m.unit.is_empty() {
        return m.unit;
    }
    data.estimates
        .iter()
        .find(|e| e.indicator_id == id)
        .map(|e| e.statistic.clone())
        .unwrap_or_default()
}

fn summary_section(out: &mut String, data: &ProfileData) {
    out.push_str("<section id=\"summary\" aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\" class=\"keep\">Summary</h2>\n");
    let s = summary::summarise(data);
    out.push_str("<h3>The largest gaps</h3>\n");
    if s.gaps.is_empty() {
        out.push_str("<p>No group differs from its reference group by more than chance would explain, or no comparisons could be made.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for g in &s.gaps {
            let _ = writeln!(out, "<li class=\"finding\">{}</li>", esc(g));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h3>What is getting better or worse</h3>\n");
    if s.trends.is_empty() {
        out.push_str("<p>There are not enough periods for a trend.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for t in &s.trends {
            let _ = writeln!(out, "<li class=\"finding\">{}</li>", esc(t));
        }
        out.push_str("</ul>\n");
    }
    if !data.meta.caveats.is_empty() {
        out.push_str("<div class=\"callout\"><p><strong>Read these figures with care.</strong> ");
        out.push_str(&esc(&data.meta.caveats[0]));
        out.push_str(" See <a href=\"#caveats\">all caveats</a>.</p></div>\n");
    }
    out.push_str("</section>\n");
}

/// A chart in a `figure.chart` with its caption, an optional note and its data table. The
/// chart's `<title>`/`<desc>` ids are renamed after the figure's id, so two identical charts
/// (e.g. two wholly suppressed ones) in a page never share them.
fn figure(out: &mut String, id: &str, caption: &str, svg: &str, table: &str, note: Option<&str>) {
    let svg = scoped_ids(svg, id);
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{id}\">\n<figcaption>{}</figcaption>\n{}\n",
        esc(caption),
        scroll(&format!("Chart: {caption}"), &svg)
    );
    if let Some(n) = note {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(n));
    }
    let _ = write!(
        out,
        "<details open>\n<summary>Data table: {}</summary>\n{table}\n</details>\n</figure>\n",
        esc(caption)
    );
}

/// `svg` with its chart id prefix (named in the root's `aria-labelledby="P-t P-d"`) replaced
/// by `id`.
fn scoped_ids(svg: &str, id: &str) -> String {
    const KEY: &str = "aria-labelledby=\"";
    let Some(start) = svg.find(KEY).map(|k| k + KEY.len()) else {
        return svg.to_string();
    };
    let Some(prefix) = svg[start..]
        .split(['"', ' '])
        .next()
        .and_then(|t| t.strip_suffix("-t"))
    else {
        return svg.to_string();
    };
    let scoped = format!("{id}-chart");
    svg.replace(&format!("{prefix}-t"), &format!("{scoped}-t"))
        .replace(&format!("{prefix}-d"), &format!("{scoped}-d"))
}

/// `content` in a horizontally scrolling region named `name`, focusable so that a keyboard can
/// scroll it: on a narrow screen a chart keeps its own width (so its text keeps its size) and
/// a table its columns, and the page itself never grows wider than the screen.
fn scroll(name: &str, content: &str) -> String {
    format!(
        "<div class=\"scroll\" role=\"region\" aria-label=\"{}\" tabindex=\"0\">\n{content}\n</div>",
        esc(name)
    )
}

/// A table from a header and rows of cells, in its own scrolling region (named by the
/// caption); `numeric[k]` right-aligns column k.
fn html_table(caption: &str, header: &[&str], numeric: &[bool], rows: &[Vec<String>]) -> String {
    let mut t = String::new();
    let _ = write!(
        t,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        esc(caption)
    );
    for h in header {
        let _ = write!(t, "<th scope=\"col\">{}</th>", esc(h));
    }
    t.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        t.push_str("<tr>");
        for (k, c) in r.iter().enumerate() {
            if k == 0 {
                let _ = write!(t, "<th scope=\"row\">{}</th>", esc(c));
            } else if numeric.get(k).copied().unwrap_or(false) {
                let _ = write!(t, "<td class=\"n\">{}</td>", esc(c));
            } else {
                let _ = write!(t, "<td>{}</td>", esc(c));
            }
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</tbody>\n</table>");
    scroll(caption, &t)
}

/// A figure, or the GSS marker of why there is none: `[c]` suppressed by disclosure control,
/// `[x]` not available.
pub fn marked(v: Option<f64>, suppressed: bool, show: impl Fn(f64) -> String) -> String {
    match v {
        Some(v) if !suppressed => show(v),
        _ if suppressed => "[c]".into(),
        _ => "[x]".into(),
    }
}

fn opt(v: Option<f64>, dp: usize) -> String {
    v.map_or_else(String::new, |v| fixed(v, dp))
}

fn latest_period<'a>(periods: impl Iterator<Item = &'a str>) -> Option<String> {
    periods.max().map(str::to_string)
}

/// Which part of an indicator a view shows. The report shows each indicator at the comparator
/// in its latest period, by every dimension (the default); a dashboard narrows it.
#[derive(Clone, Copy, Debug, Default)]
pub struct View<'a> {
    /// The area (default: the comparator).
    pub area: Option<&'a str>,
    /// The period (default, or a period without estimates: the latest).
    pub period: Option<&'a str>,
    /// One dimension only (default: all); the trend then shows every group of it.
    pub dimension: Option<&'a str>,
}

/// One indicator's section of the report, narrowed by `view`: rates by group, ratios to the
/// reference group, inequality measures, trends and the funnel plot, each chart with its data
/// table.
pub fn indicator_view(data: &ProfileData, id: &str, view: View) -> String {
    let mut out = String::new();
    indicator_section(&mut out, data, id, view, true);
    out
}

/// One indicator's section; its inequality-measure tables are inline when `inline`, else left
/// to the technical appendix with a link to them.
fn indicator_section(out: &mut String, data: &ProfileData, id: &str, view: View, inline: bool) {
    let name = indicator_name(data, id);
    let meta = data.meta.indicator(id);
    let unit = unit(data, id);
    let comparator = view
        .area
        .map(str::to_string)
        .unwrap_or_else(|| data.comparator_code());
    let anchor = slug(id);
    let _ = write!(
        out,
        "<section id=\"ind-{anchor}\" aria-labelledby=\"ind-{anchor}-h\">\n<h2 id=\"ind-{anchor}-h\">{}</h2>\n",
        esc(&name)
    );
    if !meta.definition.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", esc(&meta.definition));
    }
    let rows: Vec<&EstimateRow> = data
        .estimates
        .iter()
        .filter(|e| e.indicator_id == id && e.area_code == comparator)
        .collect();
    let chosen = view
        .period
        .filter(|p| rows.iter().any(|e| e.period == *p))
        .map(str::to_string);
    // By default the latest period with a published value: a period whose every figure is
    // suppressed is not the first thing a reader sees.
    let published_period = latest_period(
        rows.iter()
            .filter(|e| !e.suppressed && e.value.is_some())
            .map(|e| e.period.as_str()),
    );
    let latest = latest_period(rows.iter().map(|e| e.period.as_str()));
    let defaulted = chosen.is_none();
    let Some(period) = chosen.or(published_period).or_else(|| latest.clone()) else {
        out.push_str("<p>No estimates for this area.</p>\n</section>\n");
        return;
    };
    // Opened on an earlier period than the latest: say which, and why.
    if defaulted && let Some(latest) = latest.as_deref().filter(|l| *l != period) {
        let _ = writeln!(
            out,
            "<p class=\"note shown-period\">Showing {}, the latest period with published figures: every figure for {} in {} is suppressed ([c]) or not available ([x]).</p>",
            esc(&period),
            esc(rows
                .first()
                .map_or(comparator.as_str(), |e| e.area_name.as_str())),
            esc(latest)
        );
    }
    if rows
        .iter()
        .filter(|e| e.period == period)
        .all(|e| e.suppressed || e.value.is_none())
        && rows.iter().any(|e| e.period == period && e.suppressed)
    {
        let _ = writeln!(
            out,
            "<p class=\"all-suppressed\">Every figure for {} in {} is suppressed for disclosure control ([c]) or not available ([x]): the counts are too small to publish. Periods pooled into years (a spec's <code>[periods] pool</code>, or the profile command's <code>--pool</code>) publish more of the small groups.</p>",
            esc(&period),
            esc(&comparator)
        );
    }
    let comparator_name = if data.meta.comparator_name.is_empty() || view.area.is_some() {
        rows.first()
            .map(|e| e.area_name.clone())
            .unwrap_or_default()
    } else {
        data.meta.comparator_name.clone()
    };
    let overall = rows
        .iter()
        .find(|e| e.dimension == OVERALL && e.period == period)
        .and_then(|e| e.value);
    if let Some(v) = overall {
        let _ = writeln!(
            out,
            "<p>{} {period}: <strong>{} {}</strong>.</p>",
            esc(&comparator_name),
            fixed(v, 1),
            esc(&unit)
        );
    }
    let mut dims: Vec<&str> = Vec::new();
    for e in &rows {
        if e.dimension != OVERALL
            && e.period == period
            && view.dimension.is_none_or(|d| d == e.dimension)
            && !dims.contains(&e.dimension.as_str())
        {
            dims.push(&e.dimension);
        }
    }
    for dim in dims {
        let group_rows: Vec<&EstimateRow> = rows
            .iter()
            .copied()
            .filter(|e| e.dimension == dim && e.period == period)
            .collect();
        let dslug = format!("{anchor}-{}", slug(dim));
        let _ = writeln!(out, "<h3>By {}</h3>", esc(&lowercase_first(dim)));
        // Rates by group.
        let points: Vec<GroupPoint> = group_rows
            .iter()
            .map(|e| GroupPoint {
                label: e.group.clone(),
                value: e.value,
                lower: e.lower,
                upper: e.upper,
                highlight: e.reference_group,
            })
            .collect();
        let reference_label = overall.map(|v| format!("{comparator_name} {}", fixed(v, 1)));
        let svg = levelfield_chart::dot_whisker(
            &format!("By {}, {period}", lowercase_first(dim)),
            &unit,
            &points,
            overall.zip(reference_label.as_deref()),
        );
        let table_rows: Vec<Vec<String>> = group_rows
            .iter()
            .map(|e| {
                vec![
                    if e.reference_group {
                        format!("{} (reference)", e.group)
                    } else {
                        e.group.clone()
                    },
                    marked(e.numerator, e.suppressed, number),
                    marked(e.denominator, e.suppressed, number),
                    marked(e.value, e.suppressed, |v| fixed(v, 1)),
                    marked(e.lower, e.suppressed, |v| fixed(v, 1)),
                    marked(e.upper, e.suppressed, |v| fixed(v, 1)),
                    join_notes([if e.suppressed { "suppressed" } else { "" }, &e.note]),
                ]
            })
            .collect();
        let table = html_table(
            &format!("{name} by {}, {period}", lowercase_first(dim)),
            &[
                "Group",
                "Numerator",
                "Denominator",
                "Value",
                "Lower 95% limit",
                "Upper 95% limit",
                "Note",
            ],
            &[false, true, true, true, true, true, false],
            &table_rows,
        );
        figure(
            out,
            &format!("fig-{dslug}-rates"),
            &format!("{name} by {}, {period} ({unit})", lowercase_first(dim)),
            &svg,
            &table,
            None,
        );

        // Ratios to the reference group.
        let comps: Vec<_> = data
            .comparisons
            .iter()
            .filter(|c| {
                c.indicator_id == id
                    && c.area_code == comparator
                    && c.dimension == dim
                    && c.period == period
            })
            .collect();
        if !comps.is_empty() {
            let reference = comps[0].reference_group.clone();
            let points: Vec<GroupPoint> = comps
                .iter()
                .map(|c| GroupPoint {
                    label: c.group.clone(),
                    value: c.ratio,
                    lower: c.ratio_lower,
                    upper: c.ratio_upper,
                    highlight: false,
                })
                .collect();
            let svg = levelfield_chart::ratio_chart(
                &format!("Ratio to {reference}, {period}"),
                &reference,
                &points,
            );
            let table_rows: Vec<Vec<String>> = comps
                .iter()
                .map(|c| {
                    vec![
                        c.group.clone(),
                        opt(c.ratio, 2),
                        opt(c.ratio_lower, 2),
                        opt(c.ratio_upper, 2),
                        opt(c.difference, 1),
                        opt(c.difference_lower, 1),
                        opt(c.difference_upper, 1),
                        join_notes([c.ratio_method.as_str(), &c.note]),
                    ]
                })
                .collect();
            let table = html_table(
                &format!("{name}: each group against {reference}, {period}"),
                &[
                    "Group",
                    "Ratio",
                    "Lower 95% limit",
                    "Upper 95% limit",
                    "Difference",
                    "Lower 95% limit",
                    "Upper 95% limit",
                    "Method and notes",
                ],
                &[false, true, true, true, true, true, true, false],
                &table_rows,
            );
            figure(
                out,
                &format!("fig-{dslug}-ratios"),
                &format!("{name}: ratio of each group's value to {reference}'s, {period}"),
                &svg,
                &table,
                Some(
                    "A ratio of 1 means the same value as the reference group; the scale is logarithmic, so a ratio of 2 and one of 0.5 are equally far from 1. Whiskers whose whole length lies above (below) 1, drawn with a filled dot, mark a difference larger than chance would explain.",
                ),
            );
        }

        // Inequality measures, with the gradient chart for ordered dimensions.
        let measures: Vec<_> = data
            .inequality
            .iter()
            .filter(|q| {
                q.indicator_id == id
                    && q.area_code == comparator
                    && q.dimension == dim
                    && q.period == period
            })
            .collect();
        if let Some(sii) = measures
            .iter()
            .find(|q| q.measure == MeasureCode::Sii.code())
        {
            gradient_figure(out, &dslug, &name, &unit, &period, &group_rows, sii);
        }
        if !measures.is_empty() && inline {
            out.push_str(&measures_table(data, &name, dim, &period, &measures));
            out.push('\n');
        } else if !measures.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"note\">The inequality measures across these groups, each with what it means, are in the <a href=\"#measures-{dslug}\">technical appendix</a>.</p>"
            );
        }
    }

    trend_figures(
        out,
        data,
        id,
        (&name, &unit, &anchor),
        &comparator,
        view.dimension,
    );
    if let Some(f) = funnel::build(data, id, &period) {
        let svg = levelfield_chart::funnel_plot(
            &format!("{} areas, {period}", f.units.len()),
            &levelfield_chart::FunnelNames {
                x: f.x_label,
                y: &unit,
                centre: "average",
            },
            &f.units,
            &f.limits,
            f.average,
        );
        let table_rows: Vec<Vec<String>> = f
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    number(r.numerator),
                    number(r.denominator),
                    fixed(r.value, 1),
                    r.position.to_string(),
                    r.exact_position.to_string(),
                ]
            })
            .collect();
        let table = html_table(
            &format!("{name} by area, {period}"),
            &[
                "Area",
                "Numerator",
                "Denominator",
                "Value",
                "Against the limits drawn",
                "Against exact limits",
            ],
            &[false, true, true, true, false, false],
            &table_rows,
        );
        figure(
            out,
            &format!("fig-{anchor}-funnel"),
            &format!(
                "{name}: funnel plot of {} areas against the average of {} {unit}, {period}",
                f.units.len(),
                fixed(f.average, 1)
            ),
            &svg,
            &table,
            Some(&f.note),
        );
    }
    out.push_str("</section>\n");
}

/// The inequality measures of one indicator and dimension, each with its plain reading
/// ([`crate::board::measure_reading`]).
fn measures_table(
    data: &ProfileData,
    name: &str,
    dim: &str,
    period: &str,
    measures: &[&crate::data::InequalityRow],
) -> String {
    let table_rows: Vec<Vec<String>> = measures
        .iter()
        .map(|q| {
            vec![
                measure_name(&q.measure),
                opt(q.value, 3),
                opt(q.lower, 3),
                opt(q.upper, 3),
                crate::board::measure_reading(data, q),
                q.method.clone(),
                q.detail.clone(),
            ]
        })
        .collect();
    html_table(
        &format!(
            "Inequality measures: {name} by {}, {period}",
            lowercase_first(dim)
        ),
        &[
            "Measure",
            "Value",
            "Lower 95% limit",
            "Upper 95% limit",
            "What it means",
            "Method",
            "Detail",
        ],
        &[false, true, true, true, false, false, false],
        &table_rows,
    )
}

/// Page one: the board's plain sentences ([`crate::board`]) and the headline indicator's rate
/// ratios on a log scale, with their data table.
fn page_one(out: &mut String, data: &ProfileData) {
    let b = crate::board::board(data);
    out.push_str("<section id=\"headline\" aria-labelledby=\"headline-h\">\n<h2 id=\"headline-h\" class=\"keep\">The finding</h2>\n");
    for p in &b.paragraphs {
        let _ = writeln!(out, "<p class=\"board\">{}</p>", esc(p));
    }
    if let Some(h) = &b.headline {
        headline_figure(out, data, h);
    }
    out.push_str("</section>\n");
}

/// The headline indicator's ratio of each group to the reference group, on a log scale; the
/// groups whose figures are suppressed are rows marked `[c]`.
fn headline_figure(out: &mut String, data: &ProfileData, h: &crate::board::Headline) {
    let comps = h.comparisons(data);
    let Some(reference) = h.reference.clone() else {
        return;
    };
    let mut points: Vec<GroupPoint> = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in &comps {
        points.push(GroupPoint {
            label: c.group.clone(),
            value: c.ratio,
            lower: c.ratio_lower,
            upper: c.ratio_upper,
            highlight: false,
        });
        let beyond = if c.ratio.is_none() {
            "[x]".to_string()
        } else if crate::summary::significant(c) {
            if c.ratio.is_some_and(|r| r >= 1.0) {
                "Yes, higher".to_string()
            } else {
                "Yes, lower".to_string()
            }
        } else if c.ratio_lower.is_none() {
            "No interval".to_string()
        } else {
            "No: could be chance".to_string()
        };
        rows.push(vec![
            c.group.clone(),
            opt(c.ratio, 2),
            opt(c.ratio_lower, 2),
            opt(c.ratio_upper, 2),
            beyond,
        ]);
    }
    for g in &h.suppressed {
        if *g == reference || comps.iter().any(|c| c.group == *g) {
            continue;
        }
        points.push(GroupPoint {
            label: g.clone(),
            value: None,
            lower: None,
            upper: None,
            highlight: false,
        });
        rows.push(vec![
            g.clone(),
            "[c]".into(),
            "[c]".into(),
            "[c]".into(),
            "Suppressed".into(),
        ]);
    }
    if points.is_empty() {
        return;
    }
    let name = indicator_name(data, &h.indicator_id);
    let period = &h.period;
    let svg = levelfield_chart::ratio_chart(
        &format!("Ratio to {reference}, {period}"),
        &reference,
        &points,
    );
    let table = html_table(
        &format!("The finding: {name}, each group against {reference}, {period}"),
        &[
            "Group",
            "Rate ratio",
            "Lower 95% limit",
            "Upper 95% limit",
            "Larger than chance?",
        ],
        &[false, true, true, true, false],
        &rows,
    );
    figure(
        out,
        "fig-headline-ratios",
        &format!(
            "{name}, by {}: each group's rate as a multiple of {reference}'s, {period} (logarithmic scale)",
            lowercase_first(&h.dimension)
        ),
        &svg,
        &table,
        Some(
            "1 is the same rate as the reference group. The scale is logarithmic, so half the rate (0.5) and twice the rate (2) are equally far from 1. A filled dot has an interval wholly to one side of 1: a gap larger than chance would explain.",
        ),
    );
}

/// The words a reader meets in the report, in plain English.
const GLOSSARY: [(&str, &str); 9] = [
    (
        "Confidence interval",
        "The range within which the true value very probably lies (95% of such ranges contain it). A narrow interval means a precise figure; a wide one, an uncertain figure.",
    ),
    (
        "Rate ratio",
        "One group's rate divided by the reference group's: 2 means twice the rate, 0.5 half the rate, 1 the same rate. If its confidence interval excludes 1, the gap is larger than chance would explain.",
    ),
    (
        "Reference group",
        "The group every other group is compared with, usually the largest group or the least deprived.",
    ),
    (
        "Standardised rate",
        "A rate adjusted so that groups with different age and sex make-up compare fairly, as if each had the same population structure.",
    ),
    (
        "Crude rate",
        "The number of events divided by the population, with no adjustment for age or sex.",
    ),
    (
        "Suppressed [c]",
        "A figure withheld by disclosure control because its count is so small that publishing it could identify people. [x] marks a figure not available.",
    ),
    (
        "Statistical process control (SPC)",
        "A chart of a series over time with process limits: points inside them vary by chance (common cause); a point outside them, or a long run on one side, is a special cause — a real change.",
    ),
    (
        "Special cause",
        "A change in a series larger or more persistent than chance would give: of improvement, or for concern, by which way is better for the indicator.",
    ),
    (
        "Inequality measure",
        "One number summarising the gaps across all groups at once (for example the slope index of inequality across deprivation); each is read in plain words in its table.",
    ),
];

/// The period an indicator is shown in at `area`: the latest with a published value, else
/// the latest.
fn shown_period(data: &ProfileData, id: &str, area: &str) -> Option<String> {
    let rows = || {
        data.estimates
            .iter()
            .filter(move |e| e.indicator_id == id && e.area_code == area)
    };
    latest_period(
        rows()
            .filter(|e| !e.suppressed && e.value.is_some())
            .map(|e| e.period.as_str()),
    )
    .or_else(|| latest_period(rows().map(|e| e.period.as_str())))
}

/// The technical appendix, collapsed on screen and printed open: every inequality measure of
/// the indicators' sections with its plain reading, the glossary, and the methods, disclosure
/// control, caveats and sources.
fn appendix(out: &mut String, data: &ProfileData, ids: &[String]) {
    // The heading stays outside the disclosure widget, so it keeps its heading role.
    out.push_str("<section id=\"appendix\" aria-labelledby=\"appendix-h\">\n<h2 id=\"appendix-h\">Technical appendix</h2>\n<details class=\"appendix\">\n<summary>Inequality measures with what each means, glossary, methods, disclosure control and sources</summary>\n");
    let comparator = data.comparator_code();
    let mut any = false;
    let mut measures_html = String::new();
    for id in ids {
        let Some(period) = shown_period(data, id, &comparator) else {
            continue;
        };
        let name = indicator_name(data, id);
        let mut dims: Vec<&str> = Vec::new();
        for q in data
            .inequality
            .iter()
            .filter(|q| q.indicator_id == *id && q.area_code == comparator && q.period == period)
        {
            if !dims.contains(&q.dimension.as_str()) {
                dims.push(&q.dimension);
            }
        }
        for dim in dims {
            let measures: Vec<&crate::data::InequalityRow> = data
                .inequality
                .iter()
                .filter(|q| {
                    q.indicator_id == *id
                        && q.area_code == comparator
                        && q.period == period
                        && q.dimension == dim
                })
                .collect();
            any = true;
            let _ = writeln!(
                measures_html,
                "<div id=\"measures-{}-{}\">\n{}\n</div>",
                slug(id),
                slug(dim),
                measures_table(data, &name, dim, &period, &measures)
            );
        }
    }
    if any {
        out.push_str("<section id=\"measures\" aria-labelledby=\"measures-h\">\n<h3 id=\"measures-h\">Inequality measures</h3>\n<p>Each measure summarises the gaps across all groups of a breakdown at once; the column \"What it means\" reads its value in plain words, by which way is worse for the indicator.</p>\n");
        out.push_str(&measures_html);
        out.push_str("</section>\n");
    }
    out.push_str("<section id=\"glossary\" aria-labelledby=\"glossary-h\">\n<h3 id=\"glossary-h\">Glossary</h3>\n<dl>\n");
    for (term, meaning) in GLOSSARY {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(term), esc(meaning));
    }
    out.push_str("</dl>\n</section>\n");
    methods_section(out, data);
    out.push_str("</details>\n</section>\n");
}

fn measure_name(m: &str) -> String {
    levelfield_stats::measure::MeasureCode::from_code(m)
        .map_or_else(|| m.to_string(), |c| c.name().to_string())
}

/// Population-midpoint ranks of ordered groups (0 = the first group's end), through
/// `levelfield-stats`' fractional ranks; equal shares when a denominator is missing.
fn midpoint_ranks(denominators: &[Option<f64>]) -> Vec<f64> {
    let n = denominators.len() as f64;
    let shares: Vec<f64> = if denominators.iter().any(|d| d.is_none_or(|d| d <= 0.0)) {
        vec![1.0 / n; denominators.len()]
    } else {
        let total: f64 = denominators.iter().flatten().sum();
        denominators.iter().flatten().map(|d| d / total).collect()
    };
    fractional_ranks(&shares).0
}

fn gradient_figure(
    out: &mut String,
    dslug: &str,
    name: &str,
    unit: &str,
    period: &str,
    rows: &[&EstimateRow],
    sii: &crate::data::InequalityRow,
) {
    let rows: Vec<&EstimateRow> = rows.iter().copied().filter(|e| e.value.is_some()).collect();
    let ranks = midpoint_ranks(&rows.iter().map(|e| e.denominator).collect::<Vec<_>>());
    // The weighted least-squares line passes through the weighted means: rank ½ and μ.
    let (sw, swy) = rows.iter().fold((0.0, 0.0), |(a, b), e| {
        let w = e.denominator.unwrap_or(1.0);
        (a + w, b + w * e.value.unwrap_or(0.0))
    });
    let line = sii
        .value
        .filter(|_| sw > 0.0)
        .map(|s| (swy / sw - s / 2.0, swy / sw + s / 2.0));
    let points: Vec<(f64, GroupPoint)> = rows
        .iter()
        .zip(&ranks)
        .map(|(e, r)| {
            (
                *r,
                GroupPoint {
                    label: e.group.clone(),
                    value: e.value,
                    lower: e.lower,
                    upper: e.upper,
                    highlight: false,
                },
            )
        })
        .collect();
    let svg = levelfield_chart::gradient(
        &format!("Deprivation gradient, {period}"),
        unit,
        &points,
        line,
        ("Most deprived", "Least deprived"),
    );
    let mut table_rows: Vec<Vec<String>> = rows
        .iter()
        .zip(&ranks)
        .map(|(e, r)| {
            vec![
                e.group.clone(),
                fixed(*r, 3),
                opt(e.value, 1),
                opt(e.lower, 1),
                opt(e.upper, 1),
            ]
        })
        .collect();
    if let Some((a, b)) = line {
        table_rows.push(vec![
            "Fitted line (SII)".into(),
            "0 to 1".into(),
            format!("{} to {}", fixed(a, 1), fixed(b, 1)),
            opt(sii.lower, 1),
            opt(sii.upper, 1),
        ]);
    }
    let table = html_table(
        &format!("{name} by deprivation, {period}, with the slope index of inequality"),
        &[
            "Group",
            "Population rank (midpoint)",
            "Value",
            "Lower 95% limit",
            "Upper 95% limit",
        ],
        &[false, true, true, true, true],
        &table_rows,
    );
    let note = sii.value.map(|s| {
        format!(
            "The slope index of inequality is {} {unit} (95% CI {} to {}): the fitted difference between the least and the most deprived ends of the population; negative when values are higher where deprivation is greater.",
            fixed(s, 1),
            opt(sii.lower, 1),
            opt(sii.upper, 1)
        )
    });
    figure(
        out,
        &format!("fig-{dslug}-gradient"),
        &format!(
            "{name}: gradient across deprivation with the slope index of inequality, {period}"
        ),
        &svg,
        &table,
        note.as_deref(),
    );
}

/// The chart's signal for a `point_type` (read by [`crate::data`], which refuses unknown labels;
/// an empty one is a point with no SPC verdict).
fn signal(point_type: &str) -> levelfield_chart::Signal {
    use levelfield_chart::Signal;
    use levelfield_stats::spc::PointType;
    match PointType::from_label(point_type) {
        Some(PointType::Improvement) => Signal::Improvement,
        Some(PointType::Concern) => Signal::Concern,
        Some(PointType::Neutral) => Signal::Neutral,
        Some(PointType::CommonCause) | None => Signal::Common,
    }
}

fn trend_figures(
    out: &mut String,
    data: &ProfileData,
    id: &str,
    (name, unit, anchor): (&str, &str, &str),
    area: &str,
    dimension: Option<&str>,
) {
    let (shown, left) = crate::summary::series_of(data, id, area, dimension);
    if shown.is_empty() {
        return;
    }
    out.push_str("<h3>Trend</h3>\n");
    if left > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">Shown: the overall series and the groups whose latest point is a special cause. The other {left} group series are in the workbook's Trends sheet and trends.csv.</p>"
        );
    }
    for series in shown {
        let (dim, group) = (series.dimension, series.group);
        let points = series.points;
        let chart_points: Vec<SpcPoint> = points
            .iter()
            .map(|t| SpcPoint {
                period: t.period.clone(),
                value: t.value,
                mean: t.mean.unwrap_or(f64::NAN),
                lower: t.lower_process_limit.unwrap_or(f64::NAN),
                upper: t.upper_process_limit.unwrap_or(f64::NAN),
                signal: signal(&t.point_type),
            })
            .collect();
        let label = if dim == OVERALL {
            name.to_string()
        } else {
            format!("{name}: {group}")
        };
        let short = if dim == OVERALL {
            "SPC chart".to_string()
        } else {
            format!("{group}: SPC chart")
        };
        let svg = levelfield_chart::spc_chart(&short, unit, &chart_points);
        let table_rows: Vec<Vec<String>> = points
            .iter()
            .map(|t| {
                vec![
                    t.period.clone(),
                    opt(t.value, 2),
                    opt(t.mean, 2),
                    opt(t.lower_process_limit, 2),
                    opt(t.upper_process_limit, 2),
                    t.point_type.clone(),
                    t.special_cause.replace('_', " "),
                    join_notes([t.note.as_str()]),
                ]
            })
            .collect();
        let table = html_table(
            &format!("{label}: values and process limits"),
            &[
                "Period",
                "Value",
                "Centre line",
                "Lower process limit",
                "Upper process limit",
                "Point",
                "Rule",
                "Note",
            ],
            &[false, true, true, true, true, false, false, false],
            &table_rows,
        );
        let variation = points
            .first()
            .map(|t| t.series_variation.clone())
            .unwrap_or_default();
        let note = format!(
            "Statistical process control (XmR): the latest point shows {variation}. Points outside the process limits, runs and trends are special causes; limits from fewer than 12 points are trial limits."
        );
        figure(
            out,
            &format!("fig-{anchor}-trend-{}", slug(&format!("{dim}-{group}"))),
            &format!("{label}: trend with process limits"),
            &svg,
            &table,
            Some(&note),
        );
    }
}

/// The area a spine chart is drawn for: the metadata's focus area, else the first area that
/// is not the comparator.
fn spine_focus(data: &ProfileData) -> Option<String> {
    let comparator = data.comparator_code();
    let mut areas = data
        .estimates
        .iter()
        .map(|e| e.area_code.as_str())
        .filter(|a| *a != comparator);
    let first = areas.next()?;
    match &data.meta.focus_area {
        Some(f) if f != first && !areas.any(|a| a == f) => Some(first.to_string()),
        Some(f) => Some(f.clone()),
        None => Some(first.to_string()),
    }
}

fn spine_section(out: &mut String, data: &ProfileData, area: &str) {
    let comparator = data.comparator_code();
    let area_name = data
        .estimates
        .iter()
        .find(|e| e.area_code == area)
        .map_or_else(|| area.to_string(), |e| e.area_name.clone());
    let comparator_name = if data.meta.comparator_name.is_empty() {
        comparator.clone()
    } else {
        data.meta.comparator_name.clone()
    };
    let mut rows: Vec<SpineRow> = Vec::new();
    let mut table_rows: Vec<Vec<String>> = Vec::new();
    let mut indicators: Vec<&str> = Vec::new();
    // Each indicator's latest period at the focus area.
    let mut latest: HashMap<&str, &str> = HashMap::new();
    for e in data.estimates.iter().filter(|e| e.area_code == area) {
        if !indicators.contains(&e.indicator_id.as_str()) {
            indicators.push(&e.indicator_id);
        }
        let l = latest.entry(&e.indicator_id).or_insert(&e.period);
        if e.period.as_str() > *l {
            *l = &e.period;
        }
    }
    // Values by (indicator, period, dimension, group): the comparator's, and every area's.
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str);
    let mut comparator_values: HashMap<Key, f64> = HashMap::new();
    let mut area_values: HashMap<Key, Vec<f64>> = HashMap::new();
    for e in &data.estimates {
        if latest.get(e.indicator_id.as_str()) != Some(&e.period.as_str()) {
            continue;
        }
        let Some(v) = e.value else { continue };
        let key = (
            e.indicator_id.as_str(),
            e.period.as_str(),
            e.dimension.as_str(),
            e.group.as_str(),
        );
        if e.area_code == comparator {
            comparator_values.insert(key, v);
        } else {
            area_values.entry(key).or_default().push(v);
        }
    }
    for e in data.estimates.iter().filter(|e| {
        e.area_code == area && latest.get(e.indicator_id.as_str()) == Some(&e.period.as_str())
    }) {
        let key = (
            e.indicator_id.as_str(),
            e.period.as_str(),
            e.dimension.as_str(),
            e.group.as_str(),
        );
        let Some(&c) = comparator_values.get(&key) else {
            continue;
        };
        let mut others = area_values.get(&key).cloned().unwrap_or_default();
        if others.len() < 2 {
            continue;
        }
        others.sort_by(f64::total_cmp);
        let name = indicator_name(data, &e.indicator_id);
        let label = match (indicators.len(), e.dimension == OVERALL) {
            (1, true) => "All people".to_string(),
            (1, false) => e.group.clone(),
            (_, true) => name.clone(),
            (_, false) => format!("{name}: {}", e.group),
        };
        // Read by `crate::data`, which refuses unknown labels; empty is not compared.
        let compared = match Benchmark::from_label(&e.compared_to_comparator) {
            Some(Benchmark::Better) => Compared::Better,
            Some(Benchmark::Worse) => Compared::Worse,
            Some(Benchmark::Similar) => Compared::Similar,
            Some(Benchmark::Higher) => Compared::Higher,
            Some(Benchmark::Lower) => Compared::Lower,
            Some(Benchmark::NotCompared) | None => Compared::NotCompared,
        };
        let (min, q1, q3, max) = (
            others[0],
            sample_quantile(&others, 0.25),
            sample_quantile(&others, 0.75),
            others[others.len() - 1],
        );
        rows.push(SpineRow {
            label: label.clone(),
            value: e.value,
            comparator: c,
            min,
            q1,
            q3,
            max,
            compared,
            value_text: e
                .value
                .map_or_else(|| "not published".into(), |v| fixed(v, 1)),
        });
        table_rows.push(vec![
            label,
            e.period.clone(),
            opt(e.value, 1),
            fixed(c, 1),
            fixed(min, 1),
            fixed(q1, 1),
            fixed(q3, 1),
            fixed(max, 1),
            if e.compared_to_comparator.is_empty() {
                "Not compared".into()
            } else {
                e.compared_to_comparator.clone()
            },
        ]);
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"spine\" aria-labelledby=\"spine-h\">\n<h2 id=\"spine-h\">{} against {}</h2>\n<p>Where {} stands among all areas on each indicator: the centre line is {}, the bands span every area (light) and the middle half of areas (dark).</p>",
        esc(&area_name),
        esc(&comparator_name),
        esc(&area_name),
        esc(&comparator_name)
    );
    let spine_title = if indicators.len() == 1 {
        indicator_name(data, indicators[0])
    } else {
        format!("{area_name} against {comparator_name}")
    };
    let svg = levelfield_chart::spine_chart(&spine_title, &area_name, &comparator_name, &rows);
    let table = html_table(
        &format!("{area_name} against {comparator_name} and the range of areas"),
        &[
            "Indicator",
            "Period",
            &area_name,
            &comparator_name,
            "Lowest area",
            "25th percentile",
            "75th percentile",
            "Highest area",
            "Compared with the comparator",
        ],
        &[false, false, true, true, true, true, true, true, false],
        &table_rows,
    );
    figure(
        out,
        "fig-spine",
        &format!("Spine chart: {area_name} against {comparator_name}"),
        &svg,
        &table,
        None,
    );
    out.push_str("</section>\n");
}

/// The latest judgement of each action plan target, with its reasoning; the history of every
/// period is in the workbook.
fn plan_section(out: &mut String, data: &ProfileData) {
    if data.plan.is_empty() {
        return;
    }
    out.push_str("<section id=\"plans\" aria-labelledby=\"plans-h\">\n<h2 id=\"plans-h\">Action plans</h2>\n<p>Each target judged in the latest period with a judgement: <strong>met</strong> with 95% confidence, <strong>on track</strong> (the trend so far, projected to the deadline, reaches it), <strong>off track</strong>, or <strong>not yet assessable</strong> (suppressed, or too few periods). Every period's judgement is in the workbook's Action plans sheet.</p>\n");
    let mut latest: Vec<&crate::data::PlanRow> = Vec::new();
    for r in &data.plan {
        match latest
            .iter_mut()
            .find(|l| l.action_id == r.action_id && l.target == r.target)
        {
            Some(l) if r.period >= l.period => *l = r,
            Some(_) => {}
            None => latest.push(r),
        }
    }
    let rows: Vec<Vec<String>> = latest
        .iter()
        .map(|r| {
            vec![
                r.action.clone(),
                r.owner.clone(),
                r.target.clone(),
                r.deadline.clone(),
                r.verdict.clone(),
                r.reasoning.clone(),
            ]
        })
        .collect();
    out.push_str(&html_table(
        "Action plan targets, latest judgement",
        &["Action", "Owner", "Target", "Deadline", "Judgement", "Why"],
        &[false; 6],
        &rows,
    ));
    out.push_str("\n</section>\n");
}

fn determinants_section(
    out: &mut String,
    data: &ProfileData,
    associations: &[crate::associate::Association],
) {
    if associations.is_empty() {
        return;
    }
    out.push_str("<section id=\"determinants\" aria-labelledby=\"determinants-h\">\n<h2 id=\"determinants-h\">Determinants across areas</h2>\n");
    let _ = writeln!(out, "<p>{}</p>", esc(crate::associate::CAVEAT));
    for (k, a) in associations.iter().enumerate() {
        let name = indicator_name(data, &a.indicator_id);
        let unit = unit(data, &a.indicator_id);
        let _ = writeln!(
            out,
            "<h3>{} and {}, {}</h3>",
            esc(&name),
            esc(&lowercase_first(&a.determinant)),
            esc(&a.period)
        );
        let Some(fit) = &a.fit else {
            let _ = writeln!(
                out,
                "<p>Too few areas with both values ({}) to fit a line.</p>",
                a.units.len()
            );
            continue;
        };
        let r_ci = fit
            .correlation_interval
            .map(|c| format!(" (95% CI {} to {})", fixed(c.lower, 2), fixed(c.upper, 2)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<p>Across {} areas, weighted by population, each 1 more of {} goes with <strong>{} {}</strong> (95% CI {} to {}) on average. Correlation r = {}{r_ci}; R² = {}.{}</p>",
            fit.n,
            esc(&lowercase_first(&a.determinant)),
            fixed(fit.slope, 2),
            esc(&unit),
            fixed(fit.slope_interval.lower, 2),
            fixed(fit.slope_interval.upper, 2),
            fixed(fit.correlation, 2),
            fixed(fit.r_squared, 2),
            if a.left_out > 0 {
                format!(
                    " {} without both values {} left out.",
                    count(a.left_out, "area", "areas"),
                    if a.left_out == 1 { "is" } else { "are" }
                )
            } else {
                String::new()
            }
        );
        let svg = a.chart(&format!("{} areas, {}", a.units.len(), a.period), &unit);
        let rows: Vec<Vec<String>> = a
            .units
            .iter()
            .map(|u| {
                vec![
                    u.name.clone(),
                    fixed(u.x, 2),
                    fixed(u.y, 1),
                    number(u.weight),
                    fixed(u.fitted, 1),
                    fixed(u.studentised, 2),
                ]
            })
            .collect();
        let table = html_table(
            &format!(
                "{name} and {}, by area, {}",
                lowercase_first(&a.determinant),
                a.period
            ),
            &[
                "Area",
                "Determinant",
                "Value",
                "Weight",
                "Fitted",
                "Studentised residual",
            ],
            &[false, true, true, true, true, true],
            &rows,
        );
        let note = format!(
            "Weighted least squares (weights: each area's population); intervals from Student's t with {} degrees of freedom, and Fisher's z for r. Areas whose studentised residual exceeds {} in size are marked and labelled. Determinant: {}.",
            fit.n - 2,
            crate::associate::OUTLIER,
            a.source
        );
        figure(
            out,
            &format!("fig-det-{k}-{}", slug(&a.indicator_id)),
            &format!(
                "{name} against {}, {}: each area, with the population-weighted line",
                lowercase_first(&a.determinant),
                a.period
            ),
            &svg,
            &table,
            Some(&note),
        );
    }
    out.push_str("</section>\n");
}

/// An area's name: the comparator's from the meta, another's from its estimates, else its code.
fn area_name(data: &ProfileData, code: &str) -> String {
    if code == data.meta.comparator_code && !data.meta.comparator_name.is_empty() {
        return data.meta.comparator_name.clone();
    }
    data.estimates
        .iter()
        .find(|e| e.area_code == code && !e.area_name.is_empty())
        .map_or_else(|| code.to_string(), |e| e.area_name.clone())
}

fn quality_section(out: &mut String, data: &ProfileData) {
    if data.quality.is_empty() {
        return;
    }
    out.push_str("<section id=\"quality\" aria-labelledby=\"quality-h\">\n<h2 id=\"quality-h\">Data quality</h2>\n<p>How completely each field was recorded. Records without a valid value cannot be placed in a group, so a low percentage can hide or distort a gap.</p>\n");
    let rows: Vec<Vec<String>> = data
        .quality
        .iter()
        .map(|q| {
            vec![
                q.field.clone(),
                area_name(data, &q.area_code),
                q.period.clone(),
                q.records.map_or_else(String::new, number),
                q.recorded.map_or_else(String::new, number),
                q.not_stated.map_or_else(String::new, number),
                q.not_known.map_or_else(String::new, number),
                q.unrecognised.map_or_else(String::new, number),
                opt(q.percent_recorded, 1),
            ]
        })
        .collect();
    out.push_str(&html_table(
        "Recording completeness",
        &[
            "Field",
            "Area",
            "Period",
            "Records",
            "Recorded",
            "Not stated",
            "Not known",
            "Unrecognised or unaccounted",
            "% recorded",
        ],
        &[false, false, false, true, true, true, true, true, true],
        &rows,
    ));
    out.push_str("\n</section>\n");
}

fn methods_section(out: &mut String, data: &ProfileData) {
    let meta = &data.meta;
    out.push_str("<section id=\"methods\" aria-labelledby=\"methods-h\">\n<h3 id=\"methods-h\">Methods, disclosure control and sources</h3>\n<h4>Methods</h4>\n");
    if meta.methods.is_empty() {
        out.push_str("<p>Estimates, intervals, comparisons and inequality measures are computed by levelfield; the method of each figure is in its table.</p>\n");
    }
    for m in &meta.methods {
        let _ = writeln!(out, "<p>{}</p>", esc(m));
    }
    out.push_str("<h4>Disclosure control</h4>\n");
    let _ = writeln!(
        out,
        "<p>{}</p>",
        esc(if meta.disclosure.is_empty() {
            "The rule applied is recorded in every table's disclosure_rule column."
        } else {
            &meta.disclosure
        })
    );
    if !meta.caveats.is_empty() {
        out.push_str("<h4 id=\"caveats\">Caveats</h4>\n<ul>\n");
        for c in &meta.caveats {
            let _ = writeln!(out, "<li>{}</li>", esc(c));
        }
        out.push_str("</ul>\n");
    }
    if !meta.sources.is_empty() {
        out.push_str("<h4>Sources</h4>\n");
        let rows: Vec<Vec<String>> = meta
            .sources
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.title.clone(),
                    s.url.clone(),
                    s.licence.clone(),
                ]
            })
            .collect();
        out.push_str(&html_table(
            "Data sources",
            &["Id", "Source", "Address", "Licence"],
            &[false, false, false, false],
            &rows,
        ));
        out.push('\n');
    }
    for line in &meta.attribution {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", esc(line));
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figure_style_is_the_report_style_without_its_page() {
        assert!(CSS.contains(FIGURES_CSS));
        assert!(FIGURES_CSS.contains("figure.chart") && FIGURES_CSS.contains("td.n"));
        for page in [
            "body {",
            "header, main, footer, nav",
            "footer {",
            "@media print",
            "h1 {",
        ] {
            assert!(CSS.contains(page) && !FIGURES_CSS.contains(page), "{page}");
        }
    }

    #[test]
    fn midpoint_ranks_follow_population_shares() {
        let r = midpoint_ranks(&[Some(1.0), Some(1.0), Some(2.0)]);
        for (a, b) in r.iter().zip([0.125, 0.375, 0.75]) {
            assert!((a - b).abs() < 1e-12, "{r:?}");
        }
        // A missing denominator: equal shares.
        let r = midpoint_ranks(&[Some(1.0), None]);
        assert_eq!(r, [0.25, 0.75]);
    }

    #[test]
    fn identical_charts_in_one_page_have_their_own_ids() {
        let points = [GroupPoint {
            label: "Black".into(),
            value: None,
            lower: None,
            upper: None,
            highlight: false,
        }];
        let svg = levelfield_chart::dot_whisker("All suppressed", "Rate", &points, None);
        let mut page = String::new();
        figure(&mut page, "fig-a", "A", &svg, "", None);
        figure(&mut page, "fig-b", "B", &svg, "", None);
        let ids: Vec<&str> = page
            .split("id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert_eq!(ids.len(), 6, "{ids:?}");
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[i + 1..].contains(id), "{id} twice in {ids:?}");
        }
        assert!(page.contains(r#"aria-labelledby="fig-b-chart-t fig-b-chart-d""#));
        assert!(page.contains(r#"<title id="fig-b-chart-t">"#));
    }
}
