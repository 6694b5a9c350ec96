//! `levelfield._native`: the statistics of `levelfield stats` for Python. Tables arrive and
//! leave through the Arrow C stream interface (`__arrow_c_stream__`), so pandas, Polars and
//! PyArrow tables cross without a copy of their buffers; the Python package `levelfield` wraps
//! these functions with keyword-only signatures, conversions and docstrings.

mod frame;
mod groups;
mod output;
mod stats;

use arrow_array::RecordBatch;
use pyo3::{exceptions::PyValueError, prelude::*, types::PyDict};
use pyo3_arrow::PyTable;

use crate::{
    frame::{Frame, Problem},
    stats::{DsrOptions, Invert, IsrKind, IsrOptions, RatioKind, RatioOptions, SiiOptions},
};

/// A [`Problem`] as `levelfield.InputError` (with `row` and `column`), or a `ValueError` if the
/// Python package is not importable.
fn raise(py: Python<'_>, problem: Problem) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let class = py.import("levelfield._errors")?.getattr("InputError")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("row", problem.row)?;
        kwargs.set_item("column", problem.column.clone())?;
        let instance = class.call((problem.message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    })();
    made.unwrap_or_else(|_| PyValueError::new_err(problem.message))
}

/// The input as one record batch.
fn frame(py: Python<'_>, table: PyTable) -> PyResult<Frame> {
    let (batches, schema) = table.into_inner();
    let batch = match batches.len() {
        1 => batches.into_iter().next().expect("one batch"),
        _ => arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| {
            raise(
                py,
                Problem::new(format!("cannot combine the table's parts: {e}")),
            )
        })?,
    };
    if batch.num_rows() == 0 {
        return Err(raise(
            py,
            Problem::new("the table has no rows; give a table with at least one row"),
        ));
    }
    Ok(Frame { batch })
}

/// Runs `work` without holding the interpreter lock and returns its table as a `pyarrow.Table`.
fn run<'py>(
    py: Python<'py>,
    table: PyTable,
    work: impl FnOnce(&Frame) -> Result<RecordBatch, Problem> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let frame = frame(py, table)?;
    let result = py.detach(|| work(&frame));
    let batch = result.map_err(|p| raise(py, p))?;
    let schema = batch.schema();
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}

fn levels(py: Python<'_>, confidence: &[f64]) -> PyResult<Vec<levelfield_stats::ConfidenceLevel>> {
    stats::levels(confidence).map_err(|p| raise(py, p))
}

/// Proportions with Wilson score intervals (see `levelfield.stats.proportion`).
#[pyfunction]
#[pyo3(signature = (table, numerator, denominator, group_by, confidence, multiplier))]
fn proportion<'py>(
    py: Python<'py>,
    table: PyTable,
    numerator: &str,
    denominator: &str,
    group_by: Vec<String>,
    confidence: Vec<f64>,
    multiplier: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    run(py, table, |f| {
        stats::ratio(
            f,
            RatioKind::Proportion,
            &RatioOptions {
                numerator,
                denominator,
                group_by: &group_by,
                levels: &levels,
                multiplier,
            },
        )
    })
}

/// Crude rates with exact Poisson or Byar's intervals (see `levelfield.stats.rate`).
#[pyfunction]
#[pyo3(signature = (table, numerator, denominator, group_by, confidence, multiplier))]
fn rate<'py>(
    py: Python<'py>,
    table: PyTable,
    numerator: &str,
    denominator: &str,
    group_by: Vec<String>,
    confidence: Vec<f64>,
    multiplier: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    run(py, table, |f| {
        stats::ratio(
            f,
            RatioKind::Rate,
            &RatioOptions {
                numerator,
                denominator,
                group_by: &group_by,
                levels: &levels,
                multiplier,
            },
        )
    })
}

/// Means with Student's t intervals (see `levelfield.stats.mean`).
#[pyfunction]
#[pyo3(signature = (table, value, group_by, confidence))]
fn mean<'py>(
    py: Python<'py>,
    table: PyTable,
    value: &str,
    group_by: Vec<String>,
    confidence: Vec<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    run(py, table, |f| stats::mean(f, value, &group_by, &levels))
}

/// Directly standardised rates (see `levelfield.stats.dsr`).
#[pyfunction]
#[pyo3(signature = (table, numerator, denominator, standard_population, age_band, event_frequency, group_by, confidence, multiplier))]
#[allow(clippy::too_many_arguments)]
fn dsr<'py>(
    py: Python<'py>,
    table: PyTable,
    numerator: &str,
    denominator: &str,
    standard_population: &str,
    age_band: Option<&str>,
    event_frequency: Option<&str>,
    group_by: Vec<String>,
    confidence: Vec<f64>,
    multiplier: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    run(py, table, |f| {
        stats::dsr(
            f,
            &DsrOptions {
                numerator,
                denominator,
                standard_population,
                age_band,
                event_frequency,
                group_by: &group_by,
                levels: &levels,
                multiplier,
            },
        )
    })
}

/// Indirectly standardised ratios or rates (see `levelfield.stats.isratio` and `israte`).
#[pyfunction]
#[pyo3(signature = (table, rate, numerator, denominator, reference_numerator, reference_denominator, age_band, observed_totals, group_by, confidence, reference_value, multiplier))]
#[allow(clippy::too_many_arguments)]
fn isr<'py>(
    py: Python<'py>,
    table: PyTable,
    rate: bool,
    numerator: &str,
    denominator: &str,
    reference_numerator: &str,
    reference_denominator: &str,
    age_band: Option<&str>,
    observed_totals: Option<Vec<(Vec<String>, Option<f64>)>>,
    group_by: Vec<String>,
    confidence: Vec<f64>,
    reference_value: Option<f64>,
    multiplier: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    let kind = if rate { IsrKind::Rate } else { IsrKind::Ratio };
    run(py, table, |f| {
        stats::isr(
            f,
            kind,
            &IsrOptions {
                numerator,
                denominator,
                reference_numerator,
                reference_denominator,
                age_band,
                observed_totals,
                group_by: &group_by,
                levels: &levels,
                reference_value,
                multiplier,
            },
        )
    })
}

/// Quantiles within groups (see `levelfield.stats.quantile`).
#[pyfunction]
#[pyo3(signature = (table, value, quantiles, invert, invert_column, group_by))]
fn quantile<'py>(
    py: Python<'py>,
    table: PyTable,
    value: &str,
    quantiles: u32,
    invert: bool,
    invert_column: Option<&str>,
    group_by: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let how = match invert_column {
        Some(c) => Invert::Column(c),
        None => Invert::All(invert),
    };
    run(py, table, |f| {
        stats::quantile(f, value, quantiles, how, &group_by)
    })
}

/// Life expectancy by age band (see `levelfield.stats.life_expectancy`).
#[pyfunction]
#[pyo3(signature = (table, numerator, denominator, age_band, group_by, confidence))]
fn life_expectancy<'py>(
    py: Python<'py>,
    table: PyTable,
    numerator: &str,
    denominator: &str,
    age_band: &str,
    group_by: Vec<String>,
    confidence: Vec<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    run(py, table, |f| {
        stats::life_expectancy(f, numerator, denominator, age_band, &group_by, &levels)
    })
}

/// The slope and relative index of inequality (see `levelfield.stats.sii`).
#[pyfunction]
#[pyo3(signature = (table, value, numerator, se, lower, upper, population, quantile, value_type, transform, multiplier, rii, intercept, exact, repetitions, seed, group_by, confidence))]
#[allow(clippy::too_many_arguments)]
fn sii<'py>(
    py: Python<'py>,
    table: PyTable,
    value: Option<&str>,
    numerator: Option<&str>,
    se: Option<&str>,
    lower: Option<&str>,
    upper: Option<&str>,
    population: &str,
    quantile: &str,
    value_type: &str,
    transform: bool,
    multiplier: f64,
    rii: bool,
    intercept: bool,
    exact: bool,
    repetitions: usize,
    seed: u64,
    group_by: Vec<String>,
    confidence: Vec<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let levels = levels(py, &confidence)?;
    let limits = match (lower, upper) {
        (Some(l), Some(u)) => Some((l, u)),
        (None, None) => None,
        _ => {
            return Err(raise(
                py,
                Problem::new("give lower and upper together (the 95% limits of each value)"),
            ));
        }
    };
    run(py, table, |f| {
        stats::sii(
            f,
            &SiiOptions {
                value,
                numerator,
                se,
                limits,
                population,
                quantile,
                value_type,
                transform,
                multiplier,
                rii,
                intercept,
                exact,
                repetitions,
                seed,
                group_by: &group_by,
                levels: &levels,
            },
        )
    })
}

/// The report's dot-and-whisker chart (SVG) of one value and interval per group.
#[pyfunction]
#[pyo3(signature = (title, x_label, labels, values, lower, upper))]
fn dot_whisker(
    title: &str,
    x_label: &str,
    labels: Vec<String>,
    values: Vec<Option<f64>>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
) -> PyResult<String> {
    let n = labels.len();
    if values.len() != n || lower.len() != n || upper.len() != n {
        return Err(PyValueError::new_err(
            "labels, values, lower and upper must have the same length",
        ));
    }
    let points: Vec<levelfield_chart::GroupPoint> = (0..n)
        .map(|i| levelfield_chart::GroupPoint {
            label: labels[i].clone(),
            value: values[i],
            lower: lower[i],
            upper: upper[i],
            highlight: false,
        })
        .collect();
    Ok(levelfield_chart::dot_whisker(title, x_label, &points, None))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(proportion, m)?)?;
    m.add_function(wrap_pyfunction!(rate, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add_function(wrap_pyfunction!(dsr, m)?)?;
    m.add_function(wrap_pyfunction!(isr, m)?)?;
    m.add_function(wrap_pyfunction!(quantile, m)?)?;
    m.add_function(wrap_pyfunction!(life_expectancy, m)?)?;
    m.add_function(wrap_pyfunction!(sii, m)?)?;
    m.add_function(wrap_pyfunction!(dot_whisker, m)?)?;
    Ok(())
}
