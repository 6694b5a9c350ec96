library(testthat)
library(levelfield)

test_check("levelfield")
