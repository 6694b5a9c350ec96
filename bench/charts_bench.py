#!/usr/bin/env python3
"""Whole-process benchmark of the chart commands.

Generates (seed 2024) and times:

  spc     100,000 series x 36 months, `levelfield spc --group-by series` (XmR, all rules)
  funnel  100,000 units, `levelfield funnel units --type PR` (over-dispersion, 95% and 99.8% limits)

Usage: python3 bench/charts_bench.py [--binary target/release/levelfield] [--runs 3] [--out bench/out]
Standard library only; no network.
"""

import os
import random

import benchkit


def generate(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2024)
    spc = os.path.join(out, "spc.csv")
    if not os.path.exists(spc):
        with open(spc, "w") as f:
            f.write("series,month,value\n")
            for s in range(100_000):
                level = rng.uniform(20, 200)
                for m in range(36):
                    shift = 1.15 if (s % 7 == 0 and m >= 24) else 1.0
                    f.write(f"S{s:06d},{2022 + m // 12}-{m % 12 + 1:02d},{level * shift + rng.gauss(0, level * 0.05):.3f}\n")
    funnel = os.path.join(out, "funnel.csv")
    if not os.path.exists(funnel):
        with open(funnel, "w") as f:
            f.write("unit,o,n\n")
            for u in range(100_000):
                n = rng.randint(50, 20_000)
                p = min(0.95, max(0.01, rng.gauss(0.3, 0.04)))
                o = int(round(n * p + rng.gauss(0, (n * p * (1 - p)) ** 0.5)))
                f.write(f"U{u:06d},{max(0, min(n, o))},{n}\n")
    return spc, funnel


def command(name, b, inputs, out_csv):
    spc, funnel = inputs
    return {
        "spc": [b, "spc", "--input", spc, "--period", "month", "--value", "value", "--group-by", "series",
                "--improvement", "increase", "--output", out_csv],
        "funnel": [b, "funnel", "units", "--input", funnel, "--type", "PR", "--numerator", "o", "--denominator", "n",
                   "--output", out_csv],
    }[name]


if __name__ == "__main__":
    benchkit.run(__file__, ["spc", "funnel"], generate, command)
