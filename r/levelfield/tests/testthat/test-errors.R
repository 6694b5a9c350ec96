# The invalid calls of tests/reference/phe/expected_errors.csv: each is an R error whose message
# begins with the condition PHEindicatormethods names (levelfield adds what was found and what
# to do).

errors <- read_ref("expected_errors.csv")

expect_phe_error <- function(expr, fun, case) {
  msg <- errors$message[errors$fun == fun & errors$case == case]
  testthat::expect_length(msg, 1)
  testthat::expect_error(expr, msg, fixed = TRUE)
}

p <- data.frame(x = c(1, 5), n = c(10, 20))
r <- data.frame(x = c(1, 50), n = c(1000, 2000))
m <- data.frame(g = c("a", "a", "b"), x = c(1, 2, 3))
d <- data.frame(g = rep(c("a", "b"), each = 3), band = rep(1:3, 2), x = c(5, 6, 7, 8, 9, 10),
                n = rep(1000, 6), w = rep(c(5000, 5500, 5500), 2), f = 1)
i <- data.frame(g = rep(c("a", "b"), each = 3), x = c(5, 6, 7, 8, 9, 10), n = rep(1000, 6),
                xr = rep(c(50, 60, 70), 2), nr = rep(10000, 6))

test_that("phe_proportion refuses what PHEindicatormethods refuses", {
  f <- "phe_proportion"
  expect_phe_error(phe_proportion(transform(p, x = c(-1, 5)), x, n), f, "numerator < 0")
  expect_phe_error(phe_proportion(transform(p, n = c(0, 20)), x, n), f, "denominator = 0")
  expect_phe_error(phe_proportion(transform(p, x = c(11, 5)), x, n), f, "numerator > denominator")
  expect_phe_error(phe_proportion(p, x, n, type = "all"), f, "type invalid")
  expect_phe_error(phe_proportion(p, x, n, confidence = c(0.9, 0.95, 0.998)), f, "three confidence levels")
  expect_phe_error(phe_proportion(p, x, n, confidence = c(0.95, 0.99)), f, "two levels not 0.95,0.998")
  expect_phe_error(phe_proportion(p, x, n, confidence = 0.5), f, "confidence 0.5")
  expect_phe_error(phe_proportion(p, x, n, confidence = 50), f, "confidence 50 (percent form)")
  expect_phe_error(phe_proportion(p, x), f, "missing n argument")
})

test_that("phe_rate and phe_mean refuse what PHEindicatormethods refuses", {
  expect_phe_error(phe_rate(transform(r, x = c(-1, 5)), x, n), "phe_rate", "numerator < 0")
  expect_phe_error(phe_rate(transform(r, n = c(0, 5)), x, n), "phe_rate", "denominator = 0")
  expect_phe_error(phe_rate(r, x, n, confidence = 0.8), "phe_rate", "confidence 0.8")
  expect_phe_error(phe_rate(r, x, n, confidence = 101), "phe_rate", "confidence 101")
  expect_phe_error(phe_mean(m, x, confidence = 0.8), "phe_mean", "confidence 0.8")
  expect_phe_error(phe_mean(m, x, confidence = c(0.998, 0.95)), "phe_mean", "two levels wrong order")
})

test_that("calculate_dsr refuses what PHEindicatormethods refuses", {
  f <- "calculate_dsr"
  g <- dplyr::group_by(d, g)
  expect_phe_error(calculate_dsr(g, x, n), f, "stdpop not given")
  expect_phe_error(calculate_dsr(g, x, n, stdpop = nothere), f, "stdpop column missing")
  expect_phe_error(calculate_dsr(transform(d, x = -x), x, n, stdpop = w), f, "numerator < 0")
  expect_phe_error(calculate_dsr(transform(d, n = 0), x, n, stdpop = w), f, "denominator 0")
  expect_phe_error(calculate_dsr(transform(d, n = NA), x, n, stdpop = w), f, "NA denominator")
  expect_phe_error(calculate_dsr(transform(d, w = NA), x, n, stdpop = w), f, "NA stdpop")
  expect_phe_error(calculate_dsr(transform(d, w = -1), x, n, stdpop = w), f, "negative stdpop")
  expect_phe_error(calculate_dsr(g, x, n, stdpop = w, multiplier = 0), f, "multiplier 0")
  expect_phe_error(calculate_dsr(g, x, n, stdpop = w, confidence = 0.5), f, "confidence 0.5")
  expect_phe_error(calculate_dsr(g, x, n, stdpop = w, independent_events = "no"), f,
                   "independent_events not logical")
  expect_phe_error(calculate_dsr(g, x, n, stdpop = w, independent_events = FALSE), f,
                   "non-independent without eventfreq")
  two <- rbind(d, transform(d, f = 2, n = n + 1))
  expect_phe_error(calculate_dsr(dplyr::group_by(two, g), x, n, stdpop = w,
                                 independent_events = FALSE, eventfreq = f, ageband = band),
                   f, "non-independent with differing n per ageband")
})

test_that("the indirectly standardised functions refuse what PHEindicatormethods refuses", {
  g <- dplyr::group_by(i, g)
  expect_phe_error(phe_dsr(dplyr::group_by(d[-1, ], g), x, n, stdpop = c(5000, 5500, 5500)),
                   "phe_dsr", "unequal rows per group")
  expect_error(calculate_ISRatio(dplyr::group_by(i[-1, ], g), x, n, xr, nr, refpoptype = "field"),
               "data must contain the same number of rows for each group", fixed = TRUE)
  expect_phe_error(calculate_ISRatio(dplyr::group_by(transform(i, x = -x), g), x, n, xr, nr,
                                     refpoptype = "field"),
                   "calculate_ISRatio", "numerator < 0")
  expect_phe_error(calculate_ISRatio(dplyr::group_by(transform(i, n = -n), g), x, n, xr, nr,
                                     refpoptype = "field"),
                   "calculate_ISRatio", "denominator < 0")
  expect_phe_error(calculate_ISRatio(g, x, n, c(50, 60), c(10000, 10000)),
                   "calculate_ISRatio", "x_ref vector wrong length")
  expect_phe_error(calculate_ISRate(g, x, n, xr, nr, refpoptype = "column"),
                   "calculate_ISRate", "refpoptype invalid")
})

test_that("phe_quantile, phe_life_expectancy and phe_sii refuse what PHEindicatormethods refuses", {
  q <- data.frame(area = letters[1:10], v = as.character(1:10))
  expect_phe_error(phe_quantile(q, v), "phe_quantile", "non-numeric values")
  expect_phe_error(phe_quantile(transform(q, v = 1:10), v, invert = "yes"),
                   "phe_quantile", "invert not logical")
  le <- data.frame(age = c(0L, 1L, seq(5L, 90L, 5L)), deaths = 10, pop = 10000)
  expect_phe_error(phe_life_expectancy(le, deaths, pop, age, age_contents = c(1L, 5L)),
                   "phe_life_expectancy", "first age band not 0")
  expect_phe_error(phe_life_expectancy(le, deaths, pop, age, confidence = 0.5),
                   "phe_life_expectancy", "confidence 0.5")
  s <- data.frame(q = 1:10, pop = 1000, v = seq(70, 80, length.out = 10), se = 0.5)
  expect_phe_error(phe_sii(s[1:4, ], q, pop, value = v, se = se),
                   "phe_sii", "fewer than 5 quantiles")
  expect_phe_error(phe_sii(s, q, pop, value = v, se = se, repetitions = 999),
                   "phe_sii", "repetitions < 1000")
  expect_phe_error(phe_sii(transform(s, pop = c(0, pop[-1])), q, pop, value = v, se = se),
                   "phe_sii", "zero population")
  expect_phe_error(phe_sii(s, q, pop, value = v, se = se, transform = TRUE),
                   "phe_sii", "transform with value_type 0")
})

test_that("the funnel functions refuse missing proportion counts as PHEindicatormethods does", {
  fp <- data.frame(x = c(NA, 5, 7), n = c(100, 200, 300))
  expect_phe_error(assign_funnel_significance(fp, x, n, statistic = "proportion"),
                   "assign_funnel_significance", "proportion with NA numerator")
  fr <- data.frame(x = c(0, 12, 30), r = c(0, 60, 75))
  expect_phe_error(calculate_funnel_limits(fr, x, rate = r, statistic = "rate", rate_type = "crude",
                                           multiplier = 100000, years_of_data = 1),
                   "calculate_funnel_limits", "rate with zero numerator and no denominator")
})

test_that("messages say what was found, not only the condition", {
  expect_error(phe_proportion(transform(p, x = c(1, -3)), x, n), "row 2 has -3", fixed = TRUE)
  expect_error(phe_rate(r, x, n, confidence = 0.8), "got 0.8", fixed = TRUE)
})
