# Real published Fingertips limits (OHID, Open Government Licence v3.0; sources in the
# repository's tests/reference/fingertips/README.md): every row that verification.csv classes
# `match` reproduces through phe_proportion, phe_rate and calculate_ISRatio within its
# tolerance (half a unit in the last published decimal plus 1e-9 relative).

fingertips <- function(file) {
  p <- testthat::test_path("reference-fingertips", file)
  if (!file.exists(p)) p <- testthat::test_path("..", "..", "..", "..", "tests", "reference", "fingertips", file)
  utils::read.csv(p, stringsAsFactors = FALSE)
}

test_that("published Fingertips proportions, crude rates and ISRs reproduce", {
  verification <- fingertips("verification.csv")
  indicators <- fingertips("indicators.csv")
  checked <- 0
  for (file in c("fingertips_proportions.csv", "fingertips_crude_rates.csv", "fingertips_isr.csv")) {
    data <- fingertips(file)
    v <- verification[verification$file == file & verification$status == "match", ]
    rows <- data[v$row, ]
    expect_identical(rows$indicator_id, v$indicator_id)
    m <- indicators$multiplier[match(rows$indicator_id, indicators$indicator_id)]
    for (mult in unique(m)) {
      pick <- m == mult
      d <- data.frame(id = seq_len(sum(pick)), x = rows$count[pick], n = rows$denominator[pick],
                      one = 1)
      out <- switch(file,
        fingertips_proportions.csv = phe_proportion(d, x, n, multiplier = mult),
        fingertips_crude_rates.csv = phe_rate(d, x, n, multiplier = mult),
        # An ISR's published denominator is the expected count: a reference rate of 1/1
        # makes expected = denominator.
        fingertips_isr.csv = calculate_ISRatio(dplyr::group_by(d, id), x, n, one, one,
                                               refpoptype = "field", refvalue = mult)
      )
      out <- as.data.frame(dplyr::ungroup(out))
      out <- out[match(d$id, out$id), ]
      lower_ok <- abs(out$lowercl - rows$lower_95[pick]) <= v$tol_lower[pick]
      upper_ok <- abs(out$uppercl - rows$upper_95[pick]) <= v$tol_upper[pick]
      expect_true(all(lower_ok), info = paste(file, "lower, rows", paste(v$row[pick][!lower_ok], collapse = " ")))
      expect_true(all(upper_ok), info = paste(file, "upper, rows", paste(v$row[pick][!upper_ok], collapse = " ")))
      checked <- checked + sum(pick)
    }
  }
  expect_equal(checked, 838 + 470 + 66)
})
