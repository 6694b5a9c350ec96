# lf_inequality on METHODS.md's datasets N (unordered) and O (ordered), with the values the
# command line's tests check (which METHODS.md derives by hand and from WHO HEAT's formulas).

near <- function(out, measure, col, want, tol) {
  got <- out[[col]][out$measure == measure]
  expect_true(abs(got - want) <= tol, info = paste(measure, col, got, "vs", want))
}

test_that("dataset N: an unordered dimension", {
  n <- data.frame(group = c("A", "B", "C", "D"), value = c(30, 20, 15, 10),
                  se = c(1.0, 1.5, 1.2, 0.8), pop = c(1000, 2000, 3000, 4000))
  m <- lf_inequality(n, group, pop, value, se = se, dimension_type = "unordered",
                     polarity = "adverse", reference = "B", bounds = c(0, 100))
  expect_equal(nrow(m), 25)
  near(m, "D", "value", 20.0, 1e-12)
  near(m, "D", "lower_ci_95_0", 17.490, 5e-4)
  near(m, "R", "upper_ci_95_0", 3.5554, 5e-5)
  near(m, "PAR", "value", -5.5, 1e-12)
  near(m, "PAF", "value", -35.484, 5e-4)
  near(m, "BGV", "lower_ci_95_0", 26.718, 5e-4)
  near(m, "BGSD", "value", 6.1033, 5e-5)
  near(m, "COV", "value", 39.376, 5e-4)
  near(m, "MDRW", "value", 6.5, 1e-12)
  near(m, "IDISW", "value", 30.323, 5e-4)
  near(m, "TI", "value", 70.972, 5e-3)
  near(m, "MLD", "value", 68.125, 5e-3)
  expect_identical(m$comparison[m$measure == "D"], "A vs D")
  expect_identical(m$applies[m$measure == "SII"], "FALSE")
  expect_match(m$diagnostic[m$measure == "SII"], "ordered dimensions")
  expect_true(m$mc_error[m$measure == "BGSD"] > 0)
  expect_match(m$ci_method[m$measure == "BGSD"], "^simulation")
  expect_named(m, c("measure", "value", "lower_ci_95_0", "upper_ci_95_0", "mc_error",
                    "value_disadvantage", "confidence", "ci_method", "applies", "comparison",
                    "diagnostic"))
})

test_that("dataset O: an ordered dimension, rows in any order", {
  o <- data.frame(decile = c(5, 1, 2, 3, 4), value = c(8, 16, 13, 11, 9),
                  se = c(0.9, 0.9, 0.8, 0.7, 0.8), pop = c(100, 300, 250, 200, 150))
  m <- lf_inequality(o, decile, pop, value, se = se, dimension_type = "ordered",
                     polarity = "adverse", bounds = c(0, 100))
  near(m, "D", "value", 8.0, 1e-12)
  near(m, "R", "lower_ci_95_0", 1.5630, 5e-5)
  near(m, "ACI", "value", -1.59, 1e-12)
  near(m, "RCI", "value", -0.12823, 5e-6)
  near(m, "SII", "value", -10.0952, 5e-5)
  near(m, "SII", "lower_ci_95_0", -12.906, 5e-4)
  near(m, "RII", "value", 0.42140, 5e-6)
  near(m, "ERREYGERS", "value", -0.0636, 1e-12)
  near(m, "SII_LOGISTIC", "value", -9.985, 5e-4)
  near(m, "RII_LOGISTIC", "value", 0.44472, 5e-6)
  near(m, "WAGSTAFF", "value", -0.14638, 5e-6)
  near(m, "SII", "value_disadvantage", 10.0952, 5e-5)
  near(m, "ACI", "value_disadvantage", 1.59, 1e-12)
  expect_identical(m$applies[m$measure == "BGV"], "FALSE")
  expect_identical(m$comparison[m$measure == "D"], "1 vs 5")
})

test_that("grouped data gives 25 rows per set; a missing value is left out and reported", {
  n <- data.frame(area = rep(c("X", "Y"), each = 4), group = rep(c("A", "B", "C", "D"), 2),
                  value = c(30, 20, 15, 10, 12, NA, 14, 16), se = 1, pop = 1000)
  m <- lf_inequality(dplyr::group_by(n, area), group, pop, value, se = se)
  expect_equal(nrow(m), 50)
  expect_identical(unique(m$area), c("X", "Y"))
  expect_true(all(grepl("left out for a missing value or uncertainty: B",
                        m$diagnostic[m$area == "Y"], fixed = TRUE)))
  expect_error(lf_inequality(n, group, pop, value, se = se), "appears twice", fixed = TRUE)
  expect_error(lf_inequality(n[1:4, ], group, pop, value), "uncertainty one way", fixed = TRUE)
})
