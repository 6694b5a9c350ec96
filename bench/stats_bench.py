#!/usr/bin/env python3
"""Whole-process benchmark of `levelfield stats` on large grouped inputs.

Generates (deterministically, seed 2024) the three workloads the statistics-core issue names and
times the release binary on each, reporting the median wall time of several runs and the peak
resident memory of the process:

  dsr         100,000 groups x 19 ESP2013 age bands (1,900,000 rows)
  proportion  100,000 groups x 2 rows (200,000 rows), summed within group
  rate        100,000 groups x 2 rows (200,000 rows), summed within group

Usage: python3 bench/stats_bench.py [--binary target/release/levelfield] [--runs 5] [--out bench/out]
Standard library only; no network.
"""

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time

ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500,
           5000, 4000, 2500, 1500, 1000]
N_GROUPS = 100_000


def generate(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2024)
    paths = {}
    path = os.path.join(out, "dsr.csv")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("area,ageband,x,n,stdpop\n")
            for g in range(N_GROUPS):
                area = f"E{g:08d}"
                for band, w in enumerate(ESP2013, start=1):
                    n = rng.randint(200, 20000)
                    x = int(n * 0.0005 * (1.25 ** band) * rng.random())
                    f.write(f"{area},{band},{x},{n},{w}\n")
    paths["dsr"] = path
    for name in ("proportion", "rate"):
        path = os.path.join(out, f"{name}.csv")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write("area,x,n\n")
                for g in range(N_GROUPS):
                    area = f"E{g:08d}"
                    for _ in range(2):
                        n = rng.randint(50, 50000)
                        x = rng.randint(0, n // 3)
                        f.write(f"{area},{x},{n}\n")
        paths[name] = path
    return paths


def run_once(cmd):
    """Wall time and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return wall


def measure(cmd, runs):
    walls = [run_once(cmd) for _ in range(runs)]
    # ru_maxrss of children is the largest of any child so far (KiB on Linux); each workload is
    # measured in a fresh Python process by main() so this is per workload.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(walls), min(walls), max(walls), peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/levelfield")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--only", choices=["dsr", "proportion", "rate"])
    args = ap.parse_args()
    paths = generate(args.out)
    if args.only is None:
        # One child Python per workload so peak RSS is measured per workload.
        for name in ("dsr", "proportion", "rate"):
            subprocess.run([sys.executable, __file__, "--binary", args.binary, "--runs", str(args.runs),
                            "--out", args.out, "--only", name], check=True)
        return
    b = args.binary
    out_csv = os.path.join(args.out, f"{args.only}_result.csv")
    cmd = {
        "dsr": [b, "stats", "dsr", "--input", paths["dsr"], "--numerator", "x", "--denominator", "n",
                "--standard-population", "stdpop", "--age-band", "ageband", "--group-by", "area",
                "--output", out_csv],
        "proportion": [b, "stats", "proportion", "--input", paths["proportion"], "--numerator", "x",
                       "--denominator", "n", "--group-by", "area", "--multiplier", "100",
                       "--output", out_csv],
        "rate": [b, "stats", "rate", "--input", paths["rate"], "--numerator", "x", "--denominator", "n",
                 "--group-by", "area", "--output", out_csv],
    }[args.only]
    median, lo, hi, peak = measure(cmd, args.runs)
    print(f"{args.only:<11} median {median:.3f} s (min {lo:.3f}, max {hi:.3f}, {args.runs} runs), "
          f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
