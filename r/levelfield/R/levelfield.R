# levelfield's own functions beyond PHEindicatormethods, with the command line's columns.

#' @export
lf_spc <- function(data, period, value, denominator = NULL, chart = "xmr", baseline = NULL,
                   rebase = NULL, improvement = "neutral", target = NULL, run_length = 7L,
                   screen_outliers = FALSE) {
  if (missing(data) || missing(period) || missing(value)) {
    lf_stop("function lf_spc requires at least 3 arguments: data, period, value")
  }
  if (!(is.character(chart) && length(chart) == 1 &&
        chart %in% c("xmr", "p", "u", "run", "g", "t"))) {
    lf_stop("chart must be one of xmr, p, u, run, g or t", paste0("got ", format(chart)))
  }
  if (!(is.character(improvement) && length(improvement) == 1 &&
        improvement %in% c("increase", "decrease", "neutral"))) {
    lf_stop("improvement must be increase, decrease or neutral")
  }
  if (!(run_length %in% c(6, 7))) {
    lf_stop("run_length must be 6 or 7", paste0("got ", run_length))
  }
  if (!is.null(baseline) && !(is.numeric(baseline) && length(baseline) == 1 && baseline >= 1)) {
    lf_stop("baseline must be a number of periods, 1 or more")
  }
  pq <- rlang::enquo(period)
  periods <- rlang::eval_tidy(pq, data)
  vals <- lf_column(data, rlang::enquo(value), "value")
  dq <- rlang::enquo(denominator)
  dens <- if (rlang::quo_is_null(dq)) numeric(0) else lf_column(data, dq, "denominator")
  if (length(dens) == 0 && chart %in% c("p", "u")) {
    lf_stop(paste0("chart ", chart, " needs a denominator column"),
            "give denominator = <column of the number of cases or the exposure>")
  }
  groups <- lf_groups(data)
  # Each series in period order: numbers numerically, text by bytes (so ISO dates sort).
  key <- if (is.numeric(periods)) periods else as.character(periods)
  ord <- order(groups$gid, key, method = "radix")
  gid <- groups$gid[ord]
  p_sorted <- key[ord]
  dup <- which(gid[-1] == gid[-length(gid)] & p_sorted[-1] == p_sorted[-length(p_sorted)])
  if (length(dup) > 0) {
    lf_stop("a period appears twice in one series",
            paste0("period `", p_sorted[dup[1]], "` (rows ", ord[dup[1]], " and ", ord[dup[1] + 1],
                   "); give one row per period, and group_by() the data for several series"))
  }
  reb <- if (is.null(rebase)) logical(length(ord)) else as.character(p_sorted) %in% as.character(rebase)
  res <- lf_call(wrap__lf_spc, vals[ord], if (length(dens)) dens[ord] else numeric(0),
                 as.integer(reb), gid, groups$n, chart,
                 if (is.null(baseline)) 0L else as.integer(baseline), improvement,
                 as.integer(run_length), isTRUE(screen_outliers),
                 if (is.null(target)) numeric(0) else as.double(target))
  out <- tibble::as_tibble(as.data.frame(dplyr::ungroup(data))[ord, groups$vars, drop = FALSE])
  out[["period"]] <- periods[ord]
  for (nm in names(res)) out[[nm]] <- res[[nm]]
  out
}

# Confidence levels as levelfield takes them: any number, each between 0.9 and 1 (or 90 and 100).
lf_levels <- function(confidence) {
  if (!is.numeric(confidence) || length(confidence) == 0 || anyNA(confidence)) {
    lf_stop("confidence must be numeric", "give levels such as 0.95 or c(0.95, 0.998)")
  }
  bad <- confidence < 0.9 | (confidence >= 1 & confidence < 90) | confidence >= 100
  if (any(bad)) {
    lf_stop("confidence levels must be between 0.9 and 1 or between 90 and 100",
            paste0("got ", confidence[bad][1]))
  }
  ifelse(confidence >= 90, confidence / 100, confidence)
}

lf_suffix <- function(levels) {
  pct <- levels * 100
  one <- sprintf("%.1f", pct)
  text <- ifelse(abs(as.numeric(one) - pct) < 1e-9, one, format(pct, digits = 10))
  gsub(".", "_", text, fixed = TRUE)
}

#' @export
lf_compare <- function(data, group, reference, x = NULL, n = NULL, statistic = NULL,
                       value = NULL, se = NULL, lower = NULL, upper = NULL, multiplier = NULL,
                       confidence = 0.95, polarity = NULL) {
  if (missing(data) || missing(group) || missing(reference)) {
    lf_stop("function lf_compare requires at least 3 arguments: data, group, reference")
  }
  levels <- lf_levels(confidence)
  gq <- rlang::enquo(group)
  names_col <- as.character(rlang::eval_tidy(gq, data))
  xq <- rlang::enquo(x)
  nq <- rlang::enquo(n)
  vq <- rlang::enquo(value)
  if (!rlang::quo_is_null(xq) && !rlang::quo_is_null(nq)) {
    if (is.null(statistic) || !(statistic %in% c("rate", "proportion"))) {
      lf_stop("with counts, say which statistic: statistic = \"rate\" or \"proportion\"")
    }
    kind <- statistic
    a <- lf_column(data, xq, "x")
    b <- lf_column(data, nq, "n")
    if (is.null(multiplier)) multiplier <- if (kind == "rate") 100000 else 100
    val <- a / b * multiplier
  } else if (!rlang::quo_is_null(vq)) {
    kind <- "estimate"
    a <- lf_column(data, vq, "value")
    sq <- rlang::enquo(se)
    lq <- rlang::enquo(lower)
    uq <- rlang::enquo(upper)
    if (!rlang::quo_is_null(sq)) {
      b <- lf_column(data, sq, "se")
      if (any(b < 0, na.rm = TRUE)) lf_stop("standard errors must be zero or more", lf_first(!is.na(b) & b < 0, b))
    } else if (!rlang::quo_is_null(lq) && !rlang::quo_is_null(uq)) {
      b <- (lf_column(data, uq, "upper") - lf_column(data, lq, "lower")) / (2 * stats::qnorm(0.975))
    } else {
      lf_stop("give each value's uncertainty one way: se, or lower and upper (95% limits)")
    }
    if (is.null(multiplier)) multiplier <- 1
    val <- a
  } else {
    lf_stop("give counts (x, n and statistic) or estimates (value with se, or lower and upper)")
  }
  if (!is.null(polarity) && !(polarity %in% c("adverse", "favourable"))) {
    lf_stop("polarity must be adverse or favourable")
  }
  groups <- lf_groups(data)
  is_ref <- names_col == reference
  ref_row <- match(seq_len(groups$n), groups$gid[is_ref])
  ref_row <- which(is_ref)[ref_row]
  if (anyNA(ref_row)) {
    g <- which(is.na(ref_row))[1]
    lf_stop(paste0("a group has no reference group `", reference, "`"),
            paste0("its groups are: ", paste(names_col[groups$gid == g], collapse = ", ")))
  }
  refs <- ref_row[groups$gid]
  res <- lf_call(wrap__lf_compare, kind, a, b, as.integer(refs), levels, as.double(multiplier))
  # Rank within each group: 1 = highest value, or the worst off when polarity is given.
  score <- if (identical(polarity, "favourable")) val else -val
  rank <- rep(NA_real_, length(val))
  ok <- !is.na(val)
  ord <- order(groups$gid[ok], score[ok], method = "radix")
  idx <- which(ok)[ord]
  rank[idx] <- stats::ave(seq_along(idx), groups$gid[idx], FUN = seq_along)
  keep <- !is_ref
  suffix <- lf_suffix(levels)
  out <- tibble::as_tibble(as.data.frame(dplyr::ungroup(data))[keep, groups$vars, drop = FALSE])
  out[[rlang::as_label(gq)]] <- names_col[keep]
  out[["reference"]] <- rep(reference, sum(keep))
  out[["value"]] <- val[keep]
  out[["reference_value"]] <- val[refs][keep]
  out[["difference"]] <- res$difference[keep]
  for (i in seq_along(levels)) {
    out[[paste0("difference_lower_ci_", suffix[i])]] <- res$difference_lower[[i]][keep]
    out[[paste0("difference_upper_ci_", suffix[i])]] <- res$difference_upper[[i]][keep]
  }
  out[["ratio"]] <- res$ratio[keep]
  for (i in seq_along(levels)) {
    out[[paste0("ratio_lower_ci_", suffix[i])]] <- res$ratio_lower[[i]][keep]
    out[[paste0("ratio_upper_ci_", suffix[i])]] <- res$ratio_upper[[i]][keep]
  }
  out[["rank"]] <- rank[keep]
  out[["confidence"]] <- rep(paste0(format(levels * 100, drop0trailing = TRUE, trim = TRUE), "%", collapse = ", "), sum(keep))
  out[["difference_method"]] <- res$difference_method[keep]
  out[["ratio_method"]] <- res$ratio_method[keep]
  out[["significant"]] <- res$significant[keep]
  out[["diagnostic"]] <- ifelse(res$significant[keep] == "",
                                "a count, value or uncertainty is missing: not compared", "")
  out
}

#' @export
lf_inequality <- function(data, group, population, value, se = NULL, lower = NULL,
                          upper = NULL, x = NULL, n = NULL, dimension_type = "unordered",
                          order = NULL, polarity = "adverse", reference = NULL, bounds = NULL,
                          confidence = 0.95, draws = 10000L, seed = 1) {
  if (missing(data) || missing(group) || missing(population) || missing(value)) {
    lf_stop("function lf_inequality requires at least 4 arguments: data, group, population, value")
  }
  if (!(dimension_type %in% c("ordered", "unordered"))) {
    lf_stop("dimension_type must be ordered or unordered",
            "ordered for e.g. deprivation deciles (give order, 1 = most disadvantaged), unordered for e.g. ethnic groups")
  }
  if (!(polarity %in% c("adverse", "favourable"))) {
    lf_stop("polarity must be adverse (higher is worse) or favourable (higher is better)")
  }
  if (!is.null(bounds) && !(is.numeric(bounds) && length(bounds) == 2 && bounds[1] < bounds[2])) {
    lf_stop("bounds must be two numbers, the minimum below the maximum", "e.g. bounds = c(0, 100)")
  }
  if (!(is.numeric(draws) && length(draws) == 1 && draws >= 1000)) {
    lf_stop("draws must be 1,000 or more", paste0("got ", draws))
  }
  levels <- lf_levels(confidence)
  gq <- rlang::enquo(group)
  names_col <- as.character(rlang::eval_tidy(gq, data))
  val <- lf_column(data, rlang::enquo(value), "value")
  pop <- lf_column(data, rlang::enquo(population), "population")
  if (any(is.na(pop) | pop <= 0)) {
    lf_stop("populations must be greater than zero", lf_first(is.na(pop) | pop <= 0, pop))
  }
  sq <- rlang::enquo(se)
  lq <- rlang::enquo(lower)
  uq <- rlang::enquo(upper)
  xq <- rlang::enquo(x)
  nq <- rlang::enquo(n)
  given <- c(!rlang::quo_is_null(sq), !rlang::quo_is_null(lq) && !rlang::quo_is_null(uq),
             !rlang::quo_is_null(xq) && !rlang::quo_is_null(nq))
  if (sum(given) != 1) {
    lf_stop("give each value's uncertainty one way: se, or lower and upper (95% limits), or x and n (counts)")
  }
  s <- if (given[1]) {
    lf_column(data, sq, "se")
  } else if (given[2]) {
    (lf_column(data, uq, "upper") - lf_column(data, lq, "lower")) / (2 * stats::qnorm(0.975))
  } else {
    xs <- lf_column(data, xq, "x")
    ns <- lf_column(data, nq, "n")
    ifelse(xs > 0 & ns > 0, abs(val) * sqrt(pmax(1 / xs - 1 / ns, 0)), NA_real_)
  }
  if (any(s < 0, na.rm = TRUE)) lf_stop("standard errors must be zero or more", lf_first(!is.na(s) & s < 0, s))
  groups <- lf_groups(data)
  ordered <- dimension_type == "ordered"
  key <- if (ordered) {
    oq <- rlang::enquo(order)
    o <- if (rlang::quo_is_null(oq)) suppressWarnings(as.numeric(names_col)) else lf_column(data, oq, "order")
    if (anyNA(o)) {
      lf_stop("an ordered dimension needs each group's order (1 = most disadvantaged)",
              paste0(lf_first(is.na(o), names_col), "; give order = <column>"))
    }
    o
  } else {
    names_col
  }
  ord <- order(groups$gid, key, method = "radix")
  g_sorted <- groups$gid[ord]
  n_sorted <- names_col[ord]
  dup <- which(g_sorted[-1] == g_sorted[-length(g_sorted)] & n_sorted[-1] == n_sorted[-length(n_sorted)])
  if (length(dup) > 0) {
    lf_stop(paste0("group `", n_sorted[dup[1]], "` appears twice in one set of groups"),
            "give one row per group, and group_by() the data for several sets (e.g. areas)")
  }
  kept <- ord[!is.na(val[ord]) & !is.na(s[ord])]
  dropped <- tapply(names_col[is.na(val) | is.na(s)], factor(groups$gid[is.na(val) | is.na(s)],
                                                             levels = seq_len(groups$n)),
                    function(v) paste(v, collapse = ", "))
  res <- lf_call(wrap__lf_inequality, val[kept], s[kept], pop[kept], names_col[kept],
                 groups$gid[kept], groups$n, ordered, polarity == "adverse",
                 if (is.null(reference)) "" else as.character(reference),
                 if (is.null(bounds)) numeric(0) else as.double(bounds), levels,
                 as.integer(draws), as.double(seed))
  g <- as.integer(res$group)
  out <- groups$keys[g, , drop = FALSE]
  out[["measure"]] <- res$measure
  out[["value"]] <- res$value
  suffix <- lf_suffix(levels)
  for (i in seq_along(levels)) {
    out[[paste0("lower_ci_", suffix[i])]] <- res$lower[[i]]
    out[[paste0("upper_ci_", suffix[i])]] <- res$upper[[i]]
  }
  out[["mc_error"]] <- res$mc_error
  out[["value_disadvantage"]] <- res$value_disadvantage
  out[["confidence"]] <- rep(paste0(format(levels * 100, drop0trailing = TRUE, trim = TRUE), "%", collapse = ", "), length(g))
  out[["ci_method"]] <- res$ci_method
  out[["applies"]] <- res$applies
  out[["comparison"]] <- res$comparison
  note <- res$diagnostic
  left_out <- dropped[g]
  has_left_out <- !is.na(left_out) & left_out != ""
  note[has_left_out] <- ifelse(note[has_left_out] == "", "", paste0(note[has_left_out], "; "))
  note[has_left_out] <- paste0(note[has_left_out], "left out for a missing value or uncertainty: ",
                               left_out[has_left_out])
  out[["diagnostic"]] <- note
  out
}
