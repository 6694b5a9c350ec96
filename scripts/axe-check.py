#!/usr/bin/env python3
"""Runs axe-core inside headless Chromium on pages and prints what it finds.

Usage: scripts/axe-check.py [--width N ...] [--json OUT] URL...
The axe script is $LEVELFIELD_AXE_JS (scripts/axe.sh prints its path). Prints every violation
(rule, impact, nodes), every colour-contrast item axe could not decide outside the charts, and
every chart text below 4.5:1 against what is painted under it (chart-contrast.js, which decides
the chart texts axe cannot); exits 1 when there is any of these, 0 when there is none. Needs chromedriver and chromium (scripts/test.sh installs them);
Python's standard library only.

For example, on the demo report (rendered without building the command-line tool) at the default
widths, 1400 and 390 px:
    cargo run -p levelfield-demo --example report_html -- /tmp/levelfield-axe/report.html
    LEVELFIELD_AXE_JS="$(scripts/axe.sh)" scripts/axe-check.py file:///tmp/levelfield-axe/report.html
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """One chromedriver process with one headless Chromium session."""

    def __init__(self, width, height):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="chromedriver-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            ["/usr/bin/chromedriver", f"--port={self.port}"],
            stdout=self.log,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 20
        while True:
            try:
                if self.request("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError, KeyError):
                pass
            if time.time() > deadline:
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        self.profile = tempfile.mkdtemp(prefix="axe-profile-")
        args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--window-size={width},{height}",
            f"--user-data-dir={self.profile}",
        ]
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
                    "timeouts": {"script": 300000},
                }
            }
        }
        self.session = self.request("POST", "/session", caps)["sessionId"]

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("content-type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None

    def cmd(self, path, body):
        return self.request("POST", f"/session/{self.session}/{path}", body)

    def close(self):
        try:
            self.request("DELETE", f"/session/{self.session}")
        finally:
            self.proc.terminate()
            self.proc.wait()


CONTRAST_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chart-contrast.js")


def chart_contrast(driver):
    """The chart texts below 4.5:1 against what is painted under them (chart-contrast.js)."""
    with open(CONTRAST_JS, encoding="utf-8") as f:
        source = f.read()
    return driver.cmd("execute/sync", {"script": source + "\nreturn chartTextContrast(4.5);", "args": []})


def in_chart(driver, targets):
    """Which of axe's node targets are texts inside a chart's SVG."""
    return driver.cmd(
        "execute/sync",
        {
            "script": "return arguments[0].map(t => { const e = document.querySelector(t);"
            " return !!e && !!e.closest('figure.chart svg text'); });",
            "args": [targets],
        },
    )


def run_axe(driver, url, axe_source):
    driver.cmd("url", {"url": url})
    driver.cmd("execute/sync", {"script": axe_source + "\n;return typeof axe;", "args": []})
    return driver.cmd(
        "execute/async",
        {
            "script": "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations', 'incomplete']})"
            ".then(r => done({violations: r.violations,"
            " incomplete: r.incomplete.filter(i => i.id === 'color-contrast')}))"
            ".catch(e => done({error: String(e)}));",
            "args": [],
        },
    )


def show(kind, items):
    lines = []
    for item in items:
        lines.append(f"  {kind} {item['id']} ({item.get('impact')}): {len(item['nodes'])} nodes - {item['help']}")
        for node in item["nodes"][:6]:
            target = " ".join(map(str, node["target"]))
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:300]
            extra = ""
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                if check.get("data") and isinstance(check["data"], dict):
                    d = check["data"]
                    keys = ("fgColor", "bgColor", "contrastRatio", "messageKey")
                    extra = " ".join(f"{k}={d[k]}" for k in keys if k in d)
            lines.append(f"      {target[:140]} :: {node['html'][:140]}")
            if summary or extra:
                lines.append(f"        {summary} {extra}")
        if len(item["nodes"]) > 6:
            lines.append(f"      ... and {len(item['nodes']) - 6} more")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--width", type=int, action="append")
    parser.add_argument("--json")
    args = parser.parse_args()
    path = os.environ.get("LEVELFIELD_AXE_JS")
    if not path:
        sys.exit("set LEVELFIELD_AXE_JS to axe.min.js (scripts/axe.sh prints its path)")
    with open(path, encoding="utf-8") as f:
        axe_source = f.read()
    found = 0
    everything = {}
    for width in args.width or [1400, 390]:
        driver = Driver(width, 1000)
        try:
            for url in args.urls:
                result = run_axe(driver, url, axe_source)
                if "error" in result:
                    sys.exit(f"axe failed on {url}: {result['error']}")
                everything[f"{width} {url}"] = result
                v, i = result["violations"], result["incomplete"]
                # Undecided contrast of chart text is decided by chart-contrast.js instead.
                charts = 0
                for item in i:
                    flags = in_chart(driver, [n["target"][-1] for n in item["nodes"]])
                    charts += sum(flags)
                    item["nodes"] = [n for n, f in zip(item["nodes"], flags) if not f]
                i = [item for item in i if item["nodes"]]
                contrast = chart_contrast(driver)
                low = contrast["failing"]
                found += len(v) + len(i) + len(low)
                print(
                    f"{url} at {width} px: {len(v)} violations ({sum(len(x['nodes']) for x in v)} nodes);"
                    f" undecided colour contrast: {charts} chart texts, {sum(len(x['nodes']) for x in i)} others;"
                    f" chart texts below 4.5:1: {len(low)} of {contrast['checked']}"
                )
                print("\n".join(show("violation", v) + show("incomplete", i)))
                for row in low:
                    print(f"  low contrast {row['figure']}: {row['text']!r} {row['ratio']} over {row['under']}")
                result["chart_contrast"] = contrast
        finally:
            driver.close()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(everything, f, indent=1)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
