# Times the R package on the statistics benchmark's 100,000-group workloads (bench/stats_bench.py
# makes the same CSV files, seed 2024): calculate_dsr, phe_proportion and phe_rate on grouped
# data frames, and, when a levelfield binary is given, the command line on the same files.
#
# Usage (from the repository root, with the package installed: R CMD INSTALL r/levelfield):
#   Rscript bench/r_bench.R [--runs 9] [--out bench/out] [--binary target/release/levelfield]
#
# Reported per workload: the median (min-max) wall time of the function call on a data frame
# already grouped (what a script calling PHEindicatormethods spends in the call), the time of
# group_by() and of reading the CSV with utils::read.csv, and the command line's whole-process
# median (which includes reading and writing CSV) when --binary is given.

args <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default) {
  i <- match(paste0("--", name), args)
  if (is.na(i)) default else args[[i + 1]]
}
runs <- as.integer(opt("runs", "9"))
out <- opt("out", "bench/out")
binary <- opt("binary", "")

suppressPackageStartupMessages({
  library(levelfield)
  library(dplyr, warn.conflicts = FALSE)
})

# The inputs: the statistics benchmark's own generator, so both sides read the same files.
status <- system2("python3", c("-c", shQuote(paste0(
  "import sys; sys.path.insert(0, 'bench'); import stats_bench; stats_bench.generate('", out, "')"
))))
if (status != 0) stop("could not generate the workloads with bench/stats_bench.py")

elapsed <- function(expr) {
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - t0
}

summarise_times <- function(t) {
  sprintf("%.3f s (%.3f-%.3f)", stats::median(t), min(t), max(t))
}

workloads <- list(
  dsr = list(
    file = "dsr.csv",
    call = function(d) calculate_dsr(d, x, n, stdpop = stdpop),
    cli = c("stats", "dsr", "--numerator", "x", "--denominator", "n", "--standard-population",
            "stdpop", "--age-band", "ageband", "--group-by", "area")
  ),
  proportion = list(
    file = "proportion.csv",
    call = function(d) phe_proportion(d, x, n, multiplier = 100),
    cli = c("stats", "proportion", "--numerator", "x", "--denominator", "n", "--group-by", "area",
            "--multiplier", "100")
  ),
  rate = list(
    file = "rate.csv",
    call = function(d) phe_rate(d, x, n),
    cli = c("stats", "rate", "--numerator", "x", "--denominator", "n", "--group-by", "area")
  )
)

cat(sprintf("R %s, levelfield %s, %d runs\n", getRversion(), utils::packageVersion("levelfield"), runs))
for (name in names(workloads)) {
  w <- workloads[[name]]
  path <- file.path(out, w$file)
  read_time <- elapsed(raw <- utils::read.csv(path, stringsAsFactors = FALSE))
  group_time <- elapsed(grouped <- group_by(raw, area))
  result <- w$call(grouped) # warm-up, and a check that it ran
  stopifnot(nrow(result) == 100000)
  times <- vapply(seq_len(runs), function(i) elapsed(w$call(grouped)), numeric(1))
  line <- sprintf("%-10s %d rows: call %s; group_by %.3f s; read.csv %.3f s", name, nrow(raw),
                  summarise_times(times), group_time, read_time)
  if (nzchar(binary)) {
    target <- tempfile(fileext = ".csv")
    cli <- vapply(seq_len(runs), function(i) {
      elapsed(system2(binary, c(w$cli, "--input", path, "--output", target)))
    }, numeric(1))
    line <- paste0(line, sprintf("; command line %s", summarise_times(cli)))
    # Both give the same numbers: the command line's value and limits against the package's.
    theirs <- utils::read.csv(target, stringsAsFactors = FALSE)
    ours <- as.data.frame(dplyr::ungroup(result))
    ours <- ours[match(theirs$area, ours$area), ]
    rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300), na.rm = TRUE)
    worst <- max(rel(ours$value, theirs$value), rel(ours$lowercl, theirs$lower_ci_95_0),
                 rel(ours$uppercl, theirs$upper_ci_95_0))
    line <- paste0(line, sprintf("; largest relative difference %.1e", worst))
  }
  cat(line, "\n")
}
