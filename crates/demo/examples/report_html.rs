//! Writes the demo report's HTML (what `levelfield demo` writes as report.html) to the path given
//! as the first argument, default /tmp/report.html, without building the command-line tool: for
//! checking the page in a browser, e.g. with scripts/axe-check.py.

use std::{env, fs, process::ExitCode};

fn main() -> ExitCode {
    let out = env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/report.html".to_string());
    let data = match levelfield_demo::profile() {
        Ok(data) => data,
        Err(e) => {
            eprintln!("the demo profile: {e}");
            return ExitCode::FAILURE;
        }
    };
    let page = levelfield_report::html::render(&data);
    if let Err(e) = fs::write(&out, page) {
        eprintln!("{out}: {e}");
        return ExitCode::FAILURE;
    }
    println!("{out}");
    ExitCode::SUCCESS
}
