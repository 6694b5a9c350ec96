"""Notebook display: a statistic's result as the report's dot-and-whisker chart."""

import pyarrow as pa
import pytest

import levelfield
from conftest import ROOT, as_kind, read_arrow


def test_a_result_draws_as_the_reports_chart(kind, tmp_path):
    data = as_kind(read_arrow(ROOT / "data" / "mha_2023_24_england_ethnicity.csv"), kind)
    result = levelfield.stats.rate(data, numerator="count", denominator="population",
                                   group_by=["measure", "ethnic_group"], confidence=[0.95, 0.998])
    chart = levelfield.chart(result)
    svg = chart.svg
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "rate per 100000" in svg
    for measure, group in zip(result.column("measure").to_pylist(),
                              result.column("ethnic_group").to_pylist()):
        assert f"{measure} · {group}"[:20] in svg
    assert chart._repr_svg_() == svg and svg in chart._repr_html_()
    wider = levelfield.chart(result, confidence=99.8, label="ethnic_group")
    assert wider.svg != svg and "99.8% interval" in wider.svg
    chart.save(tmp_path / "c.svg")
    assert (tmp_path / "c.svg").read_text(encoding="utf-8") == svg


def test_a_chart_needs_the_level_the_result_has():
    result = levelfield.stats.proportion(pa.table({"g": ["a"], "x": [1], "n": [2]}),
                                         numerator="x", denominator="n", group_by="g")
    with pytest.raises(levelfield.InputError, match="lower_ci_99_8"):
        levelfield.chart(result, confidence=0.998)
    with pytest.raises(levelfield.InputError, match="no column `area`"):
        levelfield.chart(result, label="area")
