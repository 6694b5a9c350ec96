//! Command-line arguments, defined with clap's derive API. Names here are a contract: scripts
//! and tests rely on them.
//!
//! Why one long file: the whole command line, one struct per command, is read in one place as the
//! user's contract (help texts beside the options they describe); it is declarations, not logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use levelfield_server::auth::Role;
use levelfield_stats::{
    funnel::{FunnelType, LimitKind, RatioScale, Trim},
    inequality::{DimensionType, Polarity},
    sii::ValueType,
    spc::{ChartType, Improvement},
};
use levelfield_table::Format;

/// levelfield: mental health equality statistics with confidence intervals.
#[derive(Debug, Parser)]
#[command(name = "levelfield", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Public-health statistics with confidence intervals, equal to PHEindicatormethods.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Summary measures of inequality across the groups of a dimension (WHO HEAT's measures,
    /// concentration indices, SII and RII), one row per measure.
    Inequality(InequalityArgs),
    /// Every group against a reference group: difference and ratio with intervals.
    Compare(CompareArgs),
    /// Fingertips-style benchmarking against a comparator: Better / Similar / Worse, or quintiles.
    Benchmark(BenchmarkArgs),
    /// Funnel plots: PHE's limits and significance, FunnelPlotR's over-dispersed limits.
    #[command(subcommand)]
    Funnel(FunnelCommand),
    /// Statistical process control (Making Data Count): XmR, p- and u-charts with special-cause
    /// rules, variation and assurance.
    Spc(SpcArgs),
    /// Disclosure control: hide and round counts by a named rule, with secondary suppression so
    /// that no hidden count can be worked out from the rest.
    Suppress(SuppressArgs),
    /// Runs an equality profile from a spec: every indicator by every dimension with intervals,
    /// comparisons, inequality measures, trends and data quality, disclosure-controlled.
    Profile(ProfileArgs),
    /// Checks a spec and its data without writing anything, listing every problem found.
    Check(CheckArgs),
    /// Writes synthetic record-level data, populations and a ready-to-run profile spec.
    Synth(SynthArgs),
    /// Renders a profile folder as a self-contained HTML report and an XLSX workbook.
    Report(ReportArgs),
    /// The association across areas between an area-level determinant (a file's column; a
    /// Fingertips download works as it is) and an indicator of a profile: population-weighted
    /// regression with intervals, correlation, and the areas the line fits worst.
    Associate(AssociateArgs),
    /// Hidden need: how every estimate, gap and inequality measure of a profile moves if an
    /// assumed share of some groups' need is outside the data, with bounds and tipping points.
    Sensitivity(SensitivityArgs),
    /// Action plans: targets on a profile's indicators judged period by period from the data.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// The demo: NHS England's published Mental Health Act figures as tables, report and workbook.
    Demo(DemoArgs),
    /// Runs the web app: sign-in, roles and the JSON API under /api/v1.
    Serve(ServeArgs),
    /// Manages the web app's accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Runs an Apache DataFusion Ballista scheduler or executor for `profile --cluster`
    /// (needs a build with the `distributed` feature; see docs/SCALING.md).
    #[command(subcommand)]
    Cluster(ClusterCommand),
}

/// `levelfield cluster` subcommands.
#[derive(Debug, Subcommand, Clone)]
pub enum ClusterCommand {
    /// The scheduler: takes each profile's aggregation plan and hands its tasks to executors.
    Scheduler(SchedulerArgs),
    /// An executor: reads its share of the files and aggregates it.
    Executor(ExecutorArgs),
}

/// Options for `levelfield cluster scheduler`.
#[derive(Debug, Args, Clone)]
pub struct SchedulerArgs {
    /// The address to listen on; 0.0.0.0 for every interface (then set --external-host).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: String,
    /// The port clients (`df://HOST:PORT`) and executors connect to.
    #[arg(long, value_name = "PORT", default_value_t = 50050)]
    pub port: u16,
    /// The host name executors and clients reach this scheduler by (default: --bind).
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor is lost and its tasks run again
    /// elsewhere.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub executor_timeout: u64,
}

/// Options for `levelfield cluster executor`.
#[derive(Debug, Args, Clone)]
pub struct ExecutorArgs {
    /// The scheduler, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
    pub scheduler: String,
    /// The address to listen on; 0.0.0.0 for every interface (then set --external-host).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: String,
    /// The host name others reach this executor by (default: --bind).
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// The Arrow Flight port: other executors and clients fetch shuffle data and results
    /// from it (the executor asks the scheduler for tasks; the scheduler never connects to it).
    #[arg(long, value_name = "PORT", default_value_t = 50051)]
    pub port: u16,
    /// Tasks run at once (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub concurrent_tasks: usize,
    /// Where shuffle files are kept (default: levelfield-executor-PORT in the temporary folder).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// The executor's memory pool in MiB (default: 70 % of the machine's memory); set it when
    /// several executors share a machine.
    #[arg(long, value_name = "MIB")]
    pub memory_mb: Option<u64>,
    /// Seconds between heartbeats to the scheduler (keep it well under the scheduler's
    /// --executor-timeout).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub heartbeat: u64,
}

/// Options for `levelfield serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// The folder holding the app's store (created if missing).
    #[arg(long, value_name = "DIR", default_value = "levelfield-data")]
    pub data_dir: PathBuf,
    /// Address to listen on; keep it on loopback unless a TLS proxy is in front.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Mark cookies Secure (when served over HTTPS, e.g. behind a TLS proxy).
    #[arg(long)]
    pub secure_cookies: bool,
    /// The largest dataset upload accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub max_upload_mb: usize,
    /// The most an upload may hold once decompressed (an XLSX's XML, a Parquet file's pages),
    /// in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 2048)]
    pub max_decompressed_mb: u64,
    /// The most rows an upload may have.
    #[arg(long, value_name = "N", default_value_t = 20_000_000)]
    pub max_rows: u64,
    /// The most columns an upload may have.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub max_columns: u64,
    /// How long an API token lasts, in days.
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub token_days: i64,
    /// Password checks run at once (0: one per core); more wait, then are answered 503.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_hashing: usize,
    /// Take the client's address for the sign-in limits from the last X-Forwarded-For entry
    /// (only behind a proxy that sets it).
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// Let viewers see who started each run and which datasets it used.
    #[arg(long)]
    pub viewers_see_provenance: bool,
}

/// `levelfield admin` subcommands. Each works on the store directly (with or without a
/// server running on it) and is written to the audit log.
#[derive(Debug, Subcommand, Clone)]
pub enum AdminCommand {
    /// Adds a user; the password is prompted for, or read as one line from standard input.
    CreateUser(CreateUserArgs),
    /// Lists the users with their roles and states.
    ListUsers(DataDirArgs),
    /// Changes a user's role (the last enabled admin stays admin).
    SetRole(SetRoleArgs),
    /// Disables a user: they cannot sign in, their sessions end and their tokens are revoked.
    Disable(UserArgs),
    /// Enables a disabled user again.
    Enable(UserArgs),
    /// Sets a temporary password (prompted for, or one line of standard input) that the user
    /// must change at their next sign-in; their sessions end and their tokens are revoked.
    ResetPassword(UserArgs),
    /// Deletes a dataset's record-level file; runs that used it keep their results.
    DeleteDataset(DeleteDatasetArgs),
}

/// The data folder of an admin command.
#[derive(Debug, Args, Clone)]
pub struct DataDirArgs {
    /// The folder holding the app's store.
    #[arg(long, value_name = "DIR", default_value = "levelfield-data")]
    pub data_dir: PathBuf,
}

/// A user of an admin command.
#[derive(Debug, Args, Clone)]
pub struct UserArgs {
    /// The folder holding the app's store.
    #[arg(long, value_name = "DIR", default_value = "levelfield-data")]
    pub data_dir: PathBuf,
    /// The user's sign-in name.
    #[arg(long)]
    pub username: String,
}

/// Options for `levelfield admin set-role`.
#[derive(Debug, Args, Clone)]
pub struct SetRoleArgs {
    /// The folder holding the app's store.
    #[arg(long, value_name = "DIR", default_value = "levelfield-data")]
    pub data_dir: PathBuf,
    /// The user's sign-in name.
    #[arg(long)]
    pub username: String,
    /// viewer, analyst or admin.
    #[arg(long, value_enum)]
    pub role: Role,
}

/// Options for `levelfield admin delete-dataset`.
#[derive(Debug, Args, Clone)]
pub struct DeleteDatasetArgs {
    /// The folder holding the app's store.
    #[arg(long, value_name = "DIR", default_value = "levelfield-data")]
    pub data_dir: PathBuf,
    /// The dataset's id (as the Datasets page and the API show it).
    #[arg(long)]
    pub id: i64,
}

/// Options for `levelfield admin create-user`.
#[derive(Debug, Args, Clone)]
pub struct CreateUserArgs {
    /// The folder holding the app's store.
    #[arg(long, value_name = "DIR", default_value = "levelfield-data")]
    pub data_dir: PathBuf,
    /// Sign-in name: letters, digits, dots, hyphens, underscores.
    #[arg(long)]
    pub username: String,
    /// viewer (results only), analyst (uploads and runs) or admin (manages users).
    #[arg(long, value_enum)]
    pub role: Role,
}

/// Options for `levelfield report`.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// The folder `levelfield profile --out` wrote (its tables and profile.json).
    #[arg(long, value_name = "DIR")]
    pub profile: PathBuf,
    /// The HTML file to write (default: DIR/report.html, with the workbook as
    /// DIR/workbook.xlsx, the names `profile --report` and `demo` use); given a FILE, the
    /// workbook goes beside it with the extension .xlsx.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Options for `levelfield sensitivity`.
#[derive(Debug, Args, Clone)]
pub struct SensitivityArgs {
    /// The folder `levelfield profile --out` wrote.
    #[arg(long, value_name = "DIR")]
    pub profile: PathBuf,
    /// The assumptions (TOML; see docs/HIDDEN-NEED.md).
    #[arg(long, value_name = "FILE")]
    pub assumptions: PathBuf,
    /// Write the results here (CSV, Parquet, XLSX or JSON by extension) instead of standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `levelfield plan` subcommands.
#[derive(Debug, Subcommand, Clone)]
pub enum PlanCommand {
    /// Judges every target of a plan in every period of a profile: met, on track, off track or
    /// not yet assessable, with the reasoning.
    Assess(PlanAssessArgs),
    /// Prints the built-in PCREF plan template (TOML) to copy and edit.
    Template,
}

/// Options for `levelfield plan assess`.
#[derive(Debug, Args, Clone)]
pub struct PlanAssessArgs {
    /// The plan (TOML; see docs/ACTION-PLANS.md, or `levelfield plan template`).
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// The folder `levelfield profile --out` wrote.
    #[arg(long, value_name = "DIR")]
    pub profile: PathBuf,
    /// Write the judgements here (CSV, Parquet, XLSX or JSON by extension) instead of standard
    /// output; as DIR/plan_assessment.csv they appear in the profile's report.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Options for `levelfield associate`.
#[derive(Debug, Args, Clone)]
pub struct AssociateArgs {
    /// The folder `levelfield profile --out` wrote.
    #[arg(long, value_name = "DIR")]
    pub profile: PathBuf,
    /// The indicator's id.
    #[arg(long, value_name = "ID")]
    pub indicator: String,
    /// The period of the indicator (default: the latest with area estimates).
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// The determinant: a CSV, Parquet or XLSX file with an `area_code` (or Fingertips'
    /// `Area Code`) column, and the column of values, as FILE:COLUMN.
    #[arg(long, value_name = "FILE:COL")]
    pub determinant: String,
    /// The determinant's name in outputs, with its unit (default: the column's name).
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
    /// The period of a Fingertips determinant (`Time period`; default: its latest).
    #[arg(long, value_name = "PERIOD")]
    pub determinant_period: Option<String>,
    /// Keep only the determinant's rows where COLUMN equals VALUE (repeatable), e.g. Sex=Persons.
    #[arg(long, value_name = "COL=VALUE")]
    pub determinant_filter: Vec<String>,
    /// Write the fit (one row) to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write each area's values, fitted value and studentised residual (the layout of a
    /// profile's associations.csv, so the report shows it when placed in the profile folder).
    #[arg(long, value_name = "FILE")]
    pub points: Option<PathBuf>,
    /// Draw the scatter chart with the fitted line as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// Options for `levelfield demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// The output folder: tables/, report.html and workbook.xlsx (replaced whole if it exists).
    #[arg(long, value_name = "DIR", default_value = "levelfield-demo")]
    pub out: PathBuf,
    /// Replace the output folder even when it holds files levelfield did not write.
    #[arg(long)]
    pub force: bool,
}

/// Options for `levelfield profile`.
#[derive(Debug, Args, Clone)]
pub struct ProfileArgs {
    /// The spec: a TOML file, or a built-in spec's name (`pcref`, `triple-barrier`).
    #[arg(long, value_name = "FILE|NAME")]
    pub spec: String,
    /// For a built-in spec: the folder holding its data files (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The output folder; written whole or not at all (an existing one is replaced, if it
    /// holds only files levelfield writes there; see --force).
    #[arg(long, value_name = "DIR", default_value = "profile")]
    pub out: PathBuf,
    /// Replace the output folder even when it holds files levelfield did not write.
    #[arg(long)]
    pub force: bool,
    /// Also write every table in these formats: parquet, xlsx, json (CSV is always written).
    #[arg(long, value_name = "FORMAT,FORMAT", value_delimiter = ',', value_enum)]
    pub format: Vec<Format>,
    /// Also write `fingertips.csv` in the 26-column Fingertips download format.
    #[arg(long)]
    pub fingertips_csv: bool,
    /// No progress bar or summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how long each stage took (to standard error).
    #[arg(long)]
    pub timings: bool,
    /// Also write report.html and workbook.xlsx into the output folder.
    #[arg(long)]
    pub report: bool,
    /// Aggregate on an Apache DataFusion Ballista cluster, `df://HOST:PORT` (overrides the
    /// spec's `[execution] cluster`); needs a build with the `distributed` feature.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
    /// Pool the data's months or quarters into years before estimating (overrides the spec's
    /// `[periods] pool`): small groups then reach counts that can be published, and every
    /// pooled row says what it pools.
    #[arg(long, value_name = "YEARS", value_enum)]
    pub pool: Option<PoolArg>,
}

/// `levelfield profile --pool`: the years periods are pooled into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PoolArg {
    /// Financial years from April (`2024-25`).
    FinancialYear,
    /// Calendar years (`2024`).
    CalendarYear,
}

impl From<PoolArg> for levelfield_profile::spec::Pool {
    fn from(p: PoolArg) -> Self {
        match p {
            PoolArg::FinancialYear => levelfield_profile::spec::Pool::FinancialYear,
            PoolArg::CalendarYear => levelfield_profile::spec::Pool::CalendarYear,
        }
    }
}

/// Options for `levelfield check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// The spec: a TOML file, or a built-in spec's name.
    #[arg(long, value_name = "FILE|NAME")]
    pub spec: String,
    /// For a built-in spec: the folder holding its data files.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Options for `levelfield synth`.
#[derive(Debug, Args, Clone)]
pub struct SynthArgs {
    /// Number of event rows.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub rows: u64,
    /// Seed: the same seed gives the same files.
    #[arg(long, value_name = "S", default_value_t = 7)]
    pub seed: u64,
    /// Number of areas.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub areas: usize,
    /// Write the events as CSV instead of Parquet.
    #[arg(long)]
    pub csv: bool,
    /// Split the events into N files in the folder `events/` (the same rows as one file).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub files: u16,
    /// The folder to write `events.parquet`, `population.csv` and `profile.toml` into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Options for `levelfield suppress`.
#[derive(Debug, Args, Clone)]
pub struct SuppressArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// `nhs-mha` (below 5 hidden, others to the nearest 5), `hes-2018` (1–7 hidden, 0 shown,
    /// others to the nearest 5) or `custom` (with --threshold and --round-to).
    #[arg(long, value_name = "RULE", value_enum)]
    pub rule: SuppressRule,
    /// Count columns to protect; together they form the table's columns (rows are the rows of
    /// each --group-by group).
    #[arg(long, value_name = "COL,COL", value_delimiter = ',', required = true)]
    pub count: Vec<String>,
    /// Columns derived from the counts (rates, percentages, limits): emptied on any row with a
    /// hidden count, and on every row when the rule rounds (recompute them from the published
    /// counts).
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub derived: Vec<String>,
    /// Custom rule: counts from 1 up to this value minus one are hidden.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Custom rule: round shown counts to a multiple of this (0 or absent: no rounding).
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub round_to: Option<f64>,
    /// Custom rule: hide zeros too.
    #[arg(long)]
    pub suppress_zero: bool,
}

/// The funnel-plot commands.
#[derive(Debug, Subcommand)]
pub enum FunnelCommand {
    /// PHE's table of funnel limits over the range of denominators (as calculate_funnel_limits).
    Limits(FunnelArgs),
    /// PHE's significance label of every row (as assign_funnel_significance).
    Significance(FunnelArgs),
    /// PHE's plotting points for rates: the rate and the denominator per year (as
    /// calculate_funnel_points).
    Points(FunnelArgs),
    /// Every unit against over-dispersion-adjusted limits at its own size (as FunnelPlotR).
    Units(FunnelUnitsArgs),
}

/// Options for PHE's funnel limits and significance.
#[derive(Debug, Args, Clone)]
pub struct FunnelArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// `proportion` (Wilson), `ratio` or `rate` (Poisson).
    #[arg(long, value_name = "STAT", value_enum)]
    pub statistic: FunnelStatistic,
    /// Column of numerators (observed events).
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of denominators (expected events for ratios; for rates, needed where a count is 0).
    #[arg(long, value_name = "COL")]
    pub denominator: Option<String>,
    /// For ratios: `count` (limits as ratio − 1) or `isr` (limits × 100).
    #[arg(long, value_name = "TYPE", value_enum)]
    pub ratio_type: Option<RatioScale>,
    /// For rates: the column of rates (per --multiplier).
    #[arg(long, value_name = "COL")]
    pub rate: Option<String>,
    /// For rates: `crude` or `dsr` (directly standardised; counts below 10 are not assessed).
    #[arg(long, value_name = "TYPE", value_enum)]
    pub rate_type: Option<RateType>,
    /// For rates: how many years of data the counts cover.
    #[arg(long, value_name = "N")]
    pub years_of_data: Option<f64>,
    /// Scale: 100 for percentages, 100000 for rates per 100,000.
    #[arg(
        long,
        value_name = "M",
        default_value_t = 100.0,
        allow_negative_numbers = true
    )]
    pub multiplier: f64,
    /// Also draw the chart as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// `levelfield funnel --statistic`: what the units' counts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FunnelStatistic {
    /// Proportions: PHE's inverted Wilson limits.
    Proportion,
    /// Ratios of observed to expected events: exact Poisson limits.
    Ratio,
    /// Rates: exact Poisson limits around the average rate.
    Rate,
}

/// `levelfield funnel --rate-type`: how the rates were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RateType {
    /// Crude rates.
    Crude,
    /// Directly standardised rates (counts below 10 are not assessed).
    Dsr,
}

/// Options for over-dispersed funnel limits per unit.
#[derive(Debug, Args, Clone)]
pub struct FunnelUnitsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// `PR` (proportion), `SR` (standardised ratio, log), `SR-sqrt` (square root), `RC` (ratio of counts).
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    pub kind: FunnelType,
    /// Column of numerators (observed events).
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of denominators (population, expected events, or comparison counts).
    #[arg(long, value_name = "COL")]
    pub denominator: String,
    /// Limit levels: any, e.g. 95,99.8.
    #[arg(
        long,
        value_name = "LEVELS",
        value_delimiter = ',',
        default_value = "95,99.8"
    )]
    pub limits: Vec<f64>,
    /// Over-dispersion adjustment: `additive` (τ², DerSimonian–Laird), `multiplicative` (φ) or `none`.
    #[arg(long, value_name = "HOW", value_enum, default_value_t = LimitKind::Additive)]
    pub adjust: LimitKind,
    /// How extreme z-scores are tamed: `winsorise` or `truncate` (FunnelPlotR's rank groups, as
    /// SHMI).
    #[arg(long, value_name = "HOW", value_enum, default_value_t = Trim::Winsorise)]
    pub trim: Trim,
    /// Fraction tamed in each tail.
    #[arg(long, value_name = "F", default_value_t = 0.1)]
    pub trim_fraction: f64,
    /// Also draw the chart as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// Options for SPC charts.
#[derive(Debug, Args, Clone)]
pub struct SpcArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// Column of periods (dates or labels); rows are charted in this column's order.
    #[arg(long, value_name = "COL")]
    pub period: String,
    /// Column of values (counts for p- and u-charts).
    #[arg(long, value_name = "COL")]
    pub value: String,
    /// Column of denominators, for p- and u-charts.
    #[arg(long, value_name = "COL")]
    pub denominator: Option<String>,
    /// `xmr` (default), `p` (proportions), `u` (rates), `run` (median, no limits), `g` (events
    /// between rare events) or `t` (time between rare events).
    #[arg(long, value_name = "CHART", value_enum, default_value_t = ChartType::Xmr)]
    pub chart: ChartType,
    /// Fix the centre and limits from the first N points of each segment.
    #[arg(long, value_name = "N")]
    pub baseline: Option<usize>,
    /// Start a new segment at these periods.
    #[arg(long, value_name = "PERIOD,…", value_delimiter = ',')]
    pub rebase: Vec<String>,
    /// Direction of improvement: `increase`, `decrease` or `neutral`.
    #[arg(long, value_name = "DIR", value_enum, default_value_t = Improvement::Neutral)]
    pub improvement: Improvement,
    /// Target for the assurance verdict.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub target: Option<f64>,
    /// Points in a row for a shift or trend: 7 (default) or 6.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(6..=7), default_value_t = 7)]
    pub run_length: u8,
    /// Leave out moving ranges above 3.267 × their mean before computing limits.
    #[arg(long)]
    pub screen_outliers: bool,
    /// Also draw the chart as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// The statistics `levelfield stats` computes.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Proportions with Wilson score intervals.
    Proportion(RatioArgs),
    /// Crude rates with exact Poisson (count < 10) or Byar's intervals.
    Rate(RatioArgs),
    /// Means with Student's t intervals.
    Mean(MeanArgs),
    /// Directly standardised rates with Dobson's interval.
    Dsr(DsrArgs),
    /// Indirectly standardised ratios (observed / expected).
    Isratio(IsrArgs),
    /// Indirectly standardised rates (ratio × reference rate).
    Israte(IsrArgs),
    /// Quantile (decile, quintile…) of each row within its group.
    Quantile(QuantileArgs),
    /// Life expectancy by age band (Chiang II, Silcocks' interval), 20 bands 0,1,5,…,90.
    LifeExpectancy(LifeExpectancyArgs),
    /// Slope and relative index of inequality across deprivation quantiles, as PHE's phe_sii.
    Sii(SiiArgs),
}

/// Options every statistic takes.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Input table: .csv, .parquet or .xlsx (first sheet, first row the header).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the results (.csv, .parquet, .xlsx, .json); standard output (CSV) if absent.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format, overriding the output file's extension: csv, parquet, xlsx or json.
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub format: Option<Format>,
    /// Columns whose values define the groups: statistics sum rows within each group, charts
    /// draw one series per group.
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub group_by: Vec<String>,
}

/// Confidence levels, for the commands that compute intervals.
#[derive(Debug, Args, Clone)]
pub struct LevelArgs {
    /// Confidence levels, as fractions or percentages: 0.95,0.998 or 95,99.8; `none` for no
    /// intervals.
    #[arg(
        long,
        value_name = "LEVELS",
        value_delimiter = ',',
        default_value = "0.95"
    )]
    pub confidence: Vec<String>,
}

/// Options for proportions and crude rates.
#[derive(Debug, Args, Clone)]
pub struct RatioArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    /// Column of numerators (events, people with the outcome).
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of denominators (population, people at risk).
    #[arg(long, value_name = "COL")]
    pub denominator: String,
    /// Scale of the result: 100 for a percentage, 100000 for a rate per 100,000. Default 1 for a
    /// proportion, 100000 for a rate.
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub multiplier: Option<f64>,
}

/// Options for means.
#[derive(Debug, Args, Clone)]
pub struct MeanArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    /// Column of values to average.
    #[arg(long, value_name = "COL")]
    pub value: String,
}

/// Options for directly standardised rates.
#[derive(Debug, Args, Clone)]
pub struct DsrArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    /// Column of event counts per age band.
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of populations per age band.
    #[arg(long, value_name = "COL")]
    pub denominator: String,
    /// Column of standard population weights, or `esp2013` for the European Standard
    /// Population 2013 (then --age-band holds band numbers 1–19).
    #[arg(long, value_name = "COL|esp2013")]
    pub standard_population: String,
    /// Column identifying the age band; rows of the same group and band are summed.
    #[arg(long, value_name = "COL")]
    pub age_band: Option<String>,
    /// Column of event frequencies for non-independent events: each row then counts the people
    /// who had that many events.
    #[arg(long, value_name = "COL")]
    pub event_frequency: Option<String>,
    /// Scale of the rate (default 100000).
    #[arg(
        long,
        value_name = "M",
        default_value_t = 100000.0,
        allow_negative_numbers = true
    )]
    pub multiplier: f64,
}

/// Options for indirectly standardised ratios and rates.
#[derive(Debug, Args, Clone)]
pub struct IsrArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    /// Column of observed events per age band (or, with --observed-totals, the column of that
    /// file holding each group's total).
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of local populations per age band.
    #[arg(long, value_name = "COL")]
    pub denominator: String,
    /// Column of reference events per age band.
    #[arg(long, value_name = "COL")]
    pub reference_numerator: String,
    /// Column of reference populations per age band.
    #[arg(long, value_name = "COL")]
    pub reference_denominator: String,
    /// Column identifying the age band; rows of the same group and band are summed.
    #[arg(long, value_name = "COL")]
    pub age_band: Option<String>,
    /// A second table of observed totals per group (the group columns and --numerator).
    #[arg(long, value_name = "FILE")]
    pub observed_totals: Option<PathBuf>,
    /// Ratio scale for isratio: 1 or 100 (default 1).
    #[arg(long, value_name = "1|100", allow_negative_numbers = true)]
    pub reference_value: Option<f64>,
    /// Rate scale for israte (default 100000).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub multiplier: Option<f64>,
}

/// Options for quantile assignment.
#[derive(Debug, Args, Clone)]
pub struct QuantileArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// Column of values to rank.
    #[arg(long, value_name = "COL")]
    pub value: String,
    /// How many quantiles: 10 for deciles, 5 for quintiles.
    #[arg(long, value_name = "N")]
    pub quantiles: u32,
    /// Quantile 1 holds the highest values (e.g. deprivation scores, where high is deprived).
    #[arg(long, conflicts_with = "invert_column")]
    pub invert: bool,
    /// Column of TRUE/FALSE saying, per group, whether to invert.
    #[arg(long, value_name = "COL")]
    pub invert_column: Option<String>,
}

/// Options for life expectancy.
#[derive(Debug, Args, Clone)]
pub struct LifeExpectancyArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    /// Column of deaths per age band.
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of populations per age band.
    #[arg(long, value_name = "COL")]
    pub denominator: String,
    /// Column of each band's start age: 0, 1, 5, 10, …, 90 (labels like `5-9` are read by their
    /// first number).
    #[arg(long, value_name = "COL")]
    pub age_band: String,
}

/// How an indicator's values are given for inequality work.
#[derive(Debug, Args, Clone)]
pub struct ValueArgs {
    /// Column of each group's value (rate, percentage, …).
    #[arg(long, value_name = "COL")]
    pub value: Option<String>,
    /// Column of each value's standard error.
    #[arg(long, value_name = "COL")]
    pub se: Option<String>,
    /// Column of each value's lower 95% confidence limit (with --upper).
    #[arg(long, value_name = "COL", requires = "upper")]
    pub lower: Option<String>,
    /// Column of each value's upper 95% confidence limit (with --lower).
    #[arg(long, value_name = "COL", requires = "lower")]
    pub upper: Option<String>,
    /// Column of counts (events, people with the outcome).
    #[arg(long, value_name = "COL")]
    pub numerator: Option<String>,
}

/// Options for the slope and relative index of inequality.
#[derive(Debug, Args, Clone)]
pub struct SiiArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub values: ValueArgs,
    /// Column of each quantile's population.
    #[arg(long, value_name = "COL")]
    pub population: String,
    /// Column of the quantile number: 1 is the most deprived.
    #[arg(long, value_name = "COL")]
    pub quantile: String,
    /// What the values are: rates are simulated on the log scale, proportions (0 to 1) on the
    /// logit scale.
    #[arg(long, value_name = "TYPE", value_enum, default_value_t = ValueType::Other)]
    pub value_type: ValueType,
    /// Fit log rates or logit proportions and back-transform the end points.
    #[arg(long)]
    pub transform: bool,
    /// Scale of SII (e.g. 100 for percentage points); negative flips SII and inverts RII.
    #[arg(
        long,
        value_name = "M",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub multiplier: f64,
    /// Also report the relative index of inequality with its intervals.
    #[arg(long)]
    pub rii: bool,
    /// Also report the fitted value at the most deprived end.
    #[arg(long)]
    pub intercept: bool,
    /// Interval method: `simulation` (as phe_sii) or `exact` (SII linear in the values).
    #[arg(long, value_name = "METHOD", value_enum, default_value_t = SiiInterval::Simulation)]
    pub interval: SiiInterval,
    /// Monte Carlo repetitions (at least 1,000).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub repetitions: usize,
    /// Seed of the random stream; the same seed gives the same limits.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
}

/// Options for `levelfield inequality`.
#[derive(Debug, Args, Clone)]
pub struct InequalityArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub values: ValueArgs,
    /// Column naming each group of the dimension (e.g. ethnic group, IMD decile).
    #[arg(long, value_name = "COL")]
    pub group: String,
    /// Column of denominators, with --numerator: the standard error is then
    /// value·√(1/numerator − 1/denominator).
    #[arg(long, value_name = "COL", requires = "numerator")]
    pub denominator: Option<String>,
    /// Column of each group's population (its weight).
    #[arg(long, value_name = "COL")]
    pub population: String,
    /// `ordered` (e.g. deprivation: give --order, 1 = most disadvantaged) or `unordered`.
    #[arg(long, value_name = "TYPE", value_enum)]
    pub dimension_type: DimensionType,
    /// Column giving the order of an ordered dimension (1 = most disadvantaged); defaults to
    /// --group read as numbers.
    #[arg(long, value_name = "COL")]
    pub order: Option<String>,
    /// `adverse` (lower is better, e.g. detentions) or `favourable` (higher is better).
    #[arg(long, value_name = "POLARITY", value_enum)]
    pub polarity: Polarity,
    /// The reference group, for the mean differences from a reference (MDRU, MDRW).
    #[arg(long, value_name = "GROUP")]
    pub reference: Option<String>,
    /// The indicator's theoretical range, e.g. 0,100 for a percentage: needed for Erreygers and
    /// Wagstaff, and bounds the simulated draws.
    #[arg(
        long,
        value_name = "MIN,MAX",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub bounds: Option<Vec<f64>>,
    /// Draws for simulated intervals (at least 1,000).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub draws: usize,
    /// Seed of the random stream.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
}

/// Options for `levelfield compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub levels: LevelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub values: ValueArgs,
    /// Column naming each group.
    #[arg(long, value_name = "COL")]
    pub group: String,
    /// The reference group every other group is compared with (e.g. `White`).
    #[arg(long, value_name = "GROUP")]
    pub reference: String,
    /// Column of denominators, with --numerator and --statistic.
    #[arg(long, value_name = "COL", requires = "numerator")]
    pub denominator: Option<String>,
    /// With counts: `rate` (exact conditional rate ratio) or `proportion` (Newcombe difference).
    #[arg(long, value_name = "STAT", value_enum)]
    pub statistic: Option<CompareStatistic>,
    /// Scale of rates or proportions from counts (default 100000 for rates, 100 for proportions).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub multiplier: Option<f64>,
    /// `adverse` or `favourable`: rank 1 is then the worst-off group.
    #[arg(long, value_name = "POLARITY", value_enum)]
    pub polarity: Option<Polarity>,
}

/// Options for `levelfield benchmark`.
#[derive(Debug, Args, Clone)]
pub struct BenchmarkArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// Column of values.
    #[arg(long, value_name = "COL")]
    pub value: String,
    /// Column of lower confidence limits (at --level).
    #[arg(long, value_name = "COL")]
    pub lower: Option<String>,
    /// Column of upper confidence limits (at --level).
    #[arg(long, value_name = "COL")]
    pub upper: Option<String>,
    /// The level of the limits, recorded with every label: 95 or 99.8.
    #[arg(long, value_name = "LEVEL", default_value = "95")]
    pub level: String,
    /// Column holding the comparator's value on each row.
    #[arg(long, value_name = "COL", conflicts_with = "comparator_area")]
    pub comparator: Option<String>,
    /// Use the row whose --area is this code (e.g. E92000001, England) in the same group as the
    /// comparator.
    #[arg(long, value_name = "CODE", requires = "area")]
    pub comparator_area: Option<String>,
    /// Column of area codes, with --comparator-area.
    #[arg(long, value_name = "COL")]
    pub area: Option<String>,
    /// `adverse`, `favourable`, or `none` (labels Lower / Similar / Higher).
    #[arg(long, value_name = "POLARITY", value_enum, default_value_t = BenchmarkPolarity::None)]
    pub polarity: BenchmarkPolarity,
    /// `ci-overlap` (Fingertips methods 1 and 12) or `quintiles` (method 15, within each group).
    #[arg(long, value_name = "METHOD", value_enum, default_value_t = BenchmarkMethod::CiOverlap)]
    pub method: BenchmarkMethod,
}

/// `levelfield suppress --rule`: a named disclosure rule, or one given by its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SuppressRule {
    /// Below 5 (zero included) hidden, others rounded to the nearest 5.
    NhsMha,
    /// 1–7 hidden, 0 shown, others rounded to the nearest 5.
    #[value(name = "hes-2018")]
    Hes2018,
    /// The rule of --threshold, --round-to and --suppress-zero.
    Custom,
}

/// `levelfield stats sii --interval`: how the interval is computed (the simulation's repetitions
/// and seed are options of their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SiiInterval {
    /// Monte Carlo, as phe_sii.
    Simulation,
    /// The exact normal interval (SII linear in the values).
    Exact,
}

/// The name a user types for a choice (`xmr`, `hes-2018`), as the help lists it.
pub(crate) fn choice_name<T: ValueEnum>(choice: &T) -> String {
    choice
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// `levelfield compare --statistic`: what the counts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareStatistic {
    /// Rates: the exact conditional rate ratio.
    Rate,
    /// Proportions: the Newcombe difference.
    Proportion,
}

/// `levelfield benchmark --polarity`: a polarity, or none (labels Lower / Similar / Higher).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchmarkPolarity {
    /// Lower is better.
    Adverse,
    /// Higher is better.
    Favourable,
    /// No direction: Lower / Similar / Higher.
    None,
}

impl BenchmarkPolarity {
    /// The polarity, or `None` for no direction.
    pub fn polarity(self) -> Option<Polarity> {
        match self {
            BenchmarkPolarity::Adverse => Some(Polarity::Adverse),
            BenchmarkPolarity::Favourable => Some(Polarity::Favourable),
            BenchmarkPolarity::None => None,
        }
    }
}

/// `levelfield benchmark --method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchmarkMethod {
    /// Fingertips methods 1 and 12: the interval against the comparator.
    CiOverlap,
    /// Fingertips method 15: quintiles within each group.
    Quintiles,
}
