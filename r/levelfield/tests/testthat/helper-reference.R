# Reads PHEindicatormethods' reference outputs (copied from the repository's tests/reference/phe
# when the package is built) and compares levelfield's results with them column by column.

ref_path <- function(file) {
  p <- testthat::test_path("reference-phe", file)
  if (!file.exists(p)) {
    p <- testthat::test_path("..", "..", "..", "..", "tests", "reference", "phe", file)
  }
  p
}

read_ref <- function(file) {
  utils::read.csv(ref_path(file), stringsAsFactors = FALSE, check.names = FALSE)
}

# Every column of `expected` must be in `actual` with equal values: numbers to `tol` relative
# (NA where NA), text exactly. Rows are matched by `key`.
expect_matches_reference <- function(actual, expected, key, tol = 1e-9, skip = character()) {
  actual <- as.data.frame(dplyr::ungroup(actual))
  testthat::expect_equal(nrow(actual), nrow(expected))
  idx <- match(do.call(paste, expected[key]), do.call(paste, actual[key]))
  testthat::expect_false(anyNA(idx), info = "every reference row is in the result")
  actual <- actual[idx, , drop = FALSE]
  testthat::expect_identical(names(actual), names(expected))
  for (col in setdiff(names(expected), skip)) {
    e <- expected[[col]]
    a <- actual[[col]]
    testthat::expect_identical(is.na(a), is.na(e), info = col)
    ok <- !is.na(e)
    if (is.numeric(e)) {
      rel <- abs(a[ok] - e[ok]) / pmax(abs(e[ok]), 1e-300)
      rel[a[ok] == e[ok]] <- 0
      testthat::expect_true(all(rel <= tol),
                            info = paste0(col, ": largest relative difference ", max(c(0, rel))))
    } else {
      testthat::expect_identical(as.character(a[ok]), as.character(e[ok]), info = col)
    }
  }
}
