#!/usr/bin/env python3
"""Whole-process benchmark of the report commands.

  demo       `levelfield demo`: the published Mental Health Act figures to tables, report and workbook
  report_1m  `levelfield report` of the profile of 1,000,000 synthetic records (seed 7): HTML and XLSX

The inputs of report_1m are made once with the same binary (`synth`, then `profile`).

Usage: python3 bench/report_bench.py [--binary target/release/levelfield] [--runs 3] [--out bench/out]
Standard library only; no network.
"""

import os
import subprocess

import benchkit


def generate(out, binary):
    os.makedirs(out, exist_ok=True)
    data = os.path.join(out, "report_synth")
    profile = os.path.join(out, "report_profile")
    if not os.path.exists(os.path.join(profile, "estimates.csv")):
        subprocess.run([binary, "synth", "--rows", "1000000", "--seed", "7", "--out", data], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([binary, "profile", "--spec", os.path.join(data, "profile.toml"), "--out", profile,
                        "--quiet"], check=True)
    return profile


def command(name, b, profile, out_csv):
    out = os.path.dirname(out_csv)
    return {
        "demo": [b, "demo", "--out", os.path.join(out, "demo")],
        "report_1m": [b, "report", "--profile", profile, "--out", os.path.join(out, "report_1m.html")],
    }[name]


if __name__ == "__main__":
    import sys

    binary = "target/release/levelfield"
    if "--binary" in sys.argv:
        binary = sys.argv[sys.argv.index("--binary") + 1]
    benchkit.run(__file__, ["demo", "report_1m"], lambda out: generate(out, binary), command)
