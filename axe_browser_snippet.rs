//! For crates/cli/tests/it/browser.rs: axe-core's accessibility checks inside the Chromium the
//! browser tests drive, at a desktop and a phone width, on the demo report and on the web app's
//! pages. Not part of any crate; the pieces below go into browser.rs where each comment says.
//!
//! axe-core comes from scripts/axe.sh (pinned version, sha512-checked, cached outside the repo),
//! whose path scripts/test.sh exports as LEVELFIELD_AXE_JS. scripts/chart-contrast.js decides the
//! one thing axe cannot: the contrast of text drawn inside SVG charts (axe reads CSS colours and
//! backgrounds, and stops at an <svg> as an image, so it leaves every chart text "incomplete").
//!
//! Checked by hand with the same WebDriver commands (scripts/axe-check.py, axe-core 4.14.1) at
//! 1400 and 390 px: the demo report, the pcref report and every app page an analyst reaches have
//! no violations once the signed-out bar is a landmark and tables paint their own background;
//! every chart text has 4.5:1 or more against what is painted under it. At 390 px the tables
//! must also sit in their horizontally scrolling containers (`.scroll`): a table wider than the
//! screen leaves axe unable to decide the contrast of cells whose lines straddle the screen's
//! edge, and `undecided` then lists them.

// ---------------------------------------------------------------------------------------------
// 1. At the top of browser.rs, beside INSTALL_HINT.

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

// ---------------------------------------------------------------------------------------------
// 2. Free functions, e.g. after `file_url`.

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

// ---------------------------------------------------------------------------------------------
// 3. Methods, in `impl Browser` beside `script`.

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

// ---------------------------------------------------------------------------------------------
// 4. In `demo_report_renders_in_chromium`, after the "chart text drawn outside its chart" check
//    and before the PNG asserts (the screenshot was taken at the start, at 1280 px):

    // Accessible at a desktop and at a phone width: axe-core finds no violation of any impact,
    // every colour contrast it cannot decide is a chart text, and every chart text has 4.5:1
    // against what is painted under it.
    assert_accessible(&browser, &file_url(&report), "the demo report");

// ---------------------------------------------------------------------------------------------
// 5. In `web_app_sign_in_upload_run_chart_and_workbook_in_chromium` (run `cargo fmt` after
//    pasting), each page once it is
//    reached (the sign-in page before signing in; the others after). `assert_accessible`
//    reopens the URL, so call it where reopening does no harm: not on a form's answer.

    // Before signing in:
    assert_accessible(&browser, &format!("{base}/signin"), "the sign-in page");
    // After `wait_for_text("Signed in as", 20)`:
    for page in ["/", "/results", "/datasets", "/runs", "/plans", "/tokens", "/password"] {
        assert_accessible(&browser, &format!("{base}{page}"), &format!("the app's {page}"));
    }
    // After `browser.wait_for_text("See the results", 180)`, the run's page:
    let run_page = browser.script("return location.href");
    assert_accessible(&browser, run_page.as_str().expect("url"), "a run's page");
    // After `browser.wait_for_text("Download:", 30)`, the results dashboard:
    let results = browser.script("return location.href");
    assert_accessible(&browser, results.as_str().expect("url"), "the results dashboard");
    // The pcref report itself, as the dashboard links to it (results.rs: "the report (HTML)"):
    let report = browser
        .script("const a = document.querySelector(\"a[href$='report.html']\"); return a && a.href");
    let report = report.as_str().expect("the dashboard links to report.html");
    assert_accessible(&browser, report, "the pcref report");
    // Back to the dashboard for the workbook download that follows.
    browser.open(results.as_str().expect("url"));
