//! Determinants: the association across areas between an area-level determinant (deprivation,
//! smoking prevalence, the make-up of the population…) and an indicator. [`rows`] joins an
//! indicator's area estimates to the determinant's values; [`determinant_values`] reads those
//! from a plain table or a Fingertips download; [`fit`] fits the population-weighted line
//! (`levelfield_stats::regression`) and marks the areas it fits worst.
//!
//! An association across areas says nothing certain about people: an area-level slope can
//! differ in size and even in sign from the individual-level one (the ecological fallacy), and
//! areas differ in many things at once. [`CAVEAT`] says so wherever a fit is shown.

use std::collections::BTreeMap;

use levelfield_stats::{
    ConfidenceLevel,
    regression::{Fit, weighted_least_squares},
};
use levelfield_table::Table;

use crate::{ProfileData, data::AssociationRow, schema::OVERALL};

/// Shown with every association.
pub const CAVEAT: &str = "This is an association across areas, not an effect on people: areas with more of the determinant may differ in many other ways, and a slope across areas can differ in size or even in direction from the one among individuals (the ecological fallacy). It does not show that changing the determinant would change the indicator.";

/// A studentised residual beyond this marks an area the line fits poorly.
pub const OUTLIER: f64 = 2.0;

/// One area against the fitted line.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// Area code.
    pub code: String,
    /// Area name.
    pub name: String,
    /// Determinant.
    pub x: f64,
    /// Indicator.
    pub y: f64,
    /// Weight.
    pub weight: f64,
    /// Fitted value.
    pub fitted: f64,
    /// Studentised residual.
    pub studentised: f64,
    /// Beyond [`OUTLIER`].
    pub outlier: bool,
}

/// A fitted association.
#[derive(Clone, Debug, PartialEq)]
pub struct Association {
    /// Indicator id.
    pub indicator_id: String,
    /// Determinant (with its unit).
    pub determinant: String,
    /// Period.
    pub period: String,
    /// Where the determinant comes from.
    pub source: String,
    /// The areas in the fit.
    pub units: Vec<Unit>,
    /// Areas left out for a missing value or weight.
    pub left_out: usize,
    /// The fit, when there are at least three areas with different determinant values.
    pub fit: Option<Fit>,
}

impl Association {
    /// The typical distance of an area's value from the fitted line, in the indicator's own
    /// units (a rate's "per 100,000", a percentage's points).
    ///
    /// # Method
    /// The fit weights each area by its population, so its residual standard deviation `σ`
    /// (at weight 1) is on the scale of one person, not of a rate; this is the weighted root
    /// mean square residual instead.
    ///
    /// # Formula
    /// `√(Σ wᵢeᵢ² / Σ wᵢ · n / (n − 2)) = σ / √w̄`, with `eᵢ` the residuals, `w̄` the mean weight
    /// and `n − 2` the residual degrees of freedom.
    ///
    /// # References
    /// Draper, N. R. & Smith, H. (1998), *Applied Regression Analysis*, 3rd ed., ch. 9
    /// (weighted least squares: the residual variance at unit weight).
    ///
    /// # Edge cases
    /// `None` without a fit (fewer than three areas, or all at one determinant value).
    pub fn residual_sd(&self) -> Option<f64> {
        let fit = self.fit.as_ref()?;
        let n = self.units.len() as f64;
        let mean_weight = self.units.iter().map(|u| u.weight).sum::<f64>() / n;
        (mean_weight > 0.0).then(|| fit.residual_sd / mean_weight.sqrt())
    }

    /// The scatter chart of the areas with the fitted line, the poorly fitted areas labelled.
    pub fn chart(&self, title: &str, y_label: &str) -> String {
        let units: Vec<levelfield_chart::FunnelUnit> = self
            .units
            .iter()
            .map(|u| levelfield_chart::FunnelUnit {
                label: u.name.clone(),
                size: u.x,
                value: u.y,
                outlier: u.outlier,
            })
            .collect();
        levelfield_chart::scatter(
            title,
            &self.determinant,
            y_label,
            &units,
            self.fit.as_ref().map(|f| (f.intercept, f.slope)),
        )
    }
}

/// Fits every association in `data`, one per indicator, determinant and period, in the order
/// they first appear. Areas without a value, a determinant value or a positive weight are
/// counted as left out.
pub fn fit(data: &ProfileData) -> Vec<Association> {
    type Key = (String, String, String);
    let mut groups: Vec<(Key, Vec<&AssociationRow>)> = Vec::new();
    for r in &data.associations {
        let key = (
            r.indicator_id.clone(),
            r.determinant.clone(),
            r.period.clone(),
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let level = ConfidenceLevel::new(0.95).expect("95 % is accepted");
    groups
        .into_iter()
        .map(|((indicator_id, determinant, period), rows)| {
            let used: Vec<&AssociationRow> = rows
                .iter()
                .copied()
                .filter(|r| {
                    r.determinant_value.is_some_and(f64::is_finite)
                        && r.value.is_some_and(f64::is_finite)
                        && r.weight.is_some_and(|w| w.is_finite() && w > 0.0)
                })
                .collect();
            let x: Vec<f64> = used.iter().filter_map(|r| r.determinant_value).collect();
            let y: Vec<f64> = used.iter().filter_map(|r| r.value).collect();
            let w: Vec<f64> = used.iter().filter_map(|r| r.weight).collect();
            let fit = weighted_least_squares(&x, &y, &w, level).ok();
            let units = used
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let res = fit.as_ref().map(|f| f.residuals[i]);
                    let studentised = res.map_or(0.0, |e| e.studentised);
                    Unit {
                        code: r.area_code.clone(),
                        name: if r.area_name.is_empty() {
                            r.area_code.clone()
                        } else {
                            r.area_name.clone()
                        },
                        x: x[i],
                        y: y[i],
                        weight: w[i],
                        fitted: res.map_or(f64::NAN, |e| e.fitted),
                        studentised,
                        outlier: studentised.abs() > OUTLIER,
                    }
                })
                .collect();
            Association {
                indicator_id,
                determinant,
                period,
                source: rows.first().map(|r| r.source.clone()).unwrap_or_default(),
                left_out: rows.len() - used.len(),
                units,
                fit,
            }
        })
        .collect()
}

/// The rows of an association: each area's estimate of `indicator` (the overall row, in
/// `period`, leaving out the comparator) beside the determinant's value for the area, weighted
/// by the estimate's denominator. Areas with a determinant value but no estimate, or the
/// reverse, come with the missing side empty (and are left out of the fit).
pub fn rows(
    data: &ProfileData,
    indicator: &str,
    period: &str,
    determinant: &str,
    source: &str,
    values: &BTreeMap<String, f64>,
) -> Vec<AssociationRow> {
    let comparator = data.comparator_code();
    let mut out: Vec<AssociationRow> = data
        .estimates
        .iter()
        .filter(|e| {
            e.indicator_id == indicator
                && e.period == period
                && e.dimension == OVERALL
                && e.area_code != comparator
        })
        .map(|e| AssociationRow {
            indicator_id: indicator.into(),
            determinant: determinant.into(),
            period: period.into(),
            area_code: e.area_code.clone(),
            area_name: e.area_name.clone(),
            determinant_value: values.get(&e.area_code).copied(),
            value: if e.suppressed { None } else { e.value },
            weight: e.denominator,
            source: source.into(),
        })
        .collect();
    for (code, v) in values {
        if code != &comparator && !out.iter().any(|r| &r.area_code == code) {
            out.push(AssociationRow {
                indicator_id: indicator.into(),
                determinant: determinant.into(),
                period: period.into(),
                area_code: code.clone(),
                determinant_value: Some(*v),
                source: source.into(),
                ..AssociationRow::default()
            });
        }
    }
    out
}

/// A determinant's value for each area from a table: a plain table with an area-code column
/// (`area_code`, else `Area Code`) and the value column, or a Fingertips download (columns
/// `Area Code`, `Time period`, `Category Type`, `Sex`, `Value`), whose rows are narrowed to
/// those without a category, the latest period (or `period`), `Persons` where several sexes
/// remain, and any `filters` (column, value) given.
///
/// # Errors
/// A message naming the column that is missing, a value that is not a number, or an area with
/// more than one value left after the narrowing (and the filter that would settle it).
pub fn determinant_values(
    table: &Table,
    column: &str,
    period: Option<&str>,
    filters: &[(String, String)],
) -> Result<BTreeMap<String, f64>, String> {
    let source = table.source_name();
    let col = |name: &str| table.index(name).ok();
    let area = col("area_code")
        .or_else(|| col("Area Code"))
        .ok_or_else(|| {
            format!("{source}: no `area_code` or `Area Code` column to join areas on")
        })?;
    let value = col(column).ok_or_else(|| {
        format!(
            "{source}: no column `{column}`; the columns are {}",
            table.names().join(", ")
        )
    })?;
    let text = |c: usize, r: usize| table.text(c, r).trim().to_string();
    let mut keep: Vec<usize> = (0..table.n_rows()).collect();
    for (name, wanted) in filters {
        let c = col(name).ok_or_else(|| format!("{source}: no column `{name}` to filter on"))?;
        keep.retain(|&r| text(c, r) == *wanted);
    }
    if let Some(c) = col("Category Type") {
        keep.retain(|&r| text(c, r).is_empty());
    }
    if let Some(c) = col("Time period") {
        let chosen = match period {
            Some(p) => p.to_string(),
            None => keep.iter().map(|&r| text(c, r)).max().unwrap_or_default(),
        };
        keep.retain(|&r| text(c, r) == chosen);
    }
    if let Some(c) = col("Sex") {
        let mut per_area: BTreeMap<String, usize> = BTreeMap::new();
        for &r in &keep {
            *per_area.entry(text(area, r)).or_default() += 1;
        }
        if per_area.values().any(|n| *n > 1) {
            keep.retain(|&r| text(c, r) == "Persons" || per_area[&text(area, r)] == 1);
        }
    }
    let mut out = BTreeMap::new();
    for r in keep {
        let code = text(area, r);
        let cell = text(value, r);
        if code.is_empty() || levelfield_table::is_missing_token(&cell) {
            continue;
        }
        let v: f64 = cell.parse().map_err(|_| {
            format!(
                "{source}: row {}, column `{column}`: `{cell}` is not a number",
                r + 2
            )
        })?;
        if out.insert(code.clone(), v).is_some() {
            return Err(format!(
                "{source}: area {code} has more than one `{column}` value; narrow the rows with --determinant-filter COLUMN=VALUE (e.g. Sex=Persons or Age=\"All ages\")"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::EstimateRow;
    use levelfield_table::Column;

    fn estimate(code: &str, value: f64, denominator: f64) -> EstimateRow {
        EstimateRow {
            indicator_id: "det".into(),
            area_code: code.into(),
            area_name: format!("Area {code}"),
            period: "2024-25".into(),
            dimension: OVERALL.into(),
            value: Some(value),
            denominator: Some(denominator),
            comparator: "All".into(),
            ..EstimateRow::default()
        }
    }

    #[test]
    fn rows_join_areas_and_the_fit_marks_outliers() {
        let mut data = ProfileData::default();
        data.meta.comparator_code = "ALL".into();
        let pairs = [
            (1.0, 10.0),
            (2.0, 12.1),
            (3.0, 13.9),
            (4.0, 16.2),
            (5.0, 17.8),
            (6.0, 20.1),
            (7.0, 22.0),
            (8.0, 23.9),
            (9.0, 60.0),
            (10.0, 28.1),
        ];
        for (k, (_, y)) in pairs.iter().enumerate() {
            data.estimates.push(estimate(&format!("E{k}"), *y, 1000.0));
        }
        data.estimates.push(estimate("ALL", 20.0, 10_000.0));
        let mut values: BTreeMap<String, f64> = pairs
            .iter()
            .enumerate()
            .map(|(k, (x, _))| (format!("E{k}"), *x))
            .collect();
        values.insert("E99".into(), 4.0); // no estimate: left out
        data.associations = rows(&data, "det", "2024-25", "Score", "test", &values);
        assert_eq!(data.associations.len(), 11);
        let fitted = fit(&data);
        assert_eq!(fitted.len(), 1);
        let a = &fitted[0];
        assert_eq!((a.units.len(), a.left_out), (10, 1));
        let outliers: Vec<&str> = a
            .units
            .iter()
            .filter(|u| u.outlier)
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(outliers, ["E8"]);
        assert!(a.fit.as_ref().unwrap().slope > 0.0);
    }

    /// The residual SD is in the indicator's units: the plain residual SD when areas weigh
    /// the same, and unchanged when every population is multiplied (the fit's own σ at unit
    /// weight grows with the square root of the weights).
    #[test]
    fn the_residual_sd_is_on_the_indicators_scale() {
        let fitted = |scale: f64| {
            let mut data = ProfileData::default();
            data.meta.comparator_code = "ALL".into();
            let ys = [10.0, 12.5, 13.0, 17.0, 17.5, 21.0];
            for (k, y) in ys.iter().enumerate() {
                data.estimates
                    .push(estimate(&format!("E{k}"), *y, 1000.0 * scale));
            }
            let values: BTreeMap<String, f64> =
                (0..ys.len()).map(|k| (format!("E{k}"), k as f64)).collect();
            data.associations = rows(&data, "det", "2024-25", "Score", "test", &values);
            fit(&data).remove(0)
        };
        let a = fitted(1.0);
        let n = a.units.len() as f64;
        let plain = (a
            .units
            .iter()
            .map(|u| (u.y - u.fitted).powi(2))
            .sum::<f64>()
            / (n - 2.0))
            .sqrt();
        let sd = a.residual_sd().unwrap();
        assert!((sd - plain).abs() < 1e-12 * plain, "{sd} vs {plain}");
        assert!(a.fit.as_ref().unwrap().residual_sd > 30.0 * plain);
        let b = fitted(1000.0);
        assert!((b.residual_sd().unwrap() - sd).abs() < 1e-9 * sd);
    }

    #[test]
    fn fingertips_downloads_are_narrowed_to_one_value_per_area() {
        let mut t = Table::with_rows(6);
        let col = |cells: [&str; 6]| Column::from_strings(cells);
        t.push("Area Code", col(["E1", "E1", "E1", "E2", "E2", "E1"]))
            .unwrap();
        t.push(
            "Time period",
            col(["2022", "2023", "2023", "2023", "2023", "2023"]),
        )
        .unwrap();
        t.push(
            "Sex",
            col(["Persons", "Persons", "Male", "Persons", "Female", "Persons"]),
        )
        .unwrap();
        t.push("Category Type", col(["", "", "", "", "", "Ethnic groups"]))
            .unwrap();
        t.push("Value", col(["1.5", "2.5", "3.5", "4.5", "5.5", "9.9"]))
            .unwrap();
        let v = determinant_values(&t, "Value", None, &[]).unwrap();
        assert_eq!(v, BTreeMap::from([("E1".into(), 2.5), ("E2".into(), 4.5)]));
        let v = determinant_values(&t, "Value", Some("2022"), &[]).unwrap();
        assert_eq!(v, BTreeMap::from([("E1".into(), 1.5)]));
        let v = determinant_values(&t, "Value", None, &[("Sex".into(), "Male".into())]).unwrap();
        assert_eq!(v, BTreeMap::from([("E1".into(), 3.5)]));
        assert!(
            determinant_values(&t, "Nope", None, &[])
                .unwrap_err()
                .contains("no column `Nope`")
        );
    }
}
