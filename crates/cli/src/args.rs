//! Command-line arguments, defined with clap's derive API. Names here are a contract: scripts
//! and tests rely on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

/// Options every statistic takes.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Input table: .csv or .parquet.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the results (.csv, .parquet, .xlsx, .json); standard output (CSV) if absent.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format, overriding the output file's extension: csv, parquet, xlsx or json.
    #[arg(long, value_name = "FORMAT", value_parser = ["csv", "parquet", "xlsx", "json"])]
    pub format: Option<String>,
    /// Columns whose values define the groups; rows are summed within each group.
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub group_by: Vec<String>,
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
    /// Column of numerators (events, people with the outcome).
    #[arg(long, value_name = "COL")]
    pub numerator: String,
    /// Column of denominators (population, people at risk).
    #[arg(long, value_name = "COL")]
    pub denominator: String,
    /// Scale of the result: 100 for a percentage, 100000 for a rate per 100,000. Default 1 for a
    /// proportion, 100000 for a rate.
    #[arg(long, value_name = "M")]
    pub multiplier: Option<f64>,
}

/// Options for means.
#[derive(Debug, Args, Clone)]
pub struct MeanArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
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
    #[arg(long, value_name = "M", default_value_t = 100000.0)]
    pub multiplier: f64,
}

/// Options for indirectly standardised ratios and rates.
#[derive(Debug, Args, Clone)]
pub struct IsrArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
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
    #[arg(long, value_name = "1|100")]
    pub reference_value: Option<f64>,
    /// Rate scale for israte (default 100000).
    #[arg(long, value_name = "M")]
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
