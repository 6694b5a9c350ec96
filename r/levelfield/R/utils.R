# Shared helpers: argument checks with PHEindicatormethods' conditions and levelfield's messages,
# groups of a (grouped) data frame as group numbers, and output assembly.

#' @useDynLib levelfield, .registration = TRUE
NULL

# Stops with a message that begins with the condition PHEindicatormethods names and goes on
# with what was found and what to do.
lf_stop <- function(condition, detail = NULL) {
  msg <- if (is.null(detail)) condition else paste0(condition, ": ", detail)
  stop(msg, call. = FALSE)
}

# "row 3 (value -1)" for the first offending row of a logical vector.
lf_first <- function(bad, values) {
  i <- which(bad)[1]
  paste0("row ", i, " has ", format(values[i], scientific = FALSE))
}

lf_check_type <- function(type) {
  if (!(is.character(type) && length(type) == 1 &&
        type %in% c("value", "lower", "upper", "standard", "full"))) {
    lf_stop("type must be one of value, lower, upper, standard or full",
            "use type = \"full\" for every column")
  }
}

# PHEindicatormethods' rules for `confidence`: at most two levels, two only as 0.95 and 0.998,
# one level between 0.9 and 1 or 90 and 100 (NA for none where `allow_na`). Returns the levels
# as fractions (empty for NA).
lf_confidence <- function(confidence, range_message, allow_na = FALSE) {
  if (allow_na && length(confidence) == 1 && is.na(confidence)) {
    return(numeric(0))
  }
  if (!is.numeric(confidence) || length(confidence) == 0 || anyNA(confidence)) {
    lf_stop("confidence must be numeric",
            "give one level such as 0.95 (or 95), or c(0.95, 0.998)")
  }
  if (length(confidence) > 2) {
    lf_stop("a maximum of two confidence levels can be provided",
            "give one level, or c(0.95, 0.998)")
  }
  if (length(confidence) == 2) {
    if (!(confidence[1] == 0.95 && confidence[2] == 0.998)) {
      lf_stop("two confidence levels can only be produced if they are specified as 0.95 and 0.998",
              paste0("got c(", paste(confidence, collapse = ", "), ")"))
    }
    return(confidence)
  }
  if (confidence < 0.9 || (confidence > 1 && confidence < 90) || confidence > 100) {
    lf_stop(range_message, paste0("got ", confidence, "; e.g. 0.95 or 95"))
  }
  if (confidence >= 90) confidence / 100 else confidence
}

# The interval columns' names: lowercl/uppercl for one level, lower95_0cl... for two.
lf_ci_names <- function(levels) {
  if (length(levels) == 1) {
    return(list(lower = "lowercl", upper = "uppercl"))
  }
  suffix <- gsub(".", "_", sprintf("%.1f", levels * 100), fixed = TRUE)
  list(lower = paste0("lower", suffix, "cl"), upper = paste0("upper", suffix, "cl"))
}

lf_confidence_label <- function(levels) {
  paste0(levels * 100, "%", collapse = ", ")
}

# Adds value and interval columns from the Rust side's estimate columns to `out`.
lf_add_estimates <- function(out, est, levels, value = TRUE) {
  if (value) out[["value"]] <- est$value
  nm <- lf_ci_names(levels)
  for (i in seq_along(levels)) {
    out[[nm$lower[i]]] <- est$lower[[i]]
    out[[nm$upper[i]]] <- est$upper[[i]]
  }
  out
}

# Drops columns as `type` asks: `counts` are the summary columns dropped with the intervals.
lf_select_type <- function(out, type, counts = character()) {
  meta <- c("confidence", "statistic", "method")
  lower <- grep("^lower.*cl$", names(out), value = TRUE)
  upper <- grep("^upper.*cl$", names(out), value = TRUE)
  drop <- switch(type,
    lower = c(counts, "value", upper, meta),
    upper = c(counts, "value", lower, meta),
    value = c(counts, lower, upper, meta),
    standard = meta,
    full = character()
  )
  keep <- setdiff(names(out), drop)
  out[, keep, drop = FALSE]
}

# The groups of `data`: a group number (1-based) per row and the key columns, one row per group.
lf_groups <- function(data) {
  if (dplyr::is_grouped_df(data)) {
    gd <- dplyr::group_data(data)
    keys <- gd[, setdiff(names(gd), ".rows"), drop = FALSE]
    gid <- integer(nrow(data))
    # A plain list: lengths() on the list_of itself dispatches once per group.
    rows <- unclass(gd[[".rows"]])
    gid[unlist(rows, use.names = FALSE)] <- rep.int(seq_along(rows), lengths(rows))
    list(gid = gid, keys = tibble::as_tibble(keys), n = length(rows), vars = dplyr::group_vars(data))
  } else {
    list(gid = rep.int(1L, nrow(data)), keys = tibble::tibble(.rows = 1L), n = 1L,
         vars = character())
  }
}

# A summary table (one row per group) grouped again by the group columns, as
# summarise(.groups = "keep") leaves it.
lf_regroup <- function(out, groups) {
  if (length(groups$vars) == 0) {
    return(out)
  }
  gd <- groups$keys
  gd[[".rows"]] <- vctrs::as_list_of(as.list(seq_len(nrow(out))), .ptype = integer())
  dplyr::new_grouped_df(out, groups = gd)
}

# A column of `data` given by a tidy-evaluation argument, as doubles.
lf_column <- function(data, quo, what) {
  v <- tryCatch(rlang::eval_tidy(quo, data),
                error = function(e) {
                  lf_stop(paste0(what, " is not a field name from data"),
                          paste0("`", rlang::as_label(quo), "` was not found in data"))
                })
  if (!is.numeric(v) && !(is.logical(v) && all(is.na(v)))) {
    lf_stop(paste0("field ", what, " must be numeric"),
            paste0("`", rlang::as_label(quo), "` is ", class(v)[1]))
  }
  if (length(v) == 1 && nrow(data) != 1) v <- rep(v, nrow(data))
  as.double(v)
}

lf_name <- function(quo) rlang::as_label(quo)

lf_format_multiplier <- function(m) as.character(format(m, scientific = FALSE))

# Calls a compiled routine; an error it reports comes back as list(error = message) and is
# raised here as an R error.
lf_call <- function(routine, ...) {
  res <- .Call(routine, ...)
  if (is.list(res) && identical(names(res), "error")) {
    lf_stop(res$error)
  }
  res
}
