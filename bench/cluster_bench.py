"""Whole-process benchmark of `levelfield profile` run locally and with its aggregation on an
Apache DataFusion Ballista cluster (one scheduler and two executors on this machine, loopback),
over the same synthetic record-level data split into Parquet parts.

    cargo build --release -p levelfield --features distributed
    python3 bench/cluster_bench.py --rows 100000000 --files 16 --runs 1

Each run's wall time is the client process's, from start to the tables written. Peak RSS is
given for the client and, from /proc (VmHWM), for each cluster process. The two runs' tables
must be byte-identical, or the script fails.

Standard library only.
"""

import argparse
import filecmp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time


def timed(cmd):
    """Wall time, peak RSS (MiB) and standard error of one child, from a wrapper that measures
    only it."""
    wrapper = [sys.executable, "-c",
               "import resource,subprocess,sys,time;t=time.perf_counter();"
               "r=subprocess.run(sys.argv[1:]);w=time.perf_counter()-t;"
               "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024);"
               "sys.exit(r.returncode)"] + cmd
    proc = subprocess.run(wrapper, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    wall, peak = proc.stdout.decode().split()[-2:]
    return float(wall), float(peak), proc.stderr.decode()


def aggregation(stderr):
    """The aggregation stage's seconds, from `profile --timings`."""
    for line in stderr.splitlines():
        if "aggregating records to strata:" in line:
            return float(line.split(":")[-1].split()[0])
    return float("nan")


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(port, proc, what, log):
    deadline = time.time() + 60
    while not listening(port):
        if proc.poll() is not None or time.time() > deadline:
            sys.exit(f"the {what} did not listen on {port}:\n{open(log).read()}")
        time.sleep(0.1)


def hwm(pid):
    """Peak resident memory of a running process, MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Cluster:
    """A scheduler and `executors` executors, each a `levelfield cluster` process."""

    def __init__(self, binary, out, executors, memory_mb, port):
        self.procs, self.names = [], []
        logs = os.path.join(out, "cluster_logs")
        os.makedirs(logs, exist_ok=True)
        log = os.path.join(logs, "scheduler.log")
        sched = subprocess.Popen([binary, "cluster", "scheduler", "--port", str(port)],
                                 stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        self.add(sched, "scheduler")
        wait_for(port, sched, "scheduler", log)
        for k in range(executors):
            flight = port + 1 + k
            work = os.path.join(out, f"executor-{k}")
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            log = os.path.join(logs, f"executor-{k}.log")
            ex = subprocess.Popen([binary, "cluster", "executor", "--scheduler", f"127.0.0.1:{port}",
                                   "--port", str(flight), "--concurrent-tasks", "1",
                                   "--memory-mb", str(memory_mb), "--work-dir", work],
                                  stdout=subprocess.DEVNULL, stderr=open(log, "w"))
            self.add(ex, f"executor {k}")
            wait_for(flight, ex, f"executor {k}", log)
        # An executor registers with its first poll for work, just after it listens.
        time.sleep(3)
        self.url = f"df://127.0.0.1:{port}"

    def add(self, proc, name):
        self.procs.append(proc)
        self.names.append(name)

    def peaks(self):
        return [(n, hwm(p.pid)) for n, p in zip(self.names, self.procs)]

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/levelfield")
    ap.add_argument("--rows", type=int, default=100_000_000)
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--executors", type=int, default=2)
    ap.add_argument("--memory-mb", type=int, default=4096, help="each executor's memory pool")
    ap.add_argument("--port", type=int, default=27100, help="the scheduler's; executors take the next ones")
    ap.add_argument("--out", default="bench/out")
    args = ap.parse_args()
    data = os.path.join(args.out, f"synth_{args.rows}_parts{args.files}")
    spec = os.path.join(data, "profile.toml")
    if not os.path.exists(spec):
        wall, _, _ = timed([args.binary, "synth", "--rows", str(args.rows), "--seed", "7",
                         "--files", str(args.files), "--out", data])
        print(f"synth {args.rows:,} rows in {args.files} Parquet parts: {wall:.1f} s")
    parts = os.path.join(data, "events")
    size = sum(os.path.getsize(os.path.join(parts, f)) for f in os.listdir(parts)) / 2**20
    print(f"data: {args.rows:,} rows, {args.files} parts, {size:.0f} MiB Parquet")

    def profile(out, cluster=None):
        cmd = [args.binary, "profile", "--quiet", "--timings", "--spec", spec, "--out", out]
        if cluster:
            cmd += ["--cluster", cluster]
        return timed(cmd)

    local_out = os.path.join(args.out, f"cluster_local_{args.rows}")
    local = [profile(local_out) for _ in range(args.runs)]
    walls = [w for w, _, _ in local]
    print(f"local:   median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}, "
          f"{args.runs} runs), aggregation median {statistics.median(aggregation(e) for _, _, e in local):.2f} s, "
          f"peak RSS {max(p for _, p, _ in local):.0f} MiB")

    cluster = Cluster(args.binary, args.out, args.executors, args.memory_mb, args.port)
    try:
        remote_out = os.path.join(args.out, f"cluster_remote_{args.rows}")
        remote = [profile(remote_out, cluster.url) for _ in range(args.runs)]
        peaks = cluster.peaks()
    finally:
        cluster.stop()
    walls = [w for w, _, _ in remote]
    print(f"cluster: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}, "
          f"{args.runs} runs), aggregation median {statistics.median(aggregation(e) for _, _, e in remote):.2f} s, "
          f"client peak RSS {max(p for _, p, _ in remote):.0f} MiB; "
          + ", ".join(f"{n} {p:.0f} MiB" for n, p in peaks))
    tables = sorted(f for f in os.listdir(local_out) if f.endswith(".csv"))
    _, mismatch, errors = filecmp.cmpfiles(local_out, remote_out, tables, shallow=False)
    if mismatch or errors:
        sys.exit(f"the cluster's tables differ from the local run's: {mismatch + errors}")
    print(f"tables identical: {', '.join(tables)}")


if __name__ == "__main__":
    main()
