//! The levelfield command line: argument definitions ([`Cli`]) and the commands behind them.
//!
//! The binary in `main.rs` only parses and maps [`CommandError`]s to exit codes; everything a
//! command does lives here so tests can call it directly.

#![deny(missing_docs)]

mod args;
mod associate;
mod equity;
mod error;
mod funnel;
mod guard;
mod output;
mod plan;
mod profile;
mod report;
mod sensitivity;
mod serve;
mod spc;
pub mod stats;
mod suppress;

pub use args::{Cli, Command};
pub use error::CommandError;

/// Runs one command.
///
/// # Errors
/// [`CommandError`] for bad input (exit code 2) or a failure to write results (exit code 1).
pub fn run(cli: Cli) -> Result<(), CommandError> {
    guard::check_options(&cli.command)?;
    let (inputs, outputs) = guard::paths(&cli.command);
    guard::check(&inputs, &outputs)?;
    match cli.command {
        Command::Stats(stats) => stats::run(stats),
        Command::Inequality(args) => equity::inequality(&args),
        Command::Compare(args) => equity::compare(&args),
        Command::Benchmark(args) => equity::benchmark(&args),
        Command::Funnel(command) => funnel::run(command),
        Command::Spc(args) => spc::run(&args),
        Command::Suppress(args) => suppress::run(&args),
        Command::Profile(args) => profile::run(&args),
        Command::Check(args) => profile::check(&args),
        Command::Synth(args) => profile::synth(&args),
        Command::Report(args) => report::run(&args),
        Command::Associate(args) => associate::run(&args),
        Command::Plan(command) => plan::run(&command),
        Command::Sensitivity(args) => sensitivity::run(&args),
        Command::Demo(args) => report::demo(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Admin(command) => serve::admin(&command),
        Command::Cluster(command) => profile::cluster(&command),
    }
}
