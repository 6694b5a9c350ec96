"""Whole-process benchmark of `levelfield profile` on synthetic record-level data, against
DuckDB's plain GROUP BY over the same Parquet file (the same keys and sums the profile's plan
aggregates), and the 100-million-row memory check.

    cargo build --release -p levelfield
    python3 bench/profile_bench.py --rows 20000000 --runs 3
    python3 bench/profile_bench.py --rows 100000000 --runs 1 --no-duckdb

DuckDB's Python package is installed into bench/out/venv on first use (pip, from PyPI).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

# The aggregation levelfield's plan runs for the synthetic profile.toml: keys, the age CASE to
# ESP2013 bands, and one COUNT/SUM per measure.
BANDS = [(4, "0-4"), (9, "5-9"), (14, "10-14"), (19, "15-19"), (24, "20-24"), (29, "25-29"),
         (34, "30-34"), (39, "35-39"), (44, "40-44"), (49, "45-49"), (54, "50-54"), (59, "55-59"),
         (64, "60-64"), (69, "65-69"), (74, "70-74"), (79, "75-79"), (84, "80-84"), (89, "85-89")]


def duckdb_query(path):
    # The plan levelfield runs: keys as stored, the age band as an integer CASE, conditions cast
    # to 0/1 and summed, and the mean's count, sum and sum of squares.
    case = "CASE WHEN age IS NULL THEN NULL WHEN age < 0 OR age > 130 THEN -1 "
    case += " ".join(f"WHEN age < {u + 1} THEN {i}" for i, (u, _) in enumerate(BANDS))
    case += f" ELSE {len(BANDS)} END"
    flag = lambda c: f"SUM(CAST({c} AS BIGINT))"
    return f"""
    SELECT period, area_code, ethnic_category, {case} AS age_band, sex, imd_decile,
           COUNT(*), {flag('detained = 1')}, {flag('cto = 1')},
           {flag('inpatient = 1 AND restrained = 1')}, {flag('inpatient = 1')},
           {flag('in_contact = 1')}, {flag('tt_finished = 1 AND tt_recovered = 1')},
           {flag('tt_finished = 1')}, COUNT(detention_days), SUM(detention_days),
           SUM(detention_days * detention_days)
    FROM read_parquet('{path}')
    GROUP BY 1, 2, 3, 4, 5, 6
    """


def ensure_duckdb(out):
    venv = os.path.join(out, "venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    return py


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return wall, proc.stdout.decode()


def peak_of(cmd):
    """Peak RSS (MiB) of one run, measured by GNU time if present, else by rusage of a child."""
    wrapper = [sys.executable, "-c",
               "import resource,subprocess,sys;"
               "r=subprocess.run(sys.argv[1:]);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024);"
               "sys.exit(r.returncode)"] + cmd
    proc = subprocess.run(wrapper, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return float(proc.stdout.decode().split()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/levelfield")
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--no-duckdb", action="store_true")
    args = ap.parse_args()
    data = os.path.join(args.out, f"synth_{args.rows}")
    if not os.path.exists(os.path.join(data, "profile.toml")):
        wall, _ = timed([args.binary, "synth", "--rows", str(args.rows), "--seed", "7", "--out", data])
        print(f"synth {args.rows:,} rows: {wall:.1f} s")
    parquet = os.path.join(data, "events.parquet")
    size = os.path.getsize(parquet) / 2**20
    profile_cmd = [args.binary, "profile", "--quiet", "--spec", os.path.join(data, "profile.toml"),
                   "--out", os.path.join(args.out, f"profile_{args.rows}")]
    ours = [timed(profile_cmd)[0] for _ in range(args.runs)]
    peak = peak_of(profile_cmd)
    print(f"levelfield profile: {args.rows:,} rows ({size:.0f} MiB Parquet): median {statistics.median(ours):.2f} s "
          f"(min {min(ours):.2f}, max {max(ours):.2f}, {args.runs} runs), peak RSS {peak:.0f} MiB")
    if args.no_duckdb:
        return
    py = ensure_duckdb(args.out)
    # The groups are written to a Parquet file, as levelfield writes its tables: a whole
    # process that reads the file, groups it and puts the result on disk.
    target = os.path.abspath(os.path.join(args.out, "duckdb_groups.parquet"))
    script = ("import duckdb,sys,time;t=time.perf_counter();c=duckdb.connect();c.execute('SET enable_progress_bar=false');"
              f"c.execute(\"COPY (\" + {duckdb_query(os.path.abspath(parquet))!r} + \") TO '{target}' (FORMAT parquet)\");"
              f"n=c.execute(\"SELECT COUNT(*) FROM '{target}'\").fetchone()[0];"
              "print(n, time.perf_counter()-t)")
    theirs, groups = [], 0
    for _ in range(args.runs):
        wall, out = timed([py, "-c", script])
        groups = int(out.split()[0])
        theirs.append(wall)
    version = subprocess.run([py, "-c", "import duckdb;print(duckdb.__version__)"],
                             stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    print(f"DuckDB {version} GROUP BY ({groups:,} groups), whole process: median {statistics.median(theirs):.2f} s "
          f"(min {min(theirs):.2f}, max {max(theirs):.2f})")
    print(f"ratio levelfield / DuckDB: {statistics.median(ours) / statistics.median(theirs):.2f}")


if __name__ == "__main__":
    main()
