#!/usr/bin/env python3
"""Whole-process benchmark of the inequality commands.

Generates (seed 2024) and times:

  sii         10,000 areas x 10 deciles, `levelfield stats sii` with 10,000 simulated draws per area
  inequality  10,000 areas x 6 ethnic groups, `levelfield inequality` (all measures; 10,000 draws
              for the simulated ones)

Usage: python3 bench/inequality_bench.py [--binary target/release/levelfield] [--runs 3] [--out bench/out]
Standard library only; no network.
"""

import os
import random

import benchkit

N_AREAS = 10_000
GROUPS = ["Asian", "Black", "Mixed", "Other", "White", "White Other"]


def generate(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2024)
    sii = os.path.join(out, "sii.csv")
    if not os.path.exists(sii):
        with open(sii, "w") as f:
            f.write("area,decile,population,value,se\n")
            for a in range(N_AREAS):
                base = rng.uniform(70, 82)
                slope = rng.uniform(2, 10)
                for d in range(1, 11):
                    pop = rng.randint(5000, 30000)
                    value = base + slope * (d - 1) / 9 + rng.gauss(0, 0.5)
                    f.write(f"A{a:05d},{d},{pop},{value:.4f},{rng.uniform(0.3, 0.9):.4f}\n")
    groups = os.path.join(out, "groups.csv")
    if not os.path.exists(groups):
        with open(groups, "w") as f:
            f.write("area,group,value,se,population\n")
            for a in range(N_AREAS):
                for g in GROUPS:
                    value = rng.uniform(40, 300)
                    f.write(f"A{a:05d},{g},{value:.3f},{value * rng.uniform(0.03, 0.15):.3f},{rng.randint(2000, 400000)}\n")
    return sii, groups


def command(name, b, inputs, out_csv):
    sii, groups = inputs
    return {
        "sii": [b, "stats", "sii", "--input", sii, "--value", "value", "--se", "se", "--population", "population",
                "--quantile", "decile", "--group-by", "area", "--rii", "--intercept", "--repetitions", "10000",
                "--output", out_csv],
        "inequality": [b, "inequality", "--input", groups, "--group", "group", "--value", "value", "--se", "se",
                       "--population", "population", "--dimension-type", "unordered", "--polarity", "adverse",
                       "--reference", "White", "--group-by", "area", "--output", out_csv],
    }[name]


if __name__ == "__main__":
    benchkit.run(__file__, ["sii", "inequality"], generate, command)
