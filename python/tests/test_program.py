"""Profiles and the table commands, which run the ``levelfield`` program. scripts/test.sh sets
LEVELFIELD_BIN to the binary the Rust tests built; without it these tests are skipped (the
program is not part of the Python package's build)."""

import csv
import html
import os
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import levelfield
from conftest import PHE, ROOT, as_kind, number, read_arrow, read_rows

BINARY = os.environ.get("LEVELFIELD_BIN")
needs_program = pytest.mark.skipif(not BINARY, reason="LEVELFIELD_BIN is not set")


def test_the_program_given_must_exist(tmp_path):
    with pytest.raises(levelfield.RunError, match="not an executable levelfield program"):
        levelfield.profile("pcref", out=tmp_path / "p", binary=tmp_path / "nothing")


def fake_program(tmp_path, code, message):
    """A stand-in program that fails as levelfield does (message on stderr, exit code), to
    check how failures map to exceptions without the real binary."""
    path = tmp_path / "levelfield"
    path.write_text(f"#!{sys.executable}\nimport sys\n"
                    f"sys.stderr.write({message!r} + '\\n')\nsys.exit({code})\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_exit_code_2_is_an_input_error_naming_the_row_from_0(tmp_path, monkeypatch):
    # The wrapper replaces its temporary input path with "the table" and counts rows from 0.
    seen = {}

    def fake_run(binary, args, hide):
        seen["args"] = args
        source = args[args.index("--input") + 1]
        path = fake_program(tmp_path, 2,
                            f"levelfield: error: {source}: row 3, column `x`: numerator -1 is negative")
        return real_run(path, args, hide)

    from levelfield import _cli
    real_run = _cli._run
    monkeypatch.setattr(_cli, "_run", fake_run)
    table = pa.table({"g": ["a", "b"], "x": [1, 2]})
    with pytest.raises(levelfield.InputError) as e:
        levelfield.suppress(table, rule="nhs-mha", count=["x"], group_by="g")
    assert (e.value.row, e.value.column) == (2, "x")
    assert str(e.value) == "the table: row 2 (0-based), column `x`: numerator -1 is negative"
    args = seen["args"]
    assert args[0] == "suppress"
    assert args[args.index("--rule") + 1] == "nhs-mha"
    assert args[args.index("--count") + 1] == "x"
    assert args[args.index("--group-by") + 1] == "g"
    assert "--suppress-zero" not in args


def test_a_file_named_by_the_program_is_the_errors_file(tmp_path):
    program = fake_program(tmp_path, 2, "levelfield: error: data/events.csv: row 7, column "
                                        "`age`: `old` is not a number")
    with pytest.raises(levelfield.InputError) as e:
        levelfield.profile("spec.toml", out=tmp_path / "p", binary=program)
    assert (e.value.file, e.value.row, e.value.column) == ("data/events.csv", 6, "age")
    assert str(e.value) == "data/events.csv: row 7, column `age`: `old` is not a number"


def test_other_failures_are_run_errors(tmp_path):
    program = fake_program(tmp_path, 1, "levelfield: error: could not write the results: disk full")
    with pytest.raises(levelfield.RunError, match="could not write the results: disk full"):
        levelfield.profile("pcref", out=tmp_path / "p", binary=program)


def as_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return str(v)


def assert_same_as_program(result, args, tmp_path, data):
    """The function's result equals the program's own CSV output for the same call."""
    source = tmp_path / "direct.csv"
    target = tmp_path / "direct_out.csv"
    pacsv.write_csv(data if isinstance(data, pa.Table) else pa.table(data), source)
    subprocess.run([BINARY, *args, "--input", str(source), "--output", str(target)], check=True)
    with open(target, newline="", encoding="utf-8") as f:
        theirs = list(csv.DictReader(f))
    assert result.column_names == list(theirs[0].keys())
    assert result.num_rows == len(theirs)
    for o, t in zip(result.to_pylist(), theirs):
        for c in result.column_names:
            a, b = as_text(o[c]), t[c]
            try:
                assert float(a) == pytest.approx(float(b), rel=1e-12), c
            except ValueError:
                assert a == b, c


@needs_program
def test_profile_runs_the_program_and_reads_the_folder(tmp_path):
    synth = tmp_path / "synth"
    subprocess.run([BINARY, "synth", "--rows", "30000", "--areas", "12", "--out", str(synth)],
                   check=True)
    p = levelfield.profile(synth / "profile.toml", out=tmp_path / "profile", report=True)
    assert isinstance(p, levelfield.Profile)
    assert "estimates" in p.table_names
    estimates = p["estimates"]
    assert estimates.num_rows > 0 and "value" in estimates.column_names
    page = p._repr_html_()
    assert "<code>estimates</code>" in page and "report.html" in page
    assert html.escape(str(p.meta["title"])) in page


@needs_program
def test_profile_of_a_missing_spec_is_an_input_error(tmp_path):
    with pytest.raises(levelfield.InputError, match="no such spec file"):
        levelfield.profile(tmp_path / "missing.toml", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@needs_program
def test_funnel_limits_for_proportions_equal_phe(kind):
    data = as_kind(read_arrow(PHE / "in_funnel_prop.csv"), kind)
    ours = levelfield.funnel(data, kind="limits", statistic="proportion", numerator="numerator",
                             denominator="denominator", multiplier=100).to_pylist()
    theirs = read_rows(PHE / "out_funnel_prop__limits_m100.csv")
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        for col in ["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit",
                    "upper_3s_limit", "baseline"]:
            assert o[col] == pytest.approx(number(t[col]), rel=1e-9, abs=1e-300), col
        assert (o["statistic"], o["method"]) == (t["statistic"], t["method"])


@needs_program
def test_funnel_reference_errors():
    with pytest.raises(levelfield.InputError) as e:
        levelfield.funnel(pa.table({"unit": ["A", "B"], "o": [3, None], "n": [10, 20]}),
                          kind="significance", statistic="proportion", numerator="o",
                          denominator="n")
    assert "must be given for every row" in str(e.value) and e.value.row == 1
    with pytest.raises(levelfield.InputError) as e:
        levelfield.funnel(pa.table({"unit": ["A", "B"], "x": [3, 0], "rate": [30.0, None]}),
                          kind="limits", statistic="rate", rate_type="crude", numerator="x",
                          rate="rate", years_of_data=1)
    assert "0 events the denominator must be given" in str(e.value) and e.value.row == 1


@needs_program
def test_compare_gives_exact_rate_ratios(kind):
    data = read_arrow(ROOT / "data" / "mha_2023_24_england_ethnicity.csv")
    out = levelfield.compare(as_kind(data, kind), group="ethnic_group", reference="White",
                             numerator="count", denominator="population", statistic="rate",
                             group_by="measure", polarity="adverse")
    assert out.num_rows == 12
    black = [r for r in out.to_pylist() if r["measure"] == "detentions"
             and r["ethnic_group"] == "Black or Black British"][0]
    want = (5693 / 2382008) / (31735 / 45661871)
    assert black["ratio"] == pytest.approx(want, rel=1e-12)
    assert black["ratio_lower_ci_95_0"] < want < black["ratio_upper_ci_95_0"]
    assert as_text(black["significant"]) == "TRUE"
    assert float(black["rank"]) == 1


@needs_program
def test_inequality_spc_and_suppress_equal_the_program(tmp_path):
    data = read_arrow(ROOT / "data" / "mha_2023_24_england_ethnicity.csv")
    # The output's `measure` column names the inequality measure: the file's is renamed.
    data = data.rename_columns(["indicator" if n == "measure" else n for n in data.column_names])
    args = ["--group", "ethnic_group", "--numerator", "count", "--denominator", "population",
            "--population", "population", "--dimension-type", "unordered", "--polarity",
            "adverse", "--group-by", "indicator", "--value", "published_crude_rate"]
    out = levelfield.inequality(data, group="ethnic_group", numerator="count",
                                denominator="population", population="population",
                                dimension_type="unordered", polarity="adverse",
                                group_by="indicator", value="published_crude_rate")
    assert out.num_rows > 0
    assert_same_as_program(out, ["inequality", *args], tmp_path, data)

    series = pa.table({"month": [f"2024-{m:02d}" for m in range(1, 13)] * 2,
                       "ward": ["A"] * 12 + ["B"] * 12,
                       "falls": [5, 7, 6, 8, 5, 6, 7, 9, 12, 13, 14, 15] * 2})
    out = levelfield.spc(series, period="month", value="falls", group_by="ward",
                         improvement="decrease")
    assert out.num_rows == 24
    assert_same_as_program(out, ["spc", "--period", "month", "--value", "falls", "--group-by",
                                 "ward", "--improvement", "decrease"], tmp_path, series)

    counts = pa.table({"area": ["A", "A", "A", "B", "B", "B"],
                       "group": ["x", "y", "z", "x", "y", "z"],
                       "n": [3, 40, 51, 12, 2, 77]})
    out = levelfield.suppress(counts, rule="nhs-mha", count="n", group_by="area")
    assert_same_as_program(out, ["suppress", "--rule", "nhs-mha", "--count", "n", "--group-by",
                                 "area"], tmp_path, counts)
    shown = dict(zip(zip(out.column("area").to_pylist(), out.column("group").to_pylist()),
                     out.column("n").to_pylist()))
    # Counts below 5 are not published.
    assert as_text(shown[("A", "x")]) not in ("3", "3.0")
    assert as_text(shown[("B", "y")]) not in ("2", "2.0")


def test_a_profile_folder_reads_its_tables_and_shows_a_summary(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.json").write_text('{"title": "Equality <profile> & more"}', encoding="utf-8")
    (folder / "estimates.csv").write_text(
        'area_code,imd_decile,numerator,value,note\n'
        'E01,01,3,1.5,\nE02,10,4,2e-3,"a, b"\nE03,,5,,x\n', encoding="utf-8")
    (folder / "trends.csv").write_text("indicator,slope\na,0.5\n", encoding="utf-8")
    p = levelfield.Profile(folder)
    assert p.table_names == ["estimates", "trends"]
    t = p["estimates"]
    assert t.column("area_code").to_pylist() == ["E01", "E02", "E03"]
    assert t.column("imd_decile").to_pylist() == ["01", "10", None], "codes keep their text"
    assert t.schema.field("numerator").type == pa.int64()
    assert t.column("value").to_pylist() == [1.5, 0.002, None]
    assert t.column("note").to_pylist() == [None, "a, b", "x"]
    page = p._repr_html_()
    assert "Equality &lt;profile&gt; &amp; more" in page and "<profile>" not in page
    assert "<code>estimates</code>" in page and ">3</td>" in page and "report.html" not in page
    with pytest.raises(levelfield.InputError, match="no table `comparisons`"):
        p["comparisons"]
    with pytest.raises(levelfield.InputError, match="not a profile folder"):
        levelfield.Profile(tmp_path / "nothing")
