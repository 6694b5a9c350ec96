# Funnel limits for rates and ratios, significance and plotting points: no PHEindicatormethods
# reference outputs exist for these in the repository, so the tests check what the limits must
# satisfy and the formulas PHE documents.

units <- data.frame(area = sprintf("U%02d", 1:12),
                    x = c(0, 3, 8, 12, 25, 40, 55, 80, 120, 200, 350, 600),
                    pop = c(4000, 9000, 15000, 20000, 30000, 52000, 60000, 90000, 150000,
                            230000, 400000, 700000))
units$rate <- units$x / units$pop * 100000

test_that("rate funnel limits bracket the overall rate and narrow as events grow", {
  out <- calculate_funnel_limits(units, x, pop, rate = rate, statistic = "rate",
                                 rate_type = "crude", multiplier = 100000, years_of_data = 1)
  expect_named(out, c("Events", "lower_2s_population_1_year", "lower_2s_limit",
                      "upper_2s_population_1_year", "upper_2s_limit",
                      "lower_3s_population_1_year", "lower_3s_limit",
                      "upper_3s_population_1_year", "upper_3s_limit", "baseline",
                      "statistic", "method"))
  base <- sum(units$x) / sum(units$pop) * 100000
  expect_equal(out$baseline[1], base, tolerance = 1e-12)
  expect_true(all(out$lower_3s_limit < out$lower_2s_limit))
  expect_true(all(out$lower_2s_limit < base & out$upper_2s_limit > base))
  expect_true(all(out$upper_2s_limit < out$upper_3s_limit))
  # Each limit is the events over the population at which it is reached.
  expect_equal(out$lower_2s_limit, out$Events / out$lower_2s_population_1_year * 100000,
               tolerance = 1e-12)
  width <- out$upper_3s_limit - out$lower_3s_limit
  expect_true(all(diff(width) < 0))
  expect_identical(out$statistic[1], "rate (crude per 100,000)")
  expect_identical(out$method[1], "Poisson")
})

test_that("ratio funnel limits surround a ratio of one", {
  df <- data.frame(o = c(5, 20, 60, 150), e = c(6, 18, 70, 140))
  count <- calculate_funnel_limits(df, o, e, statistic = "ratio", ratio_type = "count",
                                   multiplier = 1)
  isr <- calculate_funnel_limits(df, o, e, statistic = "ratio", ratio_type = "isr",
                                 multiplier = 100)
  expect_true(all(count$lower_3s_limit < count$lower_2s_limit & count$lower_2s_limit < 0))
  expect_true(all(count$upper_2s_limit > 0 & count$upper_3s_limit > count$upper_2s_limit))
  expect_equal(isr$lower_2s_limit, (count$lower_2s_limit + 1) * 100, tolerance = 1e-12)
  expect_equal(count$lower_2s_limit, count$Observed_events / count$lower_2s_exp_events - 1,
               tolerance = 1e-12)
  expect_identical(isr$statistic[1], "ratio (isr)")
})

test_that("significance labels follow the limits", {
  p <- data.frame(x = c(5, 50, 95, 500), n = c(100, 100, 100, 1000))
  sig <- assign_funnel_significance(p, x, n, statistic = "proportion")$significance
  expect_identical(sig[1], "Low (0.001)")
  expect_identical(sig[3], "High (0.001)")
  r <- assign_funnel_significance(units, x, pop, rate = rate, statistic = "rate",
                                  rate_type = "dsr", multiplier = 100000)$significance
  expect_identical(r[1:3], rep("Not applicable for events less than 10 for dsrs", 3))
  expect_true(all(r %in% c("Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)",
                           "Not significant", "Not applicable for events less than 10 for dsrs")))
  ratio <- assign_funnel_significance(data.frame(o = c(100, 30), e = c(50, 31)), o, e,
                                      statistic = "ratio")$significance
  expect_identical(ratio, c("High (0.001)", "Not significant"))
})

test_that("funnel points derive each unit's yearly denominator as PHE does", {
  pts <- calculate_funnel_points(units, x, pop, rate = rate, rate_type = "crude",
                                 years_of_data = 3, multiplier = 100000)
  expect_equal(pts$rate_chart, units$rate)
  expect_equal(pts$denominator_derived[1], units$pop[1] / 3)
  expect_equal(pts$denominator_derived[-1], units$pop[-1] / 3, tolerance = 1e-12)
  dsr <- calculate_funnel_points(units, x, pop, rate = rate, rate_type = "dsr",
                                 years_of_data = 3, multiplier = 100000)
  expect_true(all(is.na(dsr$rate_chart[units$x < 10])))
  expect_true(all(is.na(dsr$denominator_derived[units$x < 10])))
})
