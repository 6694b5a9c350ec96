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

import os
import random

import benchkit

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


def command(name, b, paths, out_csv):
    return {
        "dsr": [b, "stats", "dsr", "--input", paths["dsr"], "--numerator", "x", "--denominator", "n",
                "--standard-population", "stdpop", "--age-band", "ageband", "--group-by", "area",
                "--output", out_csv],
        "proportion": [b, "stats", "proportion", "--input", paths["proportion"], "--numerator", "x",
                       "--denominator", "n", "--group-by", "area", "--multiplier", "100",
                       "--output", out_csv],
        "rate": [b, "stats", "rate", "--input", paths["rate"], "--numerator", "x", "--denominator", "n",
                 "--group-by", "area", "--output", out_csv],
    }[name]


if __name__ == "__main__":
    benchkit.run(__file__, ["dsr", "proportion", "rate"], generate, command)
