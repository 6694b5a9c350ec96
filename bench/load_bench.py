#!/usr/bin/env python3
"""Load benchmark of `levelfield serve`: latency of result pages and API calls at a fixed rate.

Sets up a server in a fresh data folder (a viewer and an analyst; 200,000 synthetic records and
their population uploaded through the API; the pcref profile run), requests each path once to
warm the caches, then drives it with `levelfield-load` (open loop, keep-alive, timed from each
request's scheduled start) at --rate requests per second for --seconds, as the viewer. The
paths are the dashboard (default and narrowed), a run's status, a result's metadata, a page of
the estimates table (500 rows of one indicator, the second page), the action plans and
/api/v1/me.

Usage: python3 bench/load_bench.py [--binary target/debug/levelfield]
         [--load target/release/levelfield-load] [--rate 200] [--seconds 30] [--port 18500]
Build first: cargo build -p levelfield && cargo build --release -p levelfield-load
Standard library only; no network beyond loopback.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

PASSWORD = "a long enough password"


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def call(url, method="GET", body=None, token=None, content_type="application/json"):
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"null")


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    binary = arg("--binary", os.path.join(target, "debug", "levelfield"))
    load = arg("--load", os.path.join(target, "release", "levelfield-load"))
    rate, seconds, port = arg("--rate", "200"), arg("--seconds", "30"), arg("--port", "18500")
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        data, synth = os.path.join(tmp, "data"), os.path.join(tmp, "synth")
        subprocess.run([binary, "synth", "--rows", "200000", "--areas", "20", "--out", synth], check=True,
                       stdout=subprocess.DEVNULL)
        for user, role in [("vic", "viewer"), ("ana", "analyst")]:
            subprocess.run([binary, "admin", "create-user", "--data-dir", data, "--username", user, "--role", role],
                           input=PASSWORD + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
        server = subprocess.Popen([binary, "serve", "--data-dir", data, "--bind", f"127.0.0.1:{port}"],
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            tokens = {u: call(base + "/api/v1/tokens", "POST",
                              json.dumps({"username": u, "password": PASSWORD}).encode())["token"]
                      for u in ["vic", "ana"]}
            for name in ["events.parquet", "population.csv"]:
                with open(os.path.join(synth, name), "rb") as f:
                    call(f"{base}/api/v1/datasets?name={name}", "POST", f.read(), tokens["ana"],
                         "application/octet-stream")
            run = call(base + "/api/v1/runs", "POST", json.dumps({"spec": "pcref"}).encode(), tokens["ana"])
            began = time.time()
            while run["status"] not in ("done", "failed"):
                time.sleep(0.2)
                run = call(f"{base}/api/v1/runs/{run['id']}", token=tokens["ana"])
            assert run["status"] == "done", run
            print(f"pcref on 200,000 records: {time.time() - began:.1f} s ({run['message']})")
            rid = run["id"]
            call(base + "/api/v1/plans", "POST", json.dumps({
                "title": "Bench plan", "run_id": rid, "indicator_id": "access", "target": 3000,
                "target_period": "2026-27", "owner": "lead"}).encode(), tokens["ana"])
            paths = [
                f"/results/{rid}",
                f"/results/{rid}?indicator=detentions&area=SYN003&dimension=Ethnic+group+%28NHS+5+groups%29",
                f"/api/v1/runs/{rid}",
                f"/api/v1/results/{rid}",
                # A page of a results table, filtered: the paged API, from the cached tables.
                f"/api/v1/results/{rid}/estimates?indicator=detentions&limit=500&offset=500",
                "/api/v1/plans",
                "/api/v1/me",
            ]
            for p in paths:  # warm the caches: the benchmark measures cached pages
                req = urllib.request.Request(base + p, headers={"Authorization": "Bearer " + tokens["vic"]})
                urllib.request.urlopen(req, timeout=60).read()
            cmd = [load, "--addr", f"127.0.0.1:{port}", "--token", tokens["vic"], "--rate", rate,
                   "--seconds", seconds] + sum((["--path", p] for p in paths), [])
            done = subprocess.run(cmd, capture_output=True, text=True)
            print(done.stdout, end="")
            print(done.stderr, end="", file=sys.stderr)
            with open(f"/proc/{server.pid}/status") as f:
                peak = [line for line in f if line.startswith("VmHWM")][0].split()[1]
            print(f"\nserver peak RSS: {int(peak) / 1024:.0f} MiB")
            sys.exit(done.returncode)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
