"""Whole profiles and the table commands through the installed ``levelfield`` program.

These functions do not link the query engine into Python: they run the ``levelfield`` binary
(the one ``cargo install --path crates/cli`` or the test suite builds) and read what it writes,
so there is one build of Apache DataFusion, the command line's. The binary is found from the
``binary`` argument, else the ``LEVELFIELD_BIN`` environment variable, else ``levelfield`` on
``PATH``.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Union

import pyarrow as pa

from ._convert import columns, levels, to_arrow
from ._errors import InputError, RunError

__all__ = ["Profile", "profile", "inequality", "compare", "funnel", "spc", "suppress"]

PathLike = Union[str, "os.PathLike[str]"]

# `FILE: row N, column `C`: …`, as the program names a cell.
_ROW_COLUMN = re.compile(r"^([^\n:]+): row (\d+)(?:, column `([^`]+)`)?: ")


def find_binary(binary: Optional[PathLike] = None) -> str:
    """The ``levelfield`` program: ``binary``, else ``$LEVELFIELD_BIN``, else on ``PATH``."""
    candidate = binary or os.environ.get("LEVELFIELD_BIN") or shutil.which("levelfield")
    if not candidate:
        raise RunError(
            "the levelfield program was not found: install it with "
            "`cargo install --path crates/cli` from the repository, or give binary=PATH "
            "(or set LEVELFIELD_BIN)"
        )
    path = Path(candidate)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RunError(f"{path} is not an executable levelfield program")
    return str(path)


def _run(binary: Optional[PathLike], args: Sequence[str], hide: Dict[str, str]) -> None:
    """Runs the program; exit 2 raises InputError, any other failure RunError. ``hide`` maps
    temporary paths in messages to the names the caller knows."""
    program = find_binary(binary)
    try:
        done = subprocess.run([program, *args], capture_output=True, text=True)
    except OSError as e:
        raise RunError(f"could not start {program}: {e}") from None
    if done.returncode == 0:
        return
    message = done.stderr.strip() or done.stdout.strip() or f"exit code {done.returncode}"
    for prefix in ("levelfield: error: ", "error: "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    for path, name in hide.items():
        message = message.replace(path, name)
    if done.returncode != 2:
        raise RunError(message)
    # The program counts a file's data rows from 1; `row` counts from 0 (`df.iloc[row]` of the
    # table given, or of `pandas.read_csv(file)`).
    file = row = column = None
    at = _ROW_COLUMN.match(message)
    if at and at.group(1) == "the table":
        row, column = int(at.group(2)) - 1, at.group(3)
        where = f", column `{column}`" if column else ""
        message = f"the table: row {row} (0-based){where}: {message[at.end():]}"
    elif at:
        file, row, column = at.group(1), int(at.group(2)) - 1, at.group(3)
    raise InputError(message, file=file, row=row, column=column)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _table_command(
    command: Sequence[str], data: Any, options: Dict[str, Any], binary: Optional[PathLike]
) -> pa.Table:
    """Writes ``data`` to a temporary CSV file, runs ``levelfield COMMAND --input … --output …``
    with ``options`` as flags, and reads the Parquet result."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = to_arrow(data)
    with tempfile.TemporaryDirectory(prefix="levelfield-") as tmp:
        source = os.path.join(tmp, "input.csv")
        target = os.path.join(tmp, "output.parquet")
        pacsv.write_csv(table, source)
        args = [*command, "--input", source, "--output", target]
        for name, value in options.items():
            if value is None or value is False:
                continue
            if value is True:
                args.append(_flag(name))
            elif isinstance(value, (list, tuple)):
                if value:
                    args += [_flag(name), ",".join(str(v) for v in value)]
            else:
                args += [_flag(name), str(value)]
        _run(binary, args, {source: "the table", target: "the result"})
        return pq.read_table(target)


def _confidence(confidence: Any) -> Any:
    found = levels(confidence)
    return found if found else "none"


def inequality(
    data: Any,
    *,
    group: str,
    population: str,
    dimension_type: str,
    polarity: str,
    value: Optional[str] = None,
    se: Optional[str] = None,
    lower: Optional[str] = None,
    upper: Optional[str] = None,
    numerator: Optional[str] = None,
    denominator: Optional[str] = None,
    order: Optional[str] = None,
    reference: Optional[str] = None,
    bounds: Optional[Sequence[float]] = None,
    draws: int = 10_000,
    seed: int = 1,
    group_by: Union[None, str, Sequence[str]] = None,
    confidence: Any = 0.95,
    binary: Optional[PathLike] = None,
) -> pa.Table:
    """Summary measures of inequality across the groups of a dimension (WHO HEAT's measures,
    concentration indices, SII and RII): one row per measure, as ``levelfield inequality``.
    Runs the ``levelfield`` program."""
    return _table_command(["inequality"], data, dict(
        group=group, population=population, dimension_type=dimension_type, polarity=polarity,
        value=value, se=se, lower=lower, upper=upper, numerator=numerator,
        denominator=denominator, order=order, reference=reference,
        bounds=list(bounds) if bounds is not None else None, draws=draws, seed=seed,
        group_by=columns(group_by), confidence=_confidence(confidence),
    ), binary)


def compare(
    data: Any,
    *,
    group: str,
    reference: str,
    value: Optional[str] = None,
    se: Optional[str] = None,
    lower: Optional[str] = None,
    upper: Optional[str] = None,
    numerator: Optional[str] = None,
    denominator: Optional[str] = None,
    statistic: Optional[str] = None,
    multiplier: Optional[float] = None,
    polarity: Optional[str] = None,
    group_by: Union[None, str, Sequence[str]] = None,
    confidence: Any = 0.95,
    binary: Optional[PathLike] = None,
) -> pa.Table:
    """Every group against a reference group: difference and ratio with intervals (exact rate
    ratio, Newcombe difference), significance and rank, as ``levelfield compare``. Runs the
    ``levelfield`` program."""
    return _table_command(["compare"], data, dict(
        group=group, reference=reference, value=value, se=se, lower=lower, upper=upper,
        numerator=numerator, denominator=denominator, statistic=statistic,
        multiplier=multiplier, polarity=polarity, group_by=columns(group_by),
        confidence=_confidence(confidence),
    ), binary)


def funnel(
    data: Any,
    *,
    kind: str = "limits",
    numerator: str,
    denominator: Optional[str] = None,
    statistic: Optional[str] = None,
    ratio_type: Optional[str] = None,
    rate: Optional[str] = None,
    rate_type: Optional[str] = None,
    years_of_data: Optional[float] = None,
    multiplier: Optional[float] = None,
    type: Optional[str] = None,
    limits: Optional[Sequence[float]] = None,
    adjust: Optional[str] = None,
    trim: Optional[str] = None,
    trim_fraction: Optional[float] = None,
    svg: Optional[PathLike] = None,
    group_by: Union[None, str, Sequence[str]] = None,
    binary: Optional[PathLike] = None,
) -> pa.Table:
    """Funnel plots, as ``levelfield funnel KIND``: ``kind="limits"``, ``"significance"`` or
    ``"points"`` (PHE's, with ``statistic`` ``"proportion"``, ``"ratio"`` or ``"rate"``), or
    ``"units"`` (FunnelPlotR's over-dispersed limits at each unit's size, with ``type`` ``"PR"``,
    ``"SR"``, ``"SR-sqrt"`` or ``"RC"``). ``svg=PATH`` also draws the chart. Runs the
    ``levelfield`` program."""
    if kind not in ("limits", "significance", "points", "units"):
        raise InputError(f"kind {kind!r}: give \"limits\", \"significance\", \"points\" or \"units\"")
    if kind == "units":
        options = dict(type=type, numerator=numerator, denominator=denominator,
                       limits=list(limits) if limits is not None else None, adjust=adjust,
                       trim=trim, trim_fraction=trim_fraction)
    else:
        options = dict(statistic=statistic, numerator=numerator, denominator=denominator,
                       ratio_type=ratio_type, rate=rate, rate_type=rate_type,
                       years_of_data=years_of_data, multiplier=multiplier)
    options["svg"] = os.fspath(svg) if svg is not None else None
    options["group_by"] = columns(group_by)
    return _table_command(["funnel", kind], data, options, binary)


def spc(
    data: Any,
    *,
    period: str,
    value: str,
    denominator: Optional[str] = None,
    chart: str = "xmr",
    baseline: Optional[int] = None,
    rebase: Optional[Sequence[str]] = None,
    improvement: str = "neutral",
    target: Optional[float] = None,
    run_length: int = 7,
    screen_outliers: bool = False,
    svg: Optional[PathLike] = None,
    group_by: Union[None, str, Sequence[str]] = None,
    binary: Optional[PathLike] = None,
) -> pa.Table:
    """Making Data Count SPC (XmR, p, u, run, g and t charts, the four rules, variation and
    assurance), one series per ``group_by`` group, as ``levelfield spc``. Runs the
    ``levelfield`` program."""
    return _table_command(["spc"], data, dict(
        period=period, value=value, denominator=denominator, chart=chart, baseline=baseline,
        rebase=list(rebase) if rebase else None, improvement=improvement, target=target,
        run_length=run_length, screen_outliers=screen_outliers,
        svg=os.fspath(svg) if svg is not None else None, group_by=columns(group_by),
    ), binary)


def suppress(
    data: Any,
    *,
    rule: str,
    count: Union[str, Sequence[str]],
    derived: Union[None, str, Sequence[str]] = None,
    threshold: Optional[float] = None,
    round_to: Optional[float] = None,
    suppress_zero: bool = False,
    group_by: Union[None, str, Sequence[str]] = None,
    binary: Optional[PathLike] = None,
) -> pa.Table:
    """Disclosure control by a named NHS rule (``"nhs-mha"``, ``"hes-2018"`` or ``"custom"``):
    hides and rounds ``count`` columns, adds secondary suppression, empties ``derived`` columns
    beside hidden counts, as ``levelfield suppress``. Runs the ``levelfield`` program."""
    return _table_command(["suppress"], data, dict(
        rule=rule, count=columns(count), derived=columns(derived), threshold=threshold,
        round_to=round_to, suppress_zero=suppress_zero, group_by=columns(group_by),
    ), binary)


class Profile:
    """A profile folder written by ``levelfield profile``: its tables (read on first use) and
    ``profile.json``. In a notebook it shows as a summary of its tables."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise InputError(f"{self.path} is not a profile folder", file=str(self.path))
        self._tables: Dict[str, pa.Table] = {}

    @property
    def meta(self) -> Dict[str, Any]:
        """``profile.json``: title, indicators, methods, sources ({} when absent)."""
        meta = self.path / "profile.json"
        return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}

    @property
    def table_names(self) -> list:
        """The names of the tables (CSV files) in the folder, sorted."""
        return sorted(p.stem for p in self.path.glob("*.csv"))

    def table(self, name: str) -> pa.Table:
        """One table (``estimates``, ``comparisons``, ``inequality``, ``trends``,
        ``data_quality`` …) as a ``pyarrow.Table``; key columns stay text."""
        if name not in self._tables:
            path = self.path / f"{name}.csv"
            if not path.is_file():
                raise InputError(
                    f"{self.path}: no table `{name}`; it has {', '.join(self.table_names)}",
                    file=str(path),
                )
            self._tables[name] = _read_csv(path)
        return self._tables[name]

    def __getitem__(self, name: str) -> pa.Table:
        return self.table(name)

    def __repr__(self) -> str:
        return f"Profile({str(self.path)!r})"

    def _repr_html_(self) -> str:
        title = self.meta.get("title") or self.path.name
        rows = "".join(
            f"<tr><td><code>{html.escape(n)}</code></td>"
            f"<td style='text-align:right'>{self.table(n).num_rows:,}</td></tr>"
            for n in self.table_names
        )
        report = self.path / "report.html"
        link = (
            f"<p>Report: <a href='{html.escape(report.resolve().as_uri())}'>{html.escape(str(report))}</a></p>"
            if report.is_file() else ""
        )
        return (
            f"<div><strong>{html.escape(str(title))}</strong>"
            f"<p><code>{html.escape(str(self.path))}</code></p>{link}"
            f"<table><thead><tr><th>table</th><th>rows</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


def _read_csv(path: Path) -> pa.Table:
    """A table the program wrote, read as the program reads CSV: every cell as text first; a
    column becomes numbers only when all its cells are numbers (whole numbers: int64) and none
    is a code with a leading zero such as ``01``, so codes keep their exact text. Empty cells are
    missing."""
    import csv

    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    with open(path, newline="", encoding="utf-8") as f:
        names = next(csv.reader(f), [])
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=True,
        null_values=[""], quoted_strings_can_be_null=True))
    columns = []
    for name in table.column_names:
        column = table.column(name)
        present = pc.drop_null(column)
        if len(present) > 0 and pc.all(pc.match_substring_regex(
                present, r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")).as_py() \
                and not pc.any(pc.match_substring_regex(present, r"^-?0\d")).as_py():
            whole = pc.all(pc.match_substring_regex(present, r"^-?\d{1,15}$")).as_py()
            column = column.cast(pa.int64() if whole else pa.float64())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def profile(
    spec: PathLike,
    *,
    out: PathLike,
    data_dir: Optional[PathLike] = None,
    formats: Sequence[str] = (),
    fingertips_csv: bool = False,
    report: bool = False,
    cluster: Optional[str] = None,
    binary: Optional[PathLike] = None,
) -> Profile:
    """Runs a whole equality profile from a spec, as ``levelfield profile --spec SPEC --out
    OUT``, and returns the folder.

    Args:
        spec: a TOML spec (docs/PROFILE-SPEC.md) or a built-in spec's name (``"pcref"``,
            ``"triple-barrier"``).
        out: the output folder; written whole or not at all (an existing one is replaced).
        data_dir: for a built-in spec, the folder holding its data files.
        formats: also write every table as ``"parquet"`` and/or ``"xlsx"``.
        fingertips_csv: also write ``fingertips.csv``.
        report: also write ``report.html`` and ``workbook.xlsx``.
        cluster: aggregate on a Ballista cluster, ``df://HOST:PORT``.
        binary: the ``levelfield`` program (default ``$LEVELFIELD_BIN``, then ``PATH``).

    Raises:
        InputError: the spec or its data are not usable (the message names file, row, column).
        RunError: the program was not found, or could not write the folder.
    """
    args = ["profile", "--spec", os.fspath(spec), "--out", os.fspath(out), "--quiet"]
    if data_dir is not None:
        args += ["--data", os.fspath(data_dir)]
    if formats:
        args += ["--format", ",".join(formats)]
    if fingertips_csv:
        args.append("--fingertips-csv")
    if report:
        args.append("--report")
    if cluster:
        args += ["--cluster", cluster]
    _run(binary, args, {})
    return Profile(out)
