# The PHEindicatormethods 2.1.0 functions: same names, arguments and output columns, computed by
# levelfield's statistics core.

lf_simple <- function(data, x, n, type, confidence, multiplier, kind) {
  xq <- rlang::enquo(x)
  nq <- rlang::enquo(n)
  xs <- lf_column(data, xq, "x")
  ns <- lf_column(data, nq, "n")
  if (any(xs < 0, na.rm = TRUE)) {
    lf_stop("numerators must be greater than or equal to zero", lf_first(!is.na(xs) & xs < 0, xs))
  }
  if (any(ns <= 0, na.rm = TRUE)) {
    lf_stop("denominators must be greater than zero", lf_first(!is.na(ns) & ns <= 0, ns))
  }
  if (kind == "proportion" && any(xs > ns, na.rm = TRUE)) {
    lf_stop("numerators must be less than or equal to denominator for a proportion statistic",
            lf_first(!is.na(xs) & !is.na(ns) & xs > ns, xs))
  }
  lf_check_type(type)
  levels <- lf_confidence(
    confidence,
    if (kind == "proportion") {
      "confidence level, if specified, must be between 90 and 100 or between 0.9 and 1"
    } else {
      "confidence level must be between 90 and 100 or between 0.9 and 1"
    },
    allow_na = kind == "proportion"
  )
  if (!is.numeric(multiplier) || length(multiplier) != 1 || !(multiplier > 0)) {
    lf_stop("multiplier must be greater than 0", paste0("got ", multiplier))
  }
  groups <- lf_groups(data)
  if (groups$n != 1) {
    # Rows are summed within each group, as PHEindicatormethods does for grouped data.
    xs <- lf_call(wrap__lf_group_sum, xs, groups$gid, groups$n)
    ns <- lf_call(wrap__lf_group_sum, ns, groups$gid, groups$n)
    out <- groups$keys
    out[[lf_name(xq)]] <- xs
    out[[lf_name(nq)]] <- ns
  } else {
    out <- data
  }
  est <- lf_call(wrap__lf_simple, kind, xs, ns, levels, as.double(multiplier))
  statistic <- if (kind == "proportion") {
    if (multiplier == 100) "percentage" else paste0("proportion of ", multiplier)
  } else {
    paste("rate per", lf_format_multiplier(multiplier))
  }
  if (length(levels) == 0) {
    out[["value"]] <- est$value
    out[["statistic"]] <- rep(statistic, length(est$value))
  } else {
    out <- lf_add_estimates(out, est, levels)
    out[["confidence"]] <- rep(lf_confidence_label(levels), length(est$value))
    out[["statistic"]] <- rep(statistic, length(est$value))
    method <- est$method
    if (kind == "rate") method[is.na(xs)] <- NA_character_
    out[["method"]] <- method
  }
  out <- lf_select_type(out, type)
  if (groups$n != 1) lf_regroup(out, groups) else out
}

#' @export
phe_proportion <- function(data, x, n, type = "full", confidence = 0.95, multiplier = 1) {
  if (missing(data) || missing(x) || missing(n)) {
    lf_stop("function phe_proportion requires at least 3 arguments: data, x, n")
  }
  lf_simple(data, {{ x }}, {{ n }}, type, confidence, multiplier, "proportion")
}

#' @export
phe_rate <- function(data, x, n, type = "full", confidence = 0.95, multiplier = 100000) {
  if (missing(data) || missing(x) || missing(n)) {
    lf_stop("function phe_rate requires at least 3 arguments: data, x, n")
  }
  lf_simple(data, {{ x }}, {{ n }}, type, confidence, multiplier, "rate")
}

#' @export
phe_mean <- function(data, x, type = "full", confidence = 0.95) {
  if (missing(data) || missing(x)) {
    lf_stop("function phe_mean requires at least 2 arguments: data, x")
  }
  lf_check_type(type)
  levels <- lf_confidence(confidence, "confidence level must be between 90 and 100 or between 0.9 and 1")
  xs <- lf_column(data, rlang::enquo(x), "x")
  groups <- lf_groups(data)
  res <- lf_call(wrap__lf_mean, xs, groups$gid, groups$n, levels)
  out <- groups$keys
  out[["value_sum"]] <- res$sum
  out[["value_count"]] <- res$count
  out[["stdev"]] <- res$sd
  out <- lf_add_estimates(out, res$estimates, levels)
  # A single value has no standard deviation, so PHE's limits are NA; so are ours.
  out[["confidence"]] <- rep(lf_confidence_label(levels), groups$n)
  out[["statistic"]] <- rep("mean", groups$n)
  out[["method"]] <- rep("Student's t-distribution", groups$n)
  out <- lf_select_type(out, type, c("value_sum", "value_count", "stdev"))
  lf_regroup(out, groups)
}

#' @export
calculate_dsr <- function(data, x, n, stdpop = NULL, type = "full", confidence = 0.95,
                          multiplier = 100000, independent_events = TRUE, eventfreq = NULL,
                          ageband = NULL) {
  if (missing(data) || missing(x) || missing(n) || missing(stdpop)) {
    lf_stop("function calculate_dsr requires at least 4 arguments: data, x, n, stdpop",
            "stdpop names the column of standard population weights, e.g. stdpop = esp2013 for a column holding the values of the esp2013 vector")
  }
  if (!is.data.frame(data)) lf_stop("data must be a data frame object")
  xs <- lf_column(data, rlang::enquo(x), "x")
  ns <- lf_column(data, rlang::enquo(n), "n")
  ws <- lf_column(data, rlang::enquo(stdpop), "stdpop")
  if (anyNA(ns)) {
    lf_stop("field n cannot have missing values", lf_first(is.na(ns), ns))
  }
  if (anyNA(ws)) {
    lf_stop("field stdpop cannot have missing values", lf_first(is.na(ws), ws))
  }
  if (any(xs < 0, na.rm = TRUE)) {
    lf_stop("numerators must all be greater than or equal to zero", lf_first(!is.na(xs) & xs < 0, xs))
  }
  if (any(ns <= 0)) {
    lf_stop("denominators must all be greater than zero", lf_first(ns <= 0, ns))
  }
  if (any(ws < 0)) {
    lf_stop("stdpop must all be greater than or equal to zero", lf_first(ws < 0, ws))
  }
  lf_check_type(type)
  levels <- lf_confidence(confidence, "confidence level must be between 90 and 100 or between 0.9 and 1")
  if (!is.numeric(multiplier) || length(multiplier) != 1) lf_stop("multiplier must be numeric")
  if (!(multiplier > 0)) lf_stop("multiplier must be greater than 0", paste0("got ", multiplier))
  if (!rlang::is_bool(independent_events)) {
    lf_stop("independent_events must be TRUE or FALSE")
  }
  freq <- numeric(0)
  band <- integer(0)
  if (!independent_events) {
    if (missing(eventfreq)) {
      lf_stop("function calculate_dsr requires an eventfreq column to be specified when independent_events is FALSE",
              "name the column that says how many events each person had")
    }
    freq <- lf_column(data, rlang::enquo(eventfreq), "eventfreq")
    if (anyNA(freq)) lf_stop("eventfreq field must not have any missing values", lf_first(is.na(freq), freq))
    if (missing(ageband)) {
      lf_stop("function calculate_dsr requires an ageband column to be specified when independent_events is FALSE")
    }
    bands <- rlang::eval_tidy(rlang::enquo(ageband), data)
    if (anyNA(bands)) lf_stop("ageband field must not have any missing values")
    band <- match(bands, unique(bands))
  }
  groups <- lf_groups(data)
  res <- lf_call(wrap__lf_dsr, xs, ns, ws, freq, band, groups$gid, groups$n, levels,
               as.double(multiplier))
  out <- groups$keys
  out[["total_count"]] <- res$total_count
  out[["total_pop"]] <- res$total_pop
  out <- lf_add_estimates(out, res$estimates, levels)
  few <- res$total_count < 10
  out[["confidence"]] <- rep(lf_confidence_label(levels), groups$n)
  out[["statistic"]] <- ifelse(few, "dsr NA for total count < 10",
                               paste("dsr per", lf_format_multiplier(multiplier)))
  out[["method"]] <- rep(if (independent_events) "Dobson" else
    "Dobson, with confidence adjusted for non-independent events", groups$n)
  lf_select_type(out, type, c("total_count", "total_pop"))
}

#' @export
phe_dsr <- function(data, x, n, stdpop = esp2013, stdpoptype = "vector", type = "full",
                    confidence = 0.95, multiplier = 100000) {
  if (missing(data) || missing(x) || missing(n)) {
    lf_stop("function phe_dsr requires at least 3 arguments: data, x, n")
  }
  groups <- lf_groups(data)
  sizes <- tabulate(groups$gid, groups$n)
  if (length(unique(sizes)) != 1) {
    lf_stop("data must contain the same number of rows for each group",
            paste0("group sizes range from ", min(sizes), " to ", max(sizes)))
  }
  if (!(is.character(stdpoptype) && length(stdpoptype) == 1 &&
        stdpoptype %in% c("vector", "field"))) {
    lf_stop("valid values for stdpoptype are vector and field")
  }
  if (stdpoptype == "vector") {
    if (length(stdpop) != sizes[1]) {
      lf_stop("stdpop length must equal number of rows in each group within data",
              paste0("stdpop has ", length(stdpop), " values and each group ", sizes[1], " rows"))
    }
    pos <- stats::ave(seq_along(groups$gid), groups$gid, FUN = seq_along)
    weights <- as.double(stdpop)[pos]
  } else {
    weights <- lf_column(data, rlang::enquo(stdpop), "stdpop")
  }
  data[[".lf_stdpop"]] <- weights
  out <- calculate_dsr(data, {{ x }}, {{ n }}, stdpop = .data$.lf_stdpop, type = type,
                       confidence = confidence, multiplier = multiplier)
  lf_regroup(out, groups)
}

lf_isr <- function(data, xq, nq, x_ref, n_ref, xrq, nrq, refpoptype, type, confidence,
                   scale, observed_totals, ratio) {
  groups <- lf_groups(data)
  sizes <- tabulate(groups$gid, groups$n)
  if (length(unique(sizes)) != 1) {
    lf_stop("data must contain the same number of rows for each group",
            paste0("group sizes range from ", min(sizes), " to ", max(sizes)))
  }
  if (!(is.character(refpoptype) && length(refpoptype) == 1 &&
        refpoptype %in% c("vector", "field"))) {
    lf_stop("valid values for refpoptype are vector and field",
            "use refpoptype = \"vector\" for vectors of reference counts and populations, or \"field\" for columns of data")
  }
  if (refpoptype == "vector") {
    if (length(x_ref) != sizes[1]) {
      lf_stop("x_ref length must equal number of rows in each group within data",
              paste0("x_ref has ", length(x_ref), " values and each group ", sizes[1], " rows"))
    }
    if (length(n_ref) != sizes[1]) {
      lf_stop("n_ref length must equal number of rows in each group within data",
              paste0("n_ref has ", length(n_ref), " values and each group ", sizes[1], " rows"))
    }
    pos <- stats::ave(seq_along(groups$gid), groups$gid, FUN = seq_along)
    xr <- as.double(x_ref)[pos]
    nr <- as.double(n_ref)[pos]
  } else {
    xr <- lf_column(data, xrq, "x_ref")
    nr <- lf_column(data, nrq, "n_ref")
  }
  ns <- lf_column(data, nq, "n")
  xs <- if (is.null(observed_totals)) lf_column(data, xq, "x") else numeric(0)
  if (any(xs < 0, na.rm = TRUE) || any(xr < 0, na.rm = TRUE)) {
    lf_stop("numerators must all be greater than or equal to zero",
            if (any(xs < 0, na.rm = TRUE)) lf_first(!is.na(xs) & xs < 0, xs) else lf_first(!is.na(xr) & xr < 0, xr))
  }
  if (any(ns < 0, na.rm = TRUE) || any(nr < 0, na.rm = TRUE)) {
    lf_stop("denominators must all be greater than or equal to zero",
            if (any(ns < 0, na.rm = TRUE)) lf_first(!is.na(ns) & ns < 0, ns) else lf_first(!is.na(nr) & nr < 0, nr))
  }
  lf_check_type(type)
  levels <- lf_confidence(confidence, "confidence level must be between 90 and 100 or between 0.9 and 1")
  observed <- numeric(0)
  if (!is.null(observed_totals)) {
    xname <- lf_name(xq)
    if (!xname %in% names(observed_totals)) {
      lf_stop("observed_totals is provided but x is not a field name in it")
    }
    joined <- dplyr::left_join(groups$keys, observed_totals,
                               by = intersect(names(groups$keys), names(observed_totals)))
    observed <- as.double(joined[[xname]])
    xs <- numeric(0)
  }
  res <- lf_call(wrap__lf_isr, xs, ns, xr, nr, groups$gid, groups$n, levels, ratio,
               as.double(scale), observed)
  out <- groups$keys
  out[["observed"]] <- res$observed
  out[["expected"]] <- res$expected
  counts <- c("observed", "expected")
  if (!ratio) {
    out[["ref_rate"]] <- res$ref_rate
    counts <- c(counts, "ref_rate")
  }
  out <- lf_add_estimates(out, res$estimates, levels)
  out[["confidence"]] <- rep(lf_confidence_label(levels), groups$n)
  out[["statistic"]] <- rep(if (ratio) {
    paste0("indirectly standardised ratio x ", lf_format_multiplier(scale))
  } else {
    paste("indirectly standardised rate per", lf_format_multiplier(scale))
  }, groups$n)
  out[["method"]] <- ifelse(res$observed < 10, "Exact", "Byars")
  out <- lf_select_type(out, type, counts)
  lf_regroup(out, groups)
}

#' @export
calculate_ISRatio <- function(data, x, n, x_ref, n_ref, refpoptype = "vector", type = "full",
                              confidence = 0.95, refvalue = 1, observed_totals = NULL) {
  if (missing(data) || missing(x) || missing(n) || missing(x_ref) || missing(n_ref)) {
    lf_stop("function calculate_ISRatio requires at least 5 arguments: data, x, n, x_ref and n_ref")
  }
  vec <- identical(refpoptype, "vector")
  lf_isr(data, rlang::enquo(x), rlang::enquo(n),
         if (vec) x_ref else NULL, if (vec) n_ref else NULL,
         rlang::enquo(x_ref), rlang::enquo(n_ref), refpoptype, type, confidence, refvalue,
         observed_totals, ratio = TRUE)
}

#' @export
calculate_ISRate <- function(data, x, n, x_ref, n_ref, refpoptype = "vector", type = "full",
                             confidence = 0.95, multiplier = 100000, observed_totals = NULL) {
  if (missing(data) || missing(x) || missing(n) || missing(x_ref) || missing(n_ref)) {
    lf_stop("function calculate_ISRate requires at least 5 arguments: data, x, n, x_ref and n_ref")
  }
  vec <- identical(refpoptype, "vector")
  lf_isr(data, rlang::enquo(x), rlang::enquo(n),
         if (vec) x_ref else NULL, if (vec) n_ref else NULL,
         rlang::enquo(x_ref), rlang::enquo(n_ref), refpoptype, type, confidence, multiplier,
         observed_totals, ratio = FALSE)
}

#' @export
phe_quantile <- function(data, values, nquantiles = 10L, invert = TRUE, inverttype = "logical",
                         type = "full") {
  if (missing(data) || missing(values)) {
    lf_stop("function phe_quantile requires at least 2 arguments: data, values")
  }
  groups <- lf_groups(data)
  if (!(is.character(inverttype) && length(inverttype) == 1 &&
        inverttype %in% c("logical", "field"))) {
    lf_stop("valid values for inverttype are logical and field")
  }
  if (inverttype == "logical") {
    if (!rlang::is_bool(invert)) {
      lf_stop("invert expressed as a logical must equal TRUE or FALSE",
              "use inverttype = \"field\" to take it from a column")
    }
    # As in PHEindicatormethods, `invert` is evaluated with the data's columns in scope, so a
    # column named `invert` takes precedence over the argument's value.
    inv_row <- as.logical(rlang::eval_tidy(quote(invert), data, env = environment()))
    if (length(inv_row) == 1) inv_row <- rep(inv_row, nrow(data))
  } else {
    inv_row <- tryCatch(as.logical(rlang::eval_tidy(rlang::enquo(invert), data)),
                        error = function(e) lf_stop("invert is not a field name from data"))
    if (length(inv_row) == 1) inv_row <- rep(inv_row, nrow(data))
  }
  inv_group <- tapply(inv_row, factor(groups$gid, levels = seq_len(groups$n)),
                      function(v) length(unique(v)))
  if (any(inv_group != 1, na.rm = TRUE)) {
    lf_stop("invert field values must take the same logical value for each data grouping set")
  }
  inv_first <- inv_row[match(seq_len(groups$n), groups$gid)]
  vq <- rlang::enquo(values)
  vals <- tryCatch(rlang::eval_tidy(vq, data), error = function(e) NULL)
  if (!is.numeric(vals)) {
    lf_stop("values argument must be a numeric field from data",
            paste0("`", lf_name(vq), "` is ", if (is.null(vals)) "not a column" else class(vals)[1]))
  }
  if (!is.numeric(nquantiles) || length(nquantiles) != 1 || nquantiles < 2) {
    lf_stop("nquantiles must be a whole number of 2 or more")
  }
  q <- lf_call(wrap__lf_quantile, as.double(vals), groups$gid, groups$n, as.integer(nquantiles),
             as.integer(inv_first))
  if (any(tapply(is.na(q), groups$gid, all))) {
    warning("One or more groups had too few small areas with values to allow quantiles to be assigned",
            call. = FALSE)
  }
  out <- data
  out[["quantile"]] <- q
  if (type != "standard") {
    out[["nquantiles"]] <- rep(as.integer(nquantiles), nrow(data))
    out[["groupvars"]] <- rep(paste0(groups$vars, collapse = ", "), nrow(data))
    out[["qinverted"]] <- ifelse(inv_row, "lowest quantile represents highest values",
                                 "lowest quantile represents lowest values")
  }
  out
}

#' @export
phe_life_expectancy <- function(data, deaths, population, startage,
                                age_contents = c(0L, 1L, 5L, 10L, 15L, 20L, 25L, 30L, 35L, 40L,
                                                 45L, 50L, 55L, 60L, 65L, 70L, 75L, 80L, 85L,
                                                 90L),
                                le_age = "all", type = "full", confidence = 0.95) {
  if (missing(data) || missing(deaths) || missing(population) || missing(startage)) {
    lf_stop("function life_expectancy requires at least 4 arguments: data, deaths, population, startage")
  }
  stripped <- as.integer(sub("\\D*(\\d+).*", "\\1", age_contents))
  if (stripped[1] != 0) {
    lf_stop("first age band in age_contents must be 0",
            paste0("the first is ", age_contents[1], "; the youngest band starts at birth"))
  }
  if (!identical(stripped, sort(stripped))) {
    lf_stop("age_contents doesn't appear to be in ascending order")
  }
  if (any(confidence < 0.9) || (any(confidence > 1) && any(confidence < 90)) ||
      any(confidence > 100)) {
    lf_stop("all confidence levels must be between 90 and 100 or between 0.9 and 1",
            paste0("got ", paste(confidence, collapse = ", ")))
  }
  lf_check_type(type)
  levels <- ifelse(confidence >= 90, confidence / 100, confidence)
  ages_q <- rlang::enquo(startage)
  ages_raw <- rlang::eval_tidy(ages_q, data)
  if (!identical(as.character(sort(unique(ages_raw))), as.character(sort(age_contents)))) {
    lf_stop("the contents in the startage field do not match the contents of the age_contents vector")
  }
  ages <- as.double(sub("\\D*(\\d+).*", "\\1", ages_raw))
  dq <- rlang::enquo(deaths)
  pq <- rlang::enquo(population)
  d <- lf_column(data, dq, "deaths")
  p <- lf_column(data, pq, "population")
  groups <- lf_groups(data)
  res <- lf_call(wrap__lf_life_expectancy, d, p, ages, groups$gid, groups$n, levels)
  rows <- as.integer(res$row) + 1L
  # One output row per input row, each group's rows by start age, as PHEindicatormethods
  # returns them (without the deaths and population columns, with the sums it used).
  est <- res$estimates
  at <- function(v) {
    full <- rep(NA_real_, nrow(data))
    full[rows] <- v
    full
  }
  ord <- order(groups$gid, ages)
  out <- dplyr::ungroup(data)
  out <- out[ord, setdiff(names(out), c(lf_name(dq), lf_name(pq))), drop = FALSE]
  out[["value"]] <- at(est$value)[ord]
  nm <- if (length(levels) == 1) {
    list(lower = "lowercl", upper = "uppercl")
  } else {
    suffix <- gsub(".", "_", formatC(levels * 100, format = "f", digits = 1), fixed = TRUE)
    list(lower = paste0("lower", suffix, "cl"), upper = paste0("upper", suffix, "cl"))
  }
  for (i in seq_along(levels)) out[[nm$lower[i]]] <- at(est$lower[[i]])[ord]
  for (i in seq_along(levels)) out[[nm$upper[i]]] <- at(est$upper[[i]])[ord]
  if (type == "full") {
    out[["pops_used"]] <- at(res$pops_used)[ord]
    out[["dths_used"]] <- at(res$deaths_used)[ord]
    out[["confidence"]] <- rep(paste0(levels * 100, "%", collapse = ", "), nrow(out))
    out[["statistic"]] <- paste("life expectancy at", ages_raw[ord])
    out[["method"]] <- rep("Chiang, using Silcocks et al for confidence limits", nrow(out))
  }
  if (!identical(le_age, "all")) {
    wanted <- as.double(sub("\\D*(\\d+).*", "\\1", le_age))
    if (!any(ages %in% wanted)) {
      warning("le_age not in the vector described by age_contents; all life expectancies will be returned",
              call. = FALSE)
    } else {
      out <- out[ages[ord] %in% wanted, , drop = FALSE]
    }
  }
  if (length(groups$vars) > 0) out <- dplyr::group_by(out, dplyr::across(dplyr::all_of(groups$vars)))
  out
}

#' @export
phe_sii <- function(data, quantile, population, x = NULL, value = NULL, value_type = 0,
                    transform = FALSE, lower_cl = NULL, upper_cl = NULL, se = NULL,
                    multiplier = 1, repetitions = 100000, confidence = 0.95, rii = FALSE,
                    intercept = FALSE, reliability_stat = FALSE, type = "full") {
  if (missing(data) || missing(quantile) || missing(population)) {
    lf_stop("function phe_sii requires the arguments: data, quantile, population")
  }
  if (missing(value) && missing(x)) {
    lf_stop("function phe_sii requires value field, or x field if indicator is a proportion of population")
  }
  if (missing(se) && (missing(upper_cl) || missing(lower_cl))) {
    lf_stop("function phe_sii requires either lower_cl and upper_cl fields, or se field")
  }
  if (!(value_type %in% c(0, 1, 2))) lf_stop("value_type should be 0, 1 or 2")
  if (isTRUE(transform) && value_type == 0) {
    lf_stop("value_type should be 1 or 2 when transform is true",
            "value_type = 1 for rates (log scale), 2 for proportions (logit scale)")
  }
  if (isTRUE(transform) && !missing(se)) {
    lf_stop("function phe_sii requires se to be missing when transform is true",
            "give lower_cl and upper_cl instead")
  }
  if (isTRUE(transform) && (missing(upper_cl) || missing(lower_cl))) {
    lf_stop("function phe_sii requires lower_cl and upper_cl fields when transform is true")
  }
  if (repetitions < 1000) {
    lf_stop("number of repetitions must be 1000 or greater. Default is 100,000",
            paste0("got ", repetitions))
  }
  if (any(confidence < 0.9) || (any(confidence > 1) && any(confidence < 90)) ||
      any(confidence > 100)) {
    lf_stop("all confidence levels must be between 90 and 100 or between 0.9 and 1")
  }
  levels <- ifelse(confidence >= 90, confidence / 100, confidence)
  lf_check_type(type)
  groups <- lf_groups(data)
  sizes <- tabulate(groups$gid, groups$n)
  short <- sizes < max(sizes)
  if (any(short) && any(!short)) {
    # As PHEindicatormethods: groups with fewer quantiles than the others are left out.
    warning(sum(short), " group(s) have fewer quantiles than the others and are left out",
            call. = FALSE)
    keep_rows <- !short[groups$gid]
    data <- data[keep_rows, , drop = FALSE]
    groups <- lf_groups(data)
    sizes <- tabulate(groups$gid, groups$n)
  }
  pop <- lf_column(data, rlang::enquo(population), "population")
  if (any(sizes < 5 | sizes > 100)) {
    lf_stop("Number of quantiles must be between 5 and 100",
            paste0("a group has ", sizes[sizes < 5 | sizes > 100][1], " rows"))
  }
  if (any(is.na(pop) | pop <= 0)) {
    lf_stop("some groups have a zero, negative or missing population",
            lf_first(is.na(pop) | pop <= 0, pop))
  }
  if (!missing(value)) {
    val <- lf_column(data, rlang::enquo(value), "value")
  } else {
    val <- lf_column(data, rlang::enquo(x), "x") / pop
  }
  se_v <- if (!missing(se)) lf_column(data, rlang::enquo(se), "se") else numeric(0)
  lo_v <- if (!missing(lower_cl)) lf_column(data, rlang::enquo(lower_cl), "lower_cl") else numeric(0)
  up_v <- if (!missing(upper_cl)) lf_column(data, rlang::enquo(upper_cl), "upper_cl") else numeric(0)
  # The rows of each group in quantile order.
  qv <- as.double(rlang::eval_tidy(rlang::enquo(quantile), data))
  ord <- order(groups$gid, qv)
  seed <- if (exists(".Random.seed", envir = globalenv())) {
    abs(sum(get(".Random.seed", envir = globalenv())[1:3])) %% 2^31
  } else {
    1
  }
  res <- lf_call(wrap__lf_sii, pop[ord], val[ord],
               if (length(se_v)) se_v[ord] else numeric(0),
               if (length(lo_v)) lo_v[ord] else numeric(0),
               if (length(up_v)) up_v[ord] else numeric(0),
               groups$gid[ord], groups$n, as.integer(value_type), isTRUE(transform),
               as.double(multiplier), levels, as.integer(repetitions), as.double(seed),
               isTRUE(rii))
  # PHEindicatormethods' order: sii (and rii), then every level's lower and upper limits of
  # each, then the intercept.
  out <- groups$keys
  out[["sii"]] <- res$sii
  if (isTRUE(rii)) out[["rii"]] <- res$rii
  suffix <- gsub(".", "_", sprintf("%.1f", levels * 100), fixed = TRUE)
  for (i in seq_along(levels)) out[[paste0("sii_lower", suffix[i], "cl")]] <- res$sii_lower[[i]]
  for (i in seq_along(levels)) out[[paste0("sii_upper", suffix[i], "cl")]] <- res$sii_upper[[i]]
  if (isTRUE(rii)) {
    for (i in seq_along(levels)) out[[paste0("rii_lower", suffix[i], "cl")]] <- res$rii_lower[[i]]
    for (i in seq_along(levels)) out[[paste0("rii_upper", suffix[i], "cl")]] <- res$rii_upper[[i]]
  }
  if (isTRUE(intercept)) out[["intercept"]] <- res$intercept
  if (type == "full") {
    out[["indicator_type"]] <- rep(c("normal", "rate", "proportion")[value_type + 1], groups$n)
    out[["multiplier"]] <- rep(multiplier, groups$n)
    out[["transform"]] <- rep(if (isTRUE(transform)) c("none", "log", "logit")[value_type + 1] else "none", groups$n)
    out[["CI_confidence"]] <- rep(paste0(levels * 100, "%", collapse = ", "), groups$n)
    out[["CI_method"]] <- rep(paste0("simulation ", format(repetitions), " reps"), groups$n)
  }
  # The Monte Carlo standard errors of the simulated limits, for whoever wants to judge them.
  attr(out, "mc_error") <- list(lower = res$mc_lower, upper = res$mc_upper)
  out
}

# --- funnel plots ---------------------------------------------------------------------------

# The checks PHEindicatormethods makes on funnel inputs, and for rates each unit's denominator
# over the whole period (PHE's `denominator_derived` times the years).
lf_funnel_inputs <- function(data, nq, dq, rq, statistic, has_denominator, has_rate,
                             rate_type, ratio_type, multiplier, years_of_data, what) {
  if (is.null(statistic) || !(statistic %in% c("proportion", "rate", "ratio"))) {
    lf_stop("statistic must be provided as proportion, rate or ratio")
  }
  res <- list(statistic = statistic)
  if (statistic == "rate") {
    if (!has_rate || is.null(rate_type) || is.null(multiplier) ||
        (what == "limits" && is.null(years_of_data))) {
      lf_stop(paste0("the following arguments are required for rates: ",
                     "data, numerator, rate, rate_type, multiplier",
                     if (what == "limits") ", years_of_data" else ""))
    }
    x <- lf_column(data, nq, "numerator")
    rate <- lf_column(data, rq, "rate")
    den <- if (has_denominator) lf_column(data, dq, "denominator") else rep(NA_real_, length(x))
    if (anyNA(x)) {
      lf_stop("for rates, numerators must be provided for all records, even when their values are zero",
              lf_first(is.na(x), x))
    }
    if (any(is.na(rate) & is.na(den))) {
      lf_stop("for rates, rates must be provided for all records, or a denominator must be provided if the rate is zero",
              lf_first(is.na(rate) & is.na(den), rate))
    }
    if (any(x == 0)) {
      if (!has_denominator) {
        lf_stop("for rates, where there are 0 events for a record, the denominator field needs to be provided using the denominator argument",
                paste0(lf_first(x == 0, x), " events; add denominator = <population column>"))
      }
      if (any(x == 0 & (is.na(den) | den <= 0))) {
        lf_stop("for rates, where there are 0 events for a record, the denominator must be provided",
                lf_first(x == 0 & (is.na(den) | den <= 0), den))
      }
    }
    rate_type <- match.arg(rate_type, c("dsr", "crude"))
    derived <- ifelse(x == 0, if (rate_type == "dsr") NA_real_ else den, multiplier * x / rate)
    res <- c(res, list(x = x, rate = rate, den = den, derived = derived, rate_type = rate_type))
  } else {
    if (statistic == "ratio" && (!has_denominator || is.null(ratio_type) || is.null(multiplier))) {
      lf_stop("the following arguments are required for ratios: data, numerator, denominator, ratio_type, multiplier")
    }
    if (statistic == "proportion" && (!has_denominator || is.null(multiplier))) {
      lf_stop("the following arguments are required for proportions: data, numerator, denominator, multiplier")
    }
    x <- lf_column(data, nq, "numerator")
    n <- lf_column(data, dq, "denominator")
    if (statistic == "proportion" && (anyNA(x) || anyNA(n))) {
      lf_stop("for proportions, numerators and denominators must be provided for all records, even when their values are zero",
              lf_first(is.na(x) | is.na(n), x))
    }
    if (anyNA(x) || anyNA(n)) {
      lf_stop("numerators and denominators must be provided for all records", lf_first(is.na(x) | is.na(n), x))
    }
    if (any(x < 0)) lf_stop("numerators must be greater than or equal to zero", lf_first(x < 0, x))
    if (any(n <= 0)) lf_stop("denominators must be greater than zero", lf_first(n <= 0, n))
    if (statistic == "proportion" && any(x > n)) {
      lf_stop("numerators must be less than or equal to denominator for a proportion statistic",
              lf_first(x > n, x))
    }
    if (statistic == "ratio") ratio_type <- match.arg(ratio_type, c("count", "isr"))
    res <- c(res, list(x = x, n = n, ratio_type = ratio_type))
  }
  res
}

#' @export
calculate_funnel_limits <- function(data, numerator, denominator, rate, type = "full",
                                    multiplier = NULL, statistic = NULL, ratio_type = NULL,
                                    rate_type = NULL, years_of_data = NULL) {
  if (missing(statistic) || is.null(statistic)) {
    lf_stop("statistic must be provided as proportion, rate or ratio")
  }
  lf_check_type(type)
  inp <- lf_funnel_inputs(data, rlang::enquo(numerator), rlang::enquo(denominator),
                          rlang::enquo(rate), statistic, !missing(denominator), !missing(rate),
                          rate_type, ratio_type, multiplier, years_of_data, "limits")
  if (statistic == "proportion") {
    res <- lf_call(wrap__lf_funnel_proportion_limits, inp$x, inp$n, as.double(multiplier))
    out <- tibble::tibble(
      Population = res$population,
      lower_2s_limit = res$lower_2s,
      upper_2s_limit = res$upper_2s,
      lower_3s_limit = res$lower_3s,
      upper_3s_limit = res$upper_3s,
      baseline = rep(res$baseline, length(res$population))
    )
    stat_label <- "proportion"
    method <- "Wilson"
  } else if (statistic == "ratio") {
    res <- lf_call(wrap__lf_funnel_ratio_limits, inp$n, inp$ratio_type)
    out <- tibble::tibble(
      Observed_events = res$observed,
      lower_2s_exp_events = res$lower_2s_exp,
      lower_2s_limit = res$lower_2s,
      upper_2s_exp_events = res$upper_2s_exp,
      upper_2s_limit = res$upper_2s,
      lower_3s_exp_events = res$lower_3s_exp,
      lower_3s_limit = res$lower_3s,
      upper_3s_exp_events = res$upper_3s_exp,
      upper_3s_limit = res$upper_3s
    )
    stat_label <- paste0("ratio (", inp$ratio_type, ")")
    method <- "Poisson"
  } else {
    if (!is.numeric(years_of_data) || !(years_of_data > 0)) {
      lf_stop("years_of_data must be a number above zero")
    }
    res <- lf_call(wrap__lf_funnel_rate_limits, inp$x, inp$derived, as.double(years_of_data),
                   as.double(multiplier))
    out <- tibble::tibble(
      Events = res$events,
      lower_2s_population_1_year = res$lower_2s_pop,
      lower_2s_limit = res$lower_2s,
      upper_2s_population_1_year = res$upper_2s_pop,
      upper_2s_limit = res$upper_2s,
      lower_3s_population_1_year = res$lower_3s_pop,
      lower_3s_limit = res$lower_3s,
      upper_3s_population_1_year = res$upper_3s_pop,
      upper_3s_limit = res$upper_3s,
      baseline = rep(res$baseline, length(res$events))
    )
    stat_label <- paste0("rate (", inp$rate_type, " per ",
                         format(multiplier, big.mark = ",", scientific = FALSE), ")")
    method <- "Poisson"
  }
  if (type == "full") {
    out[["statistic"]] <- rep(stat_label, nrow(out))
    out[["method"]] <- rep(method, nrow(out))
  }
  out
}

#' @export
assign_funnel_significance <- function(data, numerator, denominator, rate, statistic = NULL,
                                       rate_type = NULL, multiplier = NULL) {
  if (missing(statistic) || is.null(statistic)) {
    lf_stop("statistic must be provided as proportion, rate or ratio")
  }
  if (statistic != "rate" && is.null(multiplier)) multiplier <- 1
  inp <- lf_funnel_inputs(data, rlang::enquo(numerator), rlang::enquo(denominator),
                          rlang::enquo(rate), statistic, !missing(denominator), !missing(rate),
                          rate_type, if (statistic == "ratio") "count" else NULL, multiplier,
                          NULL, "significance")
  out <- data
  out[["significance"]] <- if (statistic == "rate") {
    lf_call(wrap__lf_funnel_significance, "rate", inp$x, inp$derived, inp$rate_type == "dsr")
  } else {
    lf_call(wrap__lf_funnel_significance, statistic, inp$x, inp$n, FALSE)
  }
  out
}

#' @export
calculate_funnel_points <- function(data, numerator, denominator, rate, rate_type = NULL,
                                    years_of_data = NULL, multiplier = NULL) {
  if (missing(data) || missing(numerator) || missing(rate) || is.null(rate_type) ||
      is.null(years_of_data) || is.null(multiplier)) {
    lf_stop("the following arguments are required for rates: data, numerator, rate, rate_type, years_of_data, multiplier")
  }
  rq <- rlang::enquo(rate)
  inp <- lf_funnel_inputs(data, rlang::enquo(numerator), rlang::enquo(denominator), rq, "rate",
                          !missing(denominator), TRUE, rate_type, NULL, multiplier,
                          years_of_data, "points")
  few <- inp$rate_type == "dsr" & inp$x < 10
  out <- data
  out[[paste0(lf_name(rq), "_chart")]] <- ifelse(few, NA_real_, inp$rate)
  out[["denominator_derived"]] <- ifelse(few, NA_real_, inp$derived / years_of_data)
  out
}
