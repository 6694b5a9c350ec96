# Every PHEindicatormethods 2.1.0 reference output in tests/reference/phe, reproduced through
# the R functions to 1e-9 relative.

prop_in <- read_ref("in_prop_cases.csv")
rate_in <- read_ref("in_rate_cases.csv")

test_that("phe_proportion reproduces every reference output", {
  cases <- list(
    list("out_prop_cases__c95_m1.csv", 0.95, 1),
    list("out_prop_cases__c998_m100.csv", 0.998, 100),
    list("out_prop_cases__c95_998_m100.csv", c(0.95, 0.998), 100),
    list("out_prop_cases__c99pct_m1000.csv", 99, 1000),
    list("out_prop_cases__cNA_m100.csv", NA, 100)
  )
  for (case in cases) {
    out <- phe_proportion(prop_in, x, n, confidence = case[[2]], multiplier = case[[3]])
    expect_matches_reference(out, read_ref(case[[1]]), "id")
  }
})

test_that("phe_rate reproduces every reference output", {
  cases <- list(
    list("out_rate_cases__c95_m100000.csv", 0.95, 100000),
    list("out_rate_cases__c998_m100000.csv", 0.998, 100000),
    list("out_rate_cases__c95_998_m100000.csv", c(0.95, 0.998), 100000),
    list("out_rate_cases__c90_m1000.csv", 0.90, 1000)
  )
  for (case in cases) {
    out <- phe_rate(rate_in, x, n, confidence = case[[2]], multiplier = case[[3]])
    expect_matches_reference(out, read_ref(case[[1]]), "id")
  }
})

test_that("phe_mean reproduces the grouped and ungrouped reference outputs", {
  m <- read_ref("in_mean_cases.csv")
  expect_matches_reference(phe_mean(dplyr::group_by(m, group), x),
                           read_ref("out_mean_cases__c95.csv"), "group")
  ungrouped <- phe_mean(m, x)
  expected <- read_ref("out_mean_cases__ungrouped_c95.csv")
  expected$row <- 1
  ungrouped$row <- 1
  expect_matches_reference(ungrouped, expected, "row")
})

test_that("calculate_dsr reproduces every reference output", {
  d <- dplyr::group_by(read_ref("in_dsr_cases.csv"), group)
  expect_matches_reference(calculate_dsr(d, x, n, stdpop = stdpop),
                           read_ref("out_dsr_cases__c95.csv"), "group")
  expect_matches_reference(calculate_dsr(d, x, n, stdpop = stdpop, confidence = 0.998),
                           read_ref("out_dsr_cases__c998.csv"), "group")
  expect_matches_reference(calculate_dsr(d, x, n, stdpop = stdpop, confidence = c(0.95, 0.998)),
                           read_ref("out_dsr_cases__c95_998.csv"), "group")
  expect_matches_reference(calculate_dsr(d, x, n, stdpop = stdpop, multiplier = 1000,
                                         type = "standard"),
                           read_ref("out_dsr_cases__c95_m1000_standard.csv"), "group")
})

test_that("phe_dsr (deprecated in PHEindicatormethods) gives calculate_dsr's reference with esp2013", {
  d <- read_ref("in_dsr_cases.csv")
  expected <- read_ref("out_dsr_cases__c95.csv")
  # The 15-band group makes groups unequal, which phe_dsr refuses, as PHEindicatormethods does.
  expect_error(phe_dsr(dplyr::group_by(d, group), x, n),
               "data must contain the same number of rows for each group", fixed = TRUE)
  keep <- d$group != "under75_15bands"
  expect_true(all(d$stdpop[keep] == esp2013[d$ageband[keep]]))
  out <- phe_dsr(dplyr::group_by(d[keep, ], group), x, n)
  expect_matches_reference(out, expected[expected$group != "under75_15bands", ], "group")
  by_field <- phe_dsr(dplyr::group_by(d[keep, ], group), x, n, stdpop = stdpop, stdpoptype = "field")
  expect_equal(by_field$value, out$value)
})

test_that("calculate_ISRatio and calculate_ISRate reproduce the reference outputs", {
  d <- dplyr::group_by(read_ref("in_isr_cases.csv"), group)
  expect_matches_reference(
    calculate_ISRatio(d, x, n, x_ref, n_ref, refpoptype = "field"),
    read_ref("out_isr_cases__isratio_c95_ref1.csv"), "group")
  expect_matches_reference(
    calculate_ISRate(d, x, n, x_ref, n_ref, refpoptype = "field"),
    read_ref("out_isr_cases__israte_c95_m100000.csv"), "group")
  # The same reference given as vectors gives the same result.
  first <- read_ref("in_isr_cases.csv")
  first <- first[first$group == first$group[1], ]
  expect_matches_reference(
    calculate_ISRatio(d, x, n, first$x_ref, first$n_ref),
    read_ref("out_isr_cases__isratio_c95_ref1.csv"), "group")
})

test_that("phe_quantile reproduces the reference output", {
  q <- dplyr::group_by(read_ref("in_quantile_cases.csv"), parent)
  expect_warning(out <- phe_quantile(q, x, nquantiles = 10L, invert = TRUE),
                        "too few small areas")
  expected <- read_ref("out_quantile_cases__q10_invertT.csv")
  expect_matches_reference(out, expected, "area")
})

test_that("calculate_funnel_limits reproduces the proportion reference output", {
  f <- read_ref("in_funnel_prop.csv")
  out <- calculate_funnel_limits(f, numerator, denominator, statistic = "proportion",
                                 multiplier = 100)
  expected <- read_ref("out_funnel_prop__limits_m100.csv")
  expect_matches_reference(out, expected, "Population")
})

test_that("phe_sii reproduces the reference: exact parts to 1e-9, simulated limits within Monte Carlo error", {
  s <- dplyr::group_by(read_ref("in_sii_normal.csv"), area)
  set.seed(1)
  expect_warning(
    out <- phe_sii(s, quantile, population, value = value, se = se, confidence = 0.95,
            intercept = TRUE, repetitions = 100000),
    "fewer quantiles")
  expected <- read_ref("out_sii_normal__vt0_se_c95_intercept.csv")
  expect_matches_reference(out, expected, "area",
                           skip = c("sii_lower95_0cl", "sii_upper95_0cl", "CI_method"))
  mc <- attr(out, "mc_error")
  idx <- match(expected$area, out$area)
  for (side in c("lower", "upper")) {
    sd <- mc[[side]][[1]][idx]
    expect_true(all(sd > 0 & sd < 0.05))
    diff <- abs(out[[paste0("sii_", side, "95_0cl")]][idx] - expected[[paste0("sii_", side, "95_0cl")]])
    expect_true(all(diff <= 5 * sd + 1e-9), info = side)
  }
})
