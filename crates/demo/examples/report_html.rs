//! Writes the demo report's HTML (what `levelfield demo` writes as report.html) to the path given
//! as the first argument, by default levelfield-demo-report.html in the temporary directory,
//! without building the command-line tool: for looking at the page in a browser.

use std::{env, fs, path::PathBuf, process::ExitCode};

fn main() -> ExitCode {
    let out = env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| env::temp_dir().join("levelfield-demo-report.html"));
    let data = match levelfield_demo::profile() {
        Ok(data) => data,
        Err(e) => {
            eprintln!("the demo profile: {e}");
            return ExitCode::FAILURE;
        }
    };
    let page = levelfield_report::html::render(&data);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = fs::create_dir_all(dir)
    {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = fs::write(&out, page) {
        eprintln!("{}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("{}", out.display());
    ExitCode::SUCCESS
}
