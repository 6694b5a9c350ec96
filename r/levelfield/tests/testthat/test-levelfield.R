# levelfield's own functions (lf_compare, lf_spc) and the drop-in functions' options beyond the
# reference outputs: type, grouped sums, non-independent events, observed totals.

test_that("lf_compare gives the command line's figures for detentions by ethnicity", {
  d <- data.frame(measure = "cto_uses",
                  ethnic_group = c("White", "Black or Black British"),
                  count = c(3152, 1122), population = c(45661871, 2382008))
  o <- lf_compare(d, ethnic_group, "White", x = count, n = population, statistic = "rate",
                  polarity = "adverse")
  expect_equal(nrow(o), 1)
  expect_equal(o$ratio, (1122 / 2382008) / (3152 / 45661871), tolerance = 1e-12)
  expect_true(o$ratio_lower_ci_95_0 < o$ratio && o$ratio < o$ratio_upper_ci_95_0)
  expect_identical(o$significant, "TRUE")
  expect_identical(o$rank, 1)
  expect_named(o, c("ethnic_group", "reference", "value", "reference_value", "difference",
                    "difference_lower_ci_95_0", "difference_upper_ci_95_0", "ratio",
                    "ratio_lower_ci_95_0", "ratio_upper_ci_95_0", "rank", "confidence",
                    "difference_method", "ratio_method", "significant", "diagnostic"))
  expect_error(lf_compare(d, ethnic_group, "Mixed", x = count, n = population,
                          statistic = "rate"),
               "has no reference group `Mixed`", fixed = TRUE)
})

test_that("lf_compare with estimates: a difference of zero is not significant", {
  d <- data.frame(g = c("a", "b", "c"), v = c(10, 10, 14), se = c(1, 1, 1))
  o <- lf_compare(d, g, "a", value = v, se = se, confidence = c(0.95, 0.998))
  expect_equal(o$difference, c(0, 4))
  expect_identical(o$significant, c("FALSE", "TRUE"))
  expect_equal(o$difference_upper_ci_95_0[1], stats::qnorm(0.975) * sqrt(2), tolerance = 1e-12)
  expect_true("ratio_lower_ci_99_8" %in% names(o))
})

test_that("lf_spc: an XmR chart's limits are the mean plus or minus 2.66 mean moving ranges", {
  v <- c(12, 15, 11, 14, 13, 16, 12, 14, 15, 13, 12, 14, 16, 13, 15)
  o <- lf_spc(data.frame(p = seq_along(v), v = v), p, v)
  mr <- mean(abs(diff(v)))
  expect_equal(o$mean, rep(mean(v), length(v)), tolerance = 1e-12)
  expect_equal(o$upper_process_limit[1], mean(v) + 2.66 * mr, tolerance = 1e-3)
  expect_equal(o$moving_range, c(NA, abs(diff(v))))
  expect_identical(unique(o$variation), "common cause")
})

test_that("lf_spc charts each group, in period order, and flags a shift", {
  d <- data.frame(area = rep(c("A", "B"), each = 20), month = rep(20:1, 2),
                  v = c(rep(c(10, 11), 10), c(rep(10, 10), rep(20, 10)) + rep(c(0, 1), 10)))
  o <- lf_spc(dplyr::group_by(d, area), month, v, improvement = "decrease")
  expect_identical(o$area, rep(c("A", "B"), each = 20))
  expect_identical(o$period, rep(1:20, 2))
  expect_true(any(o$point_type[o$area == "B"] != "common cause"))
  expect_error(lf_spc(rbind(d[1:3, ], d[1, ]), month, v), "a period appears twice", fixed = TRUE)
  expect_error(lf_spc(d, month, v, chart = "p"), "needs a denominator", fixed = TRUE)
})

test_that("type selects PHEindicatormethods' columns", {
  p <- data.frame(x = c(1, 5), n = c(10, 20))
  expect_named(phe_proportion(p, x, n, type = "value"), c("x", "n", "value"))
  expect_named(phe_proportion(p, x, n, type = "lower"), c("x", "n", "lowercl"))
  expect_named(phe_rate(p, x, n, type = "upper", confidence = c(0.95, 0.998)),
               c("x", "n", "upper95_0cl", "upper99_8cl"))
  expect_named(phe_rate(p, x, n, type = "standard"), c("x", "n", "value", "lowercl", "uppercl"))
  m <- data.frame(x = c(1, 2, 4))
  expect_named(phe_mean(m, x, type = "value"), "value")
})

test_that("grouped proportions and rates sum rows within each group first", {
  d <- data.frame(g = c("a", "a", "b"), x = c(3, 4, 5), n = c(10, 20, 50))
  o <- phe_proportion(dplyr::group_by(d, g), x, n)
  expect_equal(o$x, c(7, 5))
  expect_equal(o$n, c(30, 50))
  expect_equal(o$value, c(7 / 30, 0.1))
  expect_identical(dplyr::group_vars(o), "g")
  single <- phe_proportion(data.frame(x = 7, n = 30), x, n)
  expect_equal(o$lowercl[1], single$lowercl, tolerance = 1e-15)
  r <- phe_rate(dplyr::group_by(d, g), x, n, multiplier = 1000)
  expect_equal(r$value, c(7 / 30, 0.1) * 1000)
  expect_identical(r$method, c("Exact", "Exact"))
})

test_that("calculate_dsr with non-independent events combines each age band's frequencies", {
  d <- data.frame(area = "A", band = rep(1:3, each = 2), f = rep(1:2, 3),
                  x = c(10, 5, 12, 6, 20, 3), n = rep(c(1000, 1200, 900), each = 2),
                  w = rep(c(5000, 6000, 7000), each = 2))
  o <- calculate_dsr(dplyr::group_by(d, area), x, n, stdpop = w, independent_events = FALSE,
                     eventfreq = f, ageband = band)
  events <- tapply(d$x * d$f, d$band, sum)
  var_events <- tapply(d$x * d$f^2, d$band, sum)
  pop <- c(1000, 1200, 900)
  w <- c(5000, 6000, 7000)
  dsr <- sum(events * w / pop) / sum(w) * 100000
  expect_equal(o$total_count, sum(events))
  expect_equal(o$total_pop, sum(pop))
  expect_equal(o$value, dsr, tolerance = 1e-12)
  expect_identical(o$method, "Dobson, with confidence adjusted for non-independent events")
  indep <- calculate_dsr(dplyr::group_by(transform(d, x = x * f), area), x, n, stdpop = w)
  # More events per person widen the interval.
  expect_true(o$uppercl - o$lowercl > indep$uppercl - indep$lowercl)
})

test_that("calculate_ISRatio takes observed totals when given", {
  d <- data.frame(g = rep(c("a", "b"), each = 2), x = c(5, 6, 7, 8), n = c(1000, 2000, 1000, 2000),
                  xr = rep(c(50, 120), 2), nr = rep(10000, 4))
  totals <- data.frame(g = c("a", "b"), x = c(20, 30))
  o <- calculate_ISRatio(dplyr::group_by(d, g), x, n, c(50, 120), c(10000, 10000),
                         observed_totals = totals)
  expect_equal(o$observed, c(20, 30))
  expect_equal(o$expected, c(50 / 10000 * 1000 + 120 / 10000 * 2000,
                             50 / 10000 * 1000 + 120 / 10000 * 2000))
})

test_that("phe_life_expectancy reproduces PHEindicatormethods' own test life table", {
  # testLifeExpectancy.R's df1, whose expected values come from PHE's life-expectancy
  # calculator (z = 1.96; PHEindicatormethods and levelfield use qnorm(0.975), so the expected
  # half-widths are rescaled to compare the method, not the rounding of z). To 1e-7 years.
  ages <- c(0L, 1L, seq(5L, 90L, 5L))
  le <- data.frame(
    area = "E1", startage = ages,
    pops = c(7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416,
             46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936),
    deaths = c(17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605,
               1936, 1937))
  value <- c(80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088,
             55.78835987, 50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842,
             27.26027992, 22.9719144, 18.76856852, 14.95858336, 11.51684445, 8.618849241,
             6.163942934, 6.16210635)
  lower <- c(79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577,
             55.53801579, 50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318,
             27.04337271, 22.76653134, 18.57570352, 14.77985004, 11.34831778, 8.451134045,
             5.978358351, 5.887683386)
  upper <- c(80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436,
             56.03870395, 51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365,
             27.47718713, 23.17729746, 18.96143352, 15.13731667, 11.68537112, 8.786564437,
             6.349527517, 6.436529314)
  # Rows out of age order: the result comes back by start age.
  o <- phe_life_expectancy(dplyr::group_by(le[20:1, ], area), deaths, pops, startage)
  expect_named(o, c("area", "startage", "value", "lowercl", "uppercl", "pops_used", "dths_used",
                    "confidence", "statistic", "method"))
  expect_identical(o$startage, ages)
  z_ratio <- stats::qnorm(0.975) / 1.96
  expect_true(all(abs(o$value - value) < 1e-7))
  expect_true(all(abs(o$lowercl - (value - (value - lower) * z_ratio)) < 1e-7))
  expect_true(all(abs(o$uppercl - (value + (upper - value) * z_ratio)) < 1e-7))
  expect_equal(o$dths_used, rev(cumsum(rev(le$deaths))))
  expect_equal(o$pops_used, rev(cumsum(rev(le$pops))))
  expect_identical(o$statistic[1], "life expectancy at 0")
  expect_identical(o$method[1], "Chiang, using Silcocks et al for confidence limits")
  expect_identical(dplyr::group_vars(o), "area")
  two <- phe_life_expectancy(le, deaths, pops, startage, confidence = c(0.95, 0.998),
                             le_age = c(0, 65))
  expect_identical(two$startage, c(0L, 65L))
  expect_true(all(two$lower99_8cl < two$lower95_0cl))
  expect_identical(two$confidence[1], "95%, 99.8%")
})

test_that("esp2013 is the European Standard Population", {
  expect_length(esp2013, 19)
  expect_equal(sum(esp2013), 100000)
})

test_that("a missing count makes its group's sum missing, as R's sum() does", {
  d <- data.frame(g = c("a", "a", "b"), x = c(3, NA, 5), n = c(10, 20, 50))
  o <- phe_proportion(dplyr::group_by(d, g), x, n)
  expect_true(is.na(o$x[1]) && is.na(o$value[1]) && is.na(o$lowercl[1]))
  expect_equal(o$value[2], 0.1)
  r <- phe_rate(d, x, n)
  expect_true(is.na(r$method[2]))
  expect_identical(r$method[c(1, 3)], c("Exact", "Exact"))
})

test_that("labels follow PHEindicatormethods' formatting", {
  p <- data.frame(x = 5, n = 20)
  expect_identical(phe_proportion(p, x, n, multiplier = 1000)$statistic, "proportion of 1000")
  expect_identical(phe_proportion(p, x, n, multiplier = 100)$statistic, "percentage")
  expect_identical(phe_rate(p, x, n)$statistic, "rate per 100000")
  expect_identical(phe_rate(p, x, n, confidence = 99.8)$confidence, "99.8%")
  d <- data.frame(g = "a", x = 1:19 * 3, n = 10000, w = esp2013)
  o <- calculate_dsr(dplyr::group_by(d, g), x, n, stdpop = w, multiplier = 1e6)
  expect_identical(o$statistic, "dsr per 1000000")
  expect_false(dplyr::is_grouped_df(o))
})

test_that("ungrouped input keeps its class and every column", {
  p <- data.frame(id = c("a", "b"), x = c(1, 5), n = c(10, 20), note = c("u", "v"))
  o <- phe_proportion(p, x, n)
  expect_s3_class(o, "data.frame")
  expect_false(inherits(o, "tbl_df"))
  expect_identical(o$note, p$note)
  t <- phe_rate(tibble::as_tibble(p), x, n)
  expect_s3_class(t, "tbl_df")
})
