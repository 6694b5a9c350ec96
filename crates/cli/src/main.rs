//! The `levelfield` binary: parses the command line, runs the command, maps the outcome to an
//! exit code (0 success, 1 failure while writing or a bug, 2 bad input or usage).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = levelfield::Cli::parse();
    match levelfield::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let err = anyhow::Error::new(err);
            eprintln!("levelfield: error: {err:#}");
            ExitCode::from(
                err.downcast_ref::<levelfield::CommandError>()
                    .map_or(1, |e| e.exit_code()),
            )
        }
    }
}
