"""Shared driver for the whole-process benchmarks in bench/: argument parsing, one child
process per workload (so peak memory is measured per workload), and timing.

Standard library only.
"""

import argparse
import resource
import statistics
import subprocess
import sys
import time


def run(script, workloads, generate, command):
    """Parse the common options and time each workload.

    `workloads` names the workloads, `generate(out_dir)` makes the inputs and returns whatever
    `command(name, binary, inputs, out_csv)` needs to build the command line of a workload.
    """
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/levelfield")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--only", choices=list(workloads))
    args = ap.parse_args()
    inputs = generate(args.out)
    if args.only is None:
        # One child Python per workload, so the peak RSS of children is per workload.
        for name in workloads:
            subprocess.run([sys.executable, script, "--binary", args.binary, "--runs", str(args.runs),
                            "--out", args.out, "--only", name], check=True)
        return
    out_csv = f"{args.out}/{args.only}_result.csv"
    cmd = command(args.only, args.binary, inputs, out_csv)
    walls = []
    for _ in range(args.runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.only:<11} median {statistics.median(walls):.3f} s (min {min(walls):.3f}, max {max(walls):.3f}, "
          f"{args.runs} runs), peak RSS {peak:.0f} MiB")
