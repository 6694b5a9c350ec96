//! Real headless Chromium, driven by chromedriver over the W3C WebDriver protocol. The HTML
//! report of `levelfield demo`: no console errors, every chart drawn at a visible size beside its
//! data table, and a full-page screenshot kept under the target directory for a human to look at.
//! The web app end to end: sign in, upload synthetic data, run the `pcref` profile with live
//! progress, see a chart on the dashboard, download the workbook. At a desktop and a phone
//! width: the report's finding on the first screen, nothing wider than the screen outside a
//! scrolling container, no chart text under 11 px, and axe-core (pinned, from
//! `scripts/axe.sh`) finding no violation on the reports and every app page.

use std::{
    fs,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use ureq::Agent;

const INSTALL_HINT: &str = "./scripts/test.sh installs Debian's chromium and chromium-driver";

/// How to get axe-core when `LEVELFIELD_AXE_JS` is not set.
const AXE_HINT: &str = "set LEVELFIELD_AXE_JS to axe.min.js: export LEVELFIELD_AXE_JS=\"$(./scripts/axe.sh)\" (scripts/test.sh does)";

/// The chart-text contrast check, `chartTextContrast(min)`: for each text in `figure.chart svg`,
/// the lowest WCAG ratio against what is painted under it (or its halo).
const CHART_CONTRAST_JS: &str = include_str!("../../../../scripts/chart-contrast.js");

/// The widths every page is checked at: a desktop window and a phone.
const AXE_WIDTHS: [u32; 2] = [1400, 390];

/// Runs axe-core on the open page and hands back what it found (the last argument of an
/// asynchronous script is its callback): every violation, of any impact, with its nodes; the
/// colour-contrast nodes it could not decide outside the charts (there should be none); how
/// many chart texts it could not decide (scripts/chart-contrast.js decides those).
const AXE_RUN_JS: &str = r#"const done = arguments[arguments.length - 1];
const summary = n => ({ target: n.target.join(' '), html: n.html.slice(0, 160),
    why: (n.failureSummary || '').slice(0, 300) });
const inChart = n => {
    const e = document.querySelector(n.target[n.target.length - 1]);
    return !!e && !!e.closest('figure.chart svg text');
};
axe.run(document, { resultTypes: ['violations', 'incomplete'] }).then(r => {
    const contrast = r.incomplete.filter(i => i.id === 'color-contrast').flatMap(i => i.nodes);
    done({
        violations: r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(summary) })),
        undecided: contrast.filter(n => !inChart(n)).map(summary),
        chart_texts: contrast.filter(inChart).length,
    });
}).catch(e => done({ error: String(e) }));"#;

/// The W3C key under which an element reference is returned.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium's flags: headless, and quiet on the network (without the background-networking flags
/// it tries connections that the sandboxed machine refuses).
const CHROMIUM_ARGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
];

#[test]
fn demo_report_renders_in_chromium() {
    let started = Instant::now();
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path().to_str().expect("utf-8 temp path");
    let demo = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(["demo", "--out", dir])
        .output()
        .expect("levelfield runs");
    assert!(
        demo.status.success(),
        "levelfield demo --out {dir} failed: {}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let report = out.path().join("report.html");
    assert!(report.is_file(), "{} was not written", report.display());
    let demo_took = started.elapsed();

    let browser = Browser::start(None);
    browser.open(&file_url(&report));

    // The screenshot first, so that it is there to look at when a check below fails.
    let png = browser.full_page_png();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser/demo-report.png");
    fs::create_dir_all(shot.parent().unwrap()).expect("screenshot dir");
    fs::write(&shot, &png).expect("write screenshot");
    println!("screenshot: {}", shot.display());

    let log = browser.cmd("POST", "se/log", json!({"type": "browser"}));
    let entries = log.as_array().expect("log entries");
    let severe = entries.iter().filter(|e| e["level"] == "SEVERE").count();
    assert_eq!(
        severe,
        0,
        "the browser console has {severe} SEVERE entries; all entries:\n{}",
        pretty_entries(entries)
    );

    // Self-contained: nothing loaded but the page itself (what was fetched, and what the markup
    // and styles point at besides `data:` URLs and fragments), and nothing to run.
    let fetched = browser.script(
        r#"const found = new Set(performance.getEntriesByType('resource').map(r => r.name));
        const local = v => /^\s*(data:|#)/.test(v);
        for (const e of document.querySelectorAll(
            'img,script,link,iframe,frame,object,embed,source,track,video,audio,image,use,input'))
            for (const a of ['src', 'href', 'data', 'poster', 'srcset', 'xlink:href']) {
                const v = e.getAttribute(a);
                if (v && !local(v)) found.add(`<${e.tagName.toLowerCase()} ${a}="${v}">`);
            }
        // Linked sheets were found above (and their rules are not readable from a file: page).
        for (const sheet of document.styleSheets)
            for (const rule of sheet.href ? [] : sheet.cssRules)
                for (const m of rule.cssText.matchAll(/url\(\s*['"]?([^'")]*)/g))
                    if (!local(m[1])) found.add(`url(${m[1]})`);
        return [...found].filter(n => !n.startsWith('data:'));"#,
    );
    assert_eq!(fetched, json!([]), "the report loads resources");
    let scripts = browser.script("return document.scripts.length");
    assert_eq!(scripts, json!(0), "the report has scripts");

    let charts = browser.cmd(
        "POST",
        "elements",
        json!({"using": "css selector", "value": "figure.chart svg"}),
    );
    let charts = charts.as_array().expect("element list");
    assert!(!charts.is_empty(), "no `figure.chart svg` in the report");
    for (i, chart) in charts.iter().enumerate() {
        let id = chart[ELEMENT_KEY].as_str().expect("element id");
        let rect = browser.get(&format!("element/{id}/rect"));
        let (w, h) = (rect["width"].as_f64(), rect["height"].as_f64());
        assert!(
            w.is_some_and(|w| w > 0.0) && h.is_some_and(|h| h > 0.0),
            "chart svg #{i} of {} ({}) is drawn at {rect}",
            charts.len(),
            browser.describe(chart),
        );
    }

    let without_table = browser.script(
        "return Array.from(document.querySelectorAll('figure.chart'))\
            .map((f, i) => f.querySelector('table') ? null\
                : '#' + i + ' ' + (f.id || (f.querySelector('figcaption') || f).textContent.trim().slice(0, 80)))\
            .filter(x => x !== null)",
    );
    assert_eq!(
        without_table,
        json!([]),
        "figure.chart without a data table"
    );

    // Every text drawn in a chart lies inside the chart: no title or label cut at its edge.
    let overflowing = browser.script(
        "const out = [];\
        document.querySelectorAll('figure.chart svg').forEach((svg, i) => {\
            const box = svg.getBoundingClientRect();\
            svg.querySelectorAll('text').forEach(t => {\
                const b = t.getBoundingClientRect();\
                if (b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1\
                        || b.top < box.top - 1 || b.bottom > box.bottom + 1)) {\
                    out.push('#' + i + ' ' + (svg.closest('figure').id) + ': ' + t.textContent.slice(0, 60));\
                }\
            });\
        });\
        return out;",
    );
    assert_eq!(overflowing, json!([]), "chart text drawn outside its chart");

    // Readable on a desktop and on a phone: the finding on the first screen, nothing wider than
    // the screen outside a scrolling container, no chart text under 11 px.
    assert_readable(&browser, &file_url(&report), "the demo report", true);
    // Accessible at both widths: axe-core finds no violation of any impact, every colour
    // contrast it cannot decide is a chart text, and every chart text has 4.5:1 against what
    // is painted under it.
    assert_accessible(&browser, &file_url(&report), "the demo report");

    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        shot.display()
    );
    assert!(
        png.len() > 10_000,
        "screenshot {} is only {} bytes",
        shot.display(),
        png.len()
    );
    println!(
        "{} charts checked; screenshot {} bytes; demo {:.1?}, browser {:.1?}",
        charts.len(),
        png.len(),
        demo_took,
        started.elapsed() - demo_took
    );
}

#[test]
fn web_app_sign_in_upload_run_chart_and_workbook_in_chromium() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let synth = tmp.path().join("synth");
    let made = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(["synth", "--rows", "20000", "--areas", "8", "--out"])
        .arg(&synth)
        .output()
        .expect("levelfield runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let data = tmp.path().join("data");
    let user = crate::serve::create_user(&data, "ana", "analyst", crate::serve::PASSWORD);
    assert!(
        user.status.success(),
        "{}",
        String::from_utf8_lossy(&user.stderr)
    );
    let server = crate::serve::start(&data);
    let base = server.1.clone();
    let downloads = tmp.path().join("downloads");
    fs::create_dir(&downloads).expect("downloads dir");
    let browser = Browser::start(Some(&downloads));

    assert_accessible(&browser, &format!("{base}/signin"), "the sign-in page");
    // Sign in.
    browser.open(&format!("{base}/signin"));
    browser.type_into("#username", "ana");
    browser.type_into("#password", crate::serve::PASSWORD);
    browser.click("form[action='/signin'] button");
    browser.wait_for_text("Signed in as", 20);
    for page in [
        "/",
        "/results",
        "/datasets",
        "/runs",
        "/plans",
        "/tokens",
        "/password",
    ] {
        assert_accessible(
            &browser,
            &format!("{base}{page}"),
            &format!("the app's {page}"),
        );
    }

    // Upload the synthetic events and population through the form; each is checked first.
    for file in ["events.parquet", "population.csv"] {
        browser.open(&format!("{base}/datasets"));
        let path = synth.join(file);
        browser.type_into("#file", path.to_str().expect("utf-8 path"));
        browser.click("form[action='/datasets'] button");
        browser.wait_for_text("Stored as dataset", 60);
        assert!(browser.page_text().contains(file));
    }

    // Run pcref: the run's page follows its progress, then links to the results.
    browser.open(&format!("{base}/runs"));
    browser.click("form[data-spec='pcref'] button");
    browser.wait_for_text("See the results", 180);
    let run_page = browser.script("return location.href");
    let run_page = run_page.as_str().expect("url").to_string();
    assert_accessible(&browser, &run_page, "a run's page");
    browser.open(&run_page);
    browser.click("a[href^='/results/']");
    browser.wait_for_text("Download:", 30);
    let results = browser.script("return location.href");
    let results = results.as_str().expect("url").to_string();
    assert_accessible(&browser, &results, "the results dashboard");
    assert_readable(&browser, &results, "the results dashboard", false);
    // The pcref report, as the dashboard links to it.
    let report = browser
        .script("const a = document.querySelector(\"a[href$='report.html']\"); return a && a.href");
    let report = report
        .as_str()
        .expect("the dashboard links to report.html")
        .to_string();
    assert_accessible(&browser, &report, "the pcref report");
    assert_readable(&browser, &report, "the pcref report", true);
    browser.open(&results);
    browser.wait_for_text("Download:", 30);

    // The dashboard shows the report's charts, drawn at a visible size.
    let sizes = browser.script(
        "return Array.from(document.querySelectorAll('figure.chart svg'))\
            .map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })",
    );
    let sizes = sizes.as_array().expect("sizes");
    assert!(!sizes.is_empty(), "no chart on the dashboard");
    assert!(
        sizes
            .iter()
            .all(|s| s[0].as_f64() > Some(100.0) && s[1].as_f64() > Some(50.0)),
        "charts drawn too small: {sizes:?}"
    );
    let png = browser.full_page_png();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser/dashboard.png");
    fs::create_dir_all(shot.parent().unwrap()).expect("screenshot dir");
    fs::write(&shot, &png).expect("write screenshot");
    println!("screenshot: {}", shot.display());
    let severe = browser.severe_entries();
    assert!(
        severe.is_empty(),
        "console errors:\n{}",
        pretty_entries(&severe)
    );

    // Download the workbook.
    browser.click("a[href$='workbook.xlsx']");
    let deadline = Instant::now() + Duration::from_secs(60);
    let workbook = loop {
        let done = fs::read_dir(&downloads)
            .expect("downloads")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "xlsx"));
        if let Some(p) = done {
            break p;
        }
        assert!(Instant::now() < deadline, "no workbook downloaded in 60 s");
        thread::sleep(Duration::from_millis(200));
    };
    let bytes = fs::read(&workbook).expect("workbook");
    assert!(
        bytes.starts_with(b"PK") && bytes.len() > 10_000,
        "{} is not a workbook",
        workbook.display()
    );
    drop(browser);
    drop(server);
}

/// A chromedriver process with one Chromium session. Dropping it ends the session and the
/// processes, also when an assertion has failed.
struct Browser {
    agent: Agent,
    base: String,
    session: Option<String>,
    driver: Child,
    driver_log: PathBuf,
    profile: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Browser {
    /// A browser; downloads go to `downloads` when given.
    fn start(downloads: Option<&Path>) -> Browser {
        let chromedriver = find_program(&["chromedriver"], "/usr/bin/chromedriver");
        let chromium = find_program(&["chromium", "chromium-browser"], "/usr/bin/chromium");
        let scratch = tempfile::tempdir().expect("temp dir");
        let profile = scratch.path().join("profile");
        fs::create_dir(&profile).expect("profile dir");
        let driver_log = scratch.path().join("chromedriver.log");
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();

        let mut tried = Vec::new();
        for port in 9515..9600u16 {
            // Ephemeral ports are above 32768 here: take the first free one of ours, release it
            // for chromedriver, and try the next if chromedriver still fails to start on it.
            if TcpListener::bind(("127.0.0.1", port)).is_err() {
                continue;
            }
            let log = fs::File::create(&driver_log).expect("chromedriver log");
            let mut driver = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("{} does not start: {e}", chromedriver.display()));
            let base = format!("http://127.0.0.1:{port}");
            if wait_ready(&agent, &base, &mut driver, &driver_log) {
                let mut browser = Browser {
                    agent,
                    base,
                    session: None,
                    driver,
                    driver_log,
                    profile,
                    _scratch: scratch,
                };
                browser.new_session(&chromium, downloads);
                return browser;
            }
            let _ = driver.kill();
            let _ = driver.wait();
            let output = fs::read_to_string(&driver_log).unwrap_or_default();
            tried.push(format!("port {port}: {}", output.trim()));
        }
        panic!(
            "chromedriver did not start on any free port in 9515..9600:\n{}",
            tried.join("\n")
        );
    }

    fn new_session(&mut self, chromium: &Path, downloads: Option<&Path>) {
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", self.profile.display()));
        let mut options = json!({"binary": chromium, "args": args});
        if let Some(dir) = downloads {
            options["prefs"] = json!({
                "download.default_directory": dir,
                "download.prompt_for_download": false,
            });
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let value = self
            .request("POST", "/session", Some(caps))
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium: {e}\nchromedriver output:\n{}",
                    self.driver_output()
                )
            });
        let id = value["sessionId"].as_str().expect("session id");
        self.session = Some(id.to_string());
        if let Some(dir) = downloads {
            // Headless Chromium takes downloads only when told where, by the protocol too.
            let allow = json!({"cmd": "Browser.setDownloadBehavior", "params": {
                "behavior": "allow", "downloadPath": dir}});
            if let Err(e) = self.session_request("POST", "goog/cdp/execute", Some(allow)) {
                eprintln!("Browser.setDownloadBehavior: {e}; relying on the download prefs");
            }
        }
    }

    /// The element `css` selects (the first); fails naming the selector and the page.
    fn find(&self, css: &str) -> Value {
        let found = self
            .session_request(
                "POST",
                "element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .unwrap_or_else(|e| panic!("no `{css}` on {}: {e}", self.page_text()));
        json!({ ELEMENT_KEY: found[ELEMENT_KEY] })
    }

    fn element_id(element: &Value) -> String {
        element[ELEMENT_KEY]
            .as_str()
            .expect("element id")
            .to_string()
    }

    /// Types `text` into the element `css` selects (for a file input: the file's path).
    fn type_into(&self, css: &str, text: &str) {
        let id = Browser::element_id(&self.find(css));
        self.cmd(
            "POST",
            &format!("element/{id}/value"),
            json!({ "text": text }),
        );
    }

    /// Clicks the element `css` selects.
    fn click(&self, css: &str) {
        let id = Browser::element_id(&self.find(css));
        self.cmd("POST", &format!("element/{id}/click"), json!({}));
    }

    /// The visible text of the page.
    fn page_text(&self) -> String {
        self.session_request(
            "POST",
            "execute/sync",
            Some(json!({"script": "return document.body ? document.body.innerText : ''", "args": []})),
        )
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
    }

    /// Waits until the page's text contains `text`; fails after `secs` seconds with the text.
    fn wait_for_text(&self, text: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let page = self.page_text();
            if page.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{text}` did not appear in {secs} s; the page says:\n{page}"
            );
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// The console's SEVERE entries so far.
    fn severe_entries(&self) -> Vec<Value> {
        let log = self.cmd("POST", "se/log", json!({"type": "browser"}));
        log.as_array()
            .expect("log entries")
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .cloned()
            .collect()
    }

    /// Navigates and waits for the page to load (the default page-load strategy, "normal").
    fn open(&self, url: &str) {
        self.cmd("POST", "url", json!({ "url": url }));
    }

    /// Runs a synchronous script in the page and returns its value.
    /// Runs an asynchronous script in the page and returns the value it passes to its callback
    /// (the script's last argument).
    fn script_async(&self, body: &str) -> Value {
        self.cmd("POST", "execute/async", json!({"script": body, "args": []}))
    }

    /// Sets the window's size; headless Chromium has no frame, so this is the viewport's.
    fn resize(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "window/rect",
            json!({"width": width, "height": height}),
        );
    }

    fn script(&self, body: &str) -> Value {
        self.cmd("POST", "execute/sync", json!({"script": body, "args": []}))
    }

    /// The chart's figure caption or id, to name it in a failure.
    fn describe(&self, element: &Value) -> String {
        let found = self.cmd(
            "POST",
            "execute/sync",
            json!({
                "script": "const f = arguments[0].closest('figure'); \
                    return f && (f.id || (f.querySelector('figcaption') || f).textContent.trim().slice(0, 80))",
                "args": [element],
            }),
        );
        found.as_str().unwrap_or("no caption").to_string()
    }

    /// A PNG of the whole document, not just the window: Chromium's own `Page.captureScreenshot`
    /// through chromedriver's CDP passthrough, else the window grown to the page and WebDriver's
    /// screenshot.
    fn full_page_png(&self) -> Vec<u8> {
        let size = self.script(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]",
        );
        let (w, h) = (size[0].as_f64().unwrap(), size[1].as_f64().unwrap());
        let cdp = json!({"cmd": "Page.captureScreenshot", "params": {
            "format": "png",
            "captureBeyondViewport": true,
            "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
        }});
        let data = match self.session_request("POST", "goog/cdp/execute", Some(cdp)) {
            Ok(v) => v["data"].as_str().expect("screenshot data").to_string(),
            Err(e) => {
                eprintln!("CDP screenshot failed ({e}); resizing the window instead");
                // The window's height includes its frame: grow it until the viewport fits.
                let frame = self.script("return window.outerHeight - window.innerHeight");
                let frame = frame.as_f64().unwrap_or(0.0);
                let rect = json!({"width": 1280, "height": (h + frame).ceil()});
                self.cmd("POST", "window/rect", rect);
                self.get("screenshot")
                    .as_str()
                    .expect("screenshot")
                    .to_string()
            }
        };
        base64_decode(&data).expect("screenshot base64")
    }

    fn get(&self, path: &str) -> Value {
        self.session_request("GET", path, None)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        self.session_request(method, path, Some(body))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn session_request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let id = self.session.as_deref().expect("a session");
        self.request(method, &format!("/session/{id}/{path}"), body)
    }

    /// One WebDriver command; its `value`, or the error it answered.
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("content-type", "application/json; charset=utf-8")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(512 << 20)
            .read_to_string()
            .map_err(|e| format!("{method} {url}: reading the answer: {e}"))?;
        let answer: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{method} {url}: {status}, not JSON ({e}): {text:.500}"))?;
        if status.is_success() {
            Ok(answer["value"].clone())
        } else {
            Err(format!(
                "{status} {}: {}",
                answer["value"]["error"], answer["value"]["message"]
            ))
        }
    }

    fn driver_output(&self) -> String {
        fs::read_to_string(&self.driver_log).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(id) = self.session.take()
            && self
                .request("DELETE", &format!("/session/{id}"), None)
                .is_err()
        {
            // chromedriver could not close Chromium: end the processes using our profile.
            kill_users_of(&self.profile);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits until chromedriver says it started on its port (so a `/status` answer is from this one,
/// not from another chromedriver already on that port) and answers ready; false if it exits or
/// 20 s pass.
fn wait_ready(agent: &Agent, base: &str, driver: &mut Child, log: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = driver.try_wait() {
            return false;
        }
        let started = fs::read_to_string(log).unwrap_or_default();
        if !started.contains("started successfully") {
            thread::sleep(Duration::from_millis(100));
            continue;
        }
        let status = agent
            .get(format!("{base}/status"))
            .config()
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|body| serde_json::from_str::<Value>(&body).ok());
        if status.is_some_and(|s| s["value"]["ready"] == true) {
            return true;
        }
        thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The program on `PATH` under one of `names`, else `fallback`; a clear failure if neither exists.
fn find_program(names: &[&str], fallback: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .chain([PathBuf::from(fallback)])
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{} not found on PATH or at {fallback}; {INSTALL_HINT}",
                names[0]
            )
        })
}

/// Kills (by process id) every process whose command line names `profile`, our own
/// `--user-data-dir`: only the Chromium this test started.
fn kill_users_of(profile: &Path) {
    let needle = profile.to_string_lossy().into_owned();
    let Ok(procs) = fs::read_dir("/proc") else {
        return;
    };
    for entry in procs.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    }
}

/// `file://` URL of an absolute path, percent-encoding all but unreserved characters and `/`.
/// axe-core's source, from the file `LEVELFIELD_AXE_JS` names.
fn axe_source() -> String {
    let path = std::env::var_os("LEVELFIELD_AXE_JS").unwrap_or_else(|| panic!("{AXE_HINT}"));
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "LEVELFIELD_AXE_JS={}: {e}; {AXE_HINT}",
            Path::new(&path).display()
        )
    })
}

/// axe-core's findings on the open page: `violations` (every impact), `undecided` (the
/// colour-contrast nodes outside the charts that axe could not decide), `chart_texts` (how
/// many chart texts it could not decide) and `low_contrast` (the chart texts below 4.5:1
/// against what is painted under them, from scripts/chart-contrast.js, with `checked`, how
/// many chart texts that looked at).
fn axe_violations(browser: &Browser) -> Value {
    // axe takes a few seconds on the report; WebDriver's default script timeout is 30 s.
    browser.cmd("POST", "timeouts", json!({ "script": 180_000 }));
    let loaded = browser.script(&format!("{}\n;return typeof axe;", axe_source()));
    assert_eq!(loaded, json!("object"), "axe-core did not load");
    let mut found = browser.script_async(AXE_RUN_JS);
    assert!(
        found["error"].is_null(),
        "axe.run failed: {}",
        found["error"]
    );
    let contrast = browser.script(&format!(
        "{CHART_CONTRAST_JS}\nreturn chartTextContrast(4.5);"
    ));
    found["low_contrast"] = contrast["failing"].clone();
    found["checked"] = contrast["checked"].clone();
    found
}

/// Asserts that axe-core finds nothing on `url` at each of [`AXE_WIDTHS`]: no violation of any
/// impact, no colour contrast it cannot decide outside the charts, and no chart text below
/// 4.5:1 against what is painted under it. `what` names the page in a failure. Leaves the
/// window at the size `CHROMIUM_ARGS` starts it at, 1280 by 2000.
fn assert_accessible(browser: &Browser, url: &str, what: &str) {
    for width in AXE_WIDTHS {
        browser.resize(width, 1000);
        browser.open(url);
        let found = axe_violations(browser);
        let show = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
        assert_eq!(
            found["violations"],
            json!([]),
            "axe-core: violations on {what} at {width} px:\n{}",
            show(&found["violations"])
        );
        assert_eq!(
            found["undecided"],
            json!([]),
            "axe-core could not decide the colour contrast of these on {what} at {width} px \
             (outside the charts, where CSS colours decide it):\n{}",
            show(&found["undecided"])
        );
        assert_eq!(
            found["low_contrast"],
            json!([]),
            "chart text below 4.5:1 against what is painted under it on {what} at {width} px:\n{}",
            show(&found["low_contrast"])
        );
        println!(
            "axe-core on {what} at {width} px: no violations; {} chart texts left to \
             chart-contrast.js, which checked {}",
            found["chart_texts"], found["checked"]
        );
    }
    browser.resize(1280, 2000);
}

/// What a reader sees of the open page: whether the first of page one's sentences
/// (`#headline p.board`) starts inside the first screen (`null` on a page without one), the
/// elements wider than the viewport outside a scrolling container, and the chart texts drawn
/// under 11 px (font size times the chart's scale on screen).
const LAYOUT_JS: &str = r#"const vw = document.documentElement.clientWidth;
const p = document.querySelector('#headline p.board');
const headline = p ? p.getBoundingClientRect().top + 20 <= window.innerHeight : null;
const wide = [...document.querySelectorAll('body *')]
    .filter(e => { const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > vw + 1 && !(e.parentElement && e.parentElement.closest('.scroll')) && !e.classList.contains('scroll'); })
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right))
    .slice(0, 12);
const small = [];
document.querySelectorAll('figure.chart svg text').forEach(t => {
    const m = t.getScreenCTM();
    if (!m || t.getBoundingClientRect().width === 0) return;
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (px < 10.95) small.push(t.textContent.slice(0, 40) + ': ' + px.toFixed(1) + ' px');
});
return { headline, wide, small: small.slice(0, 12), n_small: small.length,
    page_width: document.documentElement.scrollWidth, viewport: vw };"#;

/// The widths and heights a page is read at: a desktop window and a phone's screen.
const SCREENS: [(u32, u32); 2] = [(1400, 900), (390, 844)];

/// Asserts that `url` reads at each of [`SCREENS`]: nothing wider than the screen outside a
/// scrolling container, no chart text under 11 px, and (with `headline`) page one's first
/// sentence starting on the first screen. Leaves the window at 1280 by 2000.
fn assert_readable(browser: &Browser, url: &str, what: &str, headline: bool) {
    for (width, height) in SCREENS {
        browser.resize(width, height);
        browser.open(url);
        let seen = browser.script(LAYOUT_JS);
        assert_eq!(
            seen["wide"],
            json!([]),
            "{what} at {width} px: wider than the screen outside a scrolling container: {seen}"
        );
        assert_eq!(
            seen["n_small"],
            json!(0),
            "{what} at {width} px: chart text under 11 px: {seen}"
        );
        if headline {
            assert_eq!(
                seen["headline"],
                json!(true),
                "{what} at {width}×{height}: the headline sentence is not on the first screen: {seen}"
            );
        }
        println!(
            "{what} at {width} px: page {} px wide in a {} px viewport; no chart text under 11 px",
            seen["page_width"], seen["viewport"]
        );
    }
    browser.resize(1280, 2000);
}

fn file_url(path: &Path) -> String {
    let path = path.canonicalize().expect("report path");
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn pretty_entries(entries: &[Value]) -> String {
    entries
        .iter()
        .map(|e| format!("  {} {} {}", e["level"], e["source"], e["message"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Standard base64 (with or without padding; whitespace ignored).
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return Err(format!("not base64: {:?}", c as char)),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}
