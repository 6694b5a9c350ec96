#!/usr/bin/env python3
"""The Python package against the command line on the statistics benchmark's workloads.

The workloads are stats_bench.py's (the same files, seed 2024): 100,000-group DSR (1,900,000
rows), proportion and rate (200,000 rows each). For each one:

  cli        `levelfield stats …` reading the CSV and writing a CSV (whole process), when
             --binary names a built program;
  package    the same in Python, as a script would: start the interpreter, import levelfield,
             read the CSV with pyarrow.csv, call levelfield.stats, write the CSV with pyarrow.csv
             (whole process);
  call       the levelfield.stats call alone, on a table already in memory: PyArrow, pandas and
             Polars inputs (timed inside one process);
  startup    for scale: starting the interpreter and importing pyarrow.csv and levelfield, which
             every `package` run pays (almost all of it pyarrow's and numpy's import).

Medians of --runs runs, wall time and CPU time (user + system, which other work on the machine
disturbs less than wall time). --python is the interpreter that has the package installed (default:
this one). Usage:

  python3 bench/python_bench.py --python target/python-venv/bin/python \
      [--binary target/release/levelfield] [--runs 5] [--out bench/out]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats_bench  # noqa: E402

CALLS = {
    "dsr": ("dsr", dict(numerator="x", denominator="n", standard_population="stdpop",
                        age_band="ageband", group_by="area")),
    "proportion": ("proportion", dict(numerator="x", denominator="n", group_by="area",
                                      multiplier=100)),
    "rate": ("rate", dict(numerator="x", denominator="n", group_by="area")),
}

WHOLE = """
import sys, pyarrow.csv as c, levelfield
fun, kwargs, source, target = sys.argv[1], eval(sys.argv[2]), sys.argv[3], sys.argv[4]
out = getattr(levelfield.stats, fun)(c.read_csv(source), **kwargs)
c.write_csv(out, target)
"""

CALL = """
import json, statistics, sys, time
import pyarrow.csv as c, polars as pl, levelfield
fun, kwargs, source, runs = sys.argv[1], eval(sys.argv[2]), sys.argv[3], int(sys.argv[4])
table = c.read_csv(source)
inputs = {"pyarrow": table, "pandas": table.to_pandas(), "polars": pl.from_arrow(table)}
result = {}
for kind, data in inputs.items():
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        out = getattr(levelfield.stats, fun)(data, **kwargs)
        walls.append(time.perf_counter() - start)
    assert out.num_rows == 100_000, out.num_rows
    result[kind] = statistics.median(walls)
print(json.dumps(result))
"""


def cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, runs):
    """Median, min and max wall time of `runs` runs, and the median CPU time (user + system)."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = cpu_of_children()
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_of_children() - cpu)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return statistics.median(walls), min(walls), max(walls), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--binary", default="target/release/levelfield")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default="bench/out")
    args = ap.parse_args()
    paths = stats_bench.generate(args.out)
    have_cli = os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)
    if not have_cli:
        print(f"{args.binary}: no program there; the command line is not timed")
    med, lo, hi, cpu = timed([args.python, "-c", "import pyarrow.csv, levelfield"], args.runs)
    print(f"startup     {med:.3f} s ({lo:.3f}-{hi:.3f}), CPU {cpu:.3f} s", flush=True)
    for name, (fun, kwargs) in CALLS.items():
        line = [f"{name:<11}"]
        if have_cli:
            cmd = stats_bench.command(name, args.binary, paths, f"{args.out}/{name}_cli.csv")
            med, lo, hi, cpu = timed(cmd, args.runs)
            line.append(f"cli {med:.3f} s ({lo:.3f}-{hi:.3f}), CPU {cpu:.3f} s")
        cmd = [args.python, "-c", WHOLE, fun, repr(kwargs), paths[name],
               f"{args.out}/{name}_python.csv"]
        med, lo, hi, cpu = timed(cmd, args.runs)
        line.append(f"package {med:.3f} s ({lo:.3f}-{hi:.3f}), CPU {cpu:.3f} s")
        done = subprocess.run([args.python, "-c", CALL, fun, repr(kwargs), paths[name],
                               str(args.runs)], check=True, capture_output=True, text=True)
        calls = json.loads(done.stdout)
        line.append("call " + ", ".join(f"{k} {v:.3f} s" for k, v in calls.items()))
        print("  ".join(line), flush=True)


if __name__ == "__main__":
    main()
