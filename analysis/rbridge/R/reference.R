# Base-R reference implementations of the public-health statistics of analysis.measures and
# analysis.inequality, written in R from the published methods (not from any package's code)
# so that the Python numbers are checked in a second language when PHEindicatormethods is not
# installed. Only base R and the recommended 'stats' package are used.
#
# Every function takes a data.frame and the NAMES of its columns, and returns a data.frame
# with the toolkit's column names (value, lowercl, uppercl, confidence, statistic, method).
# Grouping: rows with the same values of the `group_by` columns are pooled; with no grouping
# columns, proportions, rates and ratios are per row, other statistics pool all rows.
#
# Methods and references
# - Wilson score interval: Wilson EB (1927) JASA 22:209-212.
# - Exact Poisson limits from the gamma distribution: Garwood F (1936) Biometrika 28:437-442.
# - Byar's approximation: Breslow NE, Day NE (1987) Statistical Methods in Cancer Research II.
# - Student-t interval for a mean.
# - Directly standardised rate with Dobson limits: Dobson AJ et al (1991) Stat Med 10:457-462;
#   European Standard Population 2013 (Eurostat 2013).
# - Indirect standardisation (observed / expected): Breslow & Day (1987).
# - Life expectancy: Chiang CL (1984) The Life Table and its Applications (Chiang II), as
#   published in the PHE life expectancy calculator (a = 0.1 below age 1, 0.5 otherwise).
# - Deprivation quantiles: OHID/PHE "Assigning deprivation categories" (2018/2022).
# - Slope index of inequality: weighted least squares on cumulative population midpoints,
#   Monte-Carlo limits (Low A, Low A (2004) J Public Health 26:388-395; OHID SII method).
# - Funnel plot limits: Spiegelhalter DJ (2005) Stat Med 24:1185-1202.

# --- helpers ----------------------------------------------------------------------------

# Column names of one pair of limits per confidence level, as PHEindicatormethods names them.
ci_names <- function(confidence) {
  if (length(confidence) == 1) return(list(c("lowercl", "uppercl")))
  lapply(confidence, function(level) {
    label <- gsub(".", "_", sprintf("%.1f", 100 * level), fixed = TRUE)
    c(paste0("lower", label, "cl"), paste0("upper", label, "cl"))
  })
}

# Add limits for each confidence level; `limits` maps a level to list(lower, upper).
add_limits <- function(out, confidence, limits) {
  names <- ci_names(confidence)
  for (i in seq_along(confidence)) {
    both <- limits(confidence[i])
    out[[names[[i]][1]]] <- both$lower
    out[[names[[i]][2]]] <- both$upper
  }
  out
}

describe <- function(out, confidence, statistic, method) {
  out$confidence <- paste0(100 * confidence, "%", collapse = ", ")
  out$statistic <- statistic
  out$method <- method
  out
}

# Group ids (1, 2, ... in order of first appearance) and one row of keys per group.
group_keys <- function(data, group_by, per_row_without_groups = FALSE) {
  group_by <- as.character(group_by)
  if (length(group_by) == 0) {
    k <- if (per_row_without_groups) nrow(data) else 1L
    id <- if (per_row_without_groups) seq_len(nrow(data)) else rep(1L, nrow(data))
    return(list(id = id, keys = data.frame(matrix(nrow = k, ncol = 0))))
  }
  key <- do.call(paste, c(unname(lapply(data[group_by], as.character)), sep = "\r"))
  first <- !duplicated(key)
  keys <- data[first, group_by, drop = FALSE]
  row.names(keys) <- NULL
  list(id = match(key, key[first]), keys = keys)
}

group_sum <- function(x, id) as.vector(rowsum(as.numeric(x), id, reorder = FALSE))

z_of <- function(confidence) qnorm(1 - (1 - confidence) / 2)

wilson <- function(x, n, confidence) {
  z <- z_of(confidence)
  p <- x / n
  centre <- p + z^2 / (2 * n)
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2))
  # the limits lie in [0, 1]; clamping only removes rounding error at x = 0 or x = n
  list(lower = pmax(0, (centre - half) / (1 + z^2 / n)),
       upper = pmin(1, (centre + half) / (1 + z^2 / n)))
}

exact_poisson <- function(x, confidence) {
  alpha <- 1 - confidence
  list(lower = ifelse(x > 0, qgamma(alpha / 2, shape = pmax(x, 1e-300)), 0),
       upper = qgamma(1 - alpha / 2, shape = x + 1))
}

byars <- function(x, confidence) {
  z <- z_of(confidence)
  lower <- ifelse(x > 0, x * (1 - 1 / (9 * x) - z / (3 * sqrt(x)))^3, 0)
  upper <- (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * sqrt(x + 1)))^3
  list(lower = lower, upper = upper)
}

# PHE/OHID rule for counts: exact below 10 events, Byar's from 10 upwards.
poisson_limits <- function(x, confidence) {
  e <- exact_poisson(x, confidence)
  b <- byars(x, confidence)
  small <- x < 10
  list(lower = ifelse(small, e$lower, b$lower), upper = ifelse(small, e$upper, b$upper))
}

# Scalar cross-checks with R's own tests (one call per row).
wilson_prop_test <- function(x, n, confidence) {
  test <- function(xi, ni) {
    suppressWarnings(prop.test(xi, ni, conf.level = confidence, correct = FALSE))$conf.int
  }
  ci <- mapply(test,
               x, n)
  data.frame(lower = ci[1, ], upper = ci[2, ])
}

exact_poisson_test <- function(x, confidence) {
  ci <- vapply(x, function(xi) poisson.test(xi, conf.level = confidence)$conf.int, numeric(2))
  data.frame(lower = ci[1, ], upper = ci[2, ])
}

# --- statistics -------------------------------------------------------------------------

ref_proportion <- function(data, x, n, group_by = character(0), confidence = 0.95,
                           multiplier = 1) {
  g <- group_keys(data, group_by, per_row_without_groups = TRUE)
  out <- g$keys
  out[[x]] <- group_sum(data[[x]], g$id)
  out[[n]] <- group_sum(data[[n]], g$id)
  out$value <- out[[x]] / out[[n]] * multiplier
  out <- add_limits(out, confidence, function(level) {
    w <- wilson(out[[x]], out[[n]], level)
    list(lower = w$lower * multiplier, upper = w$upper * multiplier)
  })
  describe(out, confidence, if (multiplier == 100) "percentage" else
    if (multiplier == 1) "proportion" else paste("proportion per", format(multiplier)), "Wilson")
}

ref_crude_rate <- function(data, x, n, group_by = character(0), confidence = 0.95,
                           multiplier = 100000) {
  g <- group_keys(data, group_by, per_row_without_groups = TRUE)
  out <- g$keys
  out[[x]] <- group_sum(data[[x]], g$id)
  out[[n]] <- group_sum(data[[n]], g$id)
  out$value <- out[[x]] / out[[n]] * multiplier
  out <- add_limits(out, confidence, function(level) {
    p <- poisson_limits(out[[x]], level)
    list(lower = p$lower / out[[n]] * multiplier, upper = p$upper / out[[n]] * multiplier)
  })
  method <- ifelse(out[[x]] < 10, "Exact", "Byars")
  describe(out, confidence, paste("rate per", format(multiplier, big.mark = ",",
                                                     scientific = FALSE)), method)
}

ref_mean <- function(data, value, group_by = character(0), confidence = 0.95) {
  g <- group_keys(data, group_by)
  v <- as.numeric(data[[value]])
  out <- g$keys
  out$value_sum <- group_sum(v, g$id)
  out$value_count <- group_sum(rep(1, length(v)), g$id)
  centre <- out$value_sum / out$value_count
  squares <- group_sum((v - centre[g$id])^2, g$id)
  out$stdev <- sqrt(squares / (out$value_count - 1))
  out$value <- centre
  out <- add_limits(out, confidence, function(level) {
    half <- qt(1 - (1 - level) / 2, df = out$value_count - 1) * out$stdev / sqrt(out$value_count)
    list(lower = centre - half, upper = centre + half)
  })
  describe(out, confidence, "mean", "Student's t-distribution")
}

# `standard` is the column holding each row's standard population (e.g. ESP 2013 weight).
# With independent_events = FALSE, `frequency` is the column giving how many events each
# person in the row had (x counts events), and the variance counts each person once.
ref_dsr <- function(data, x, n, standard, group_by = character(0), confidence = 0.95,
                    multiplier = 100000, independent_events = TRUE, frequency = NULL) {
  g <- group_keys(data, group_by)
  events <- as.numeric(data[[x]])
  people <- as.numeric(data[[n]])
  weight <- as.numeric(data[[standard]])
  f <- if (independent_events) rep(1, length(events)) else as.numeric(data[[frequency]])
  # an age band's standard population and people count once, not once per frequency row
  first_in_band <- !duplicated(paste(g$id, weight, people, sep = "\r"))
  total_weight <- group_sum(ifelse(first_in_band, weight, 0), g$id)
  out <- g$keys
  out$total_count <- group_sum(events, g$id)
  out$total_pop <- group_sum(ifelse(first_in_band, people, 0), g$id)
  dsr <- group_sum(weight * events / people, g$id) / total_weight
  variance <- group_sum(f * events * weight^2 / people^2, g$id) / total_weight^2
  shown <- out$total_count >= 10
  out$value <- ifelse(shown, dsr * multiplier, NA_real_)
  out <- add_limits(out, confidence, function(level) {
    o <- out$total_count
    b <- byars(o, level)
    spread <- sqrt(variance / o)
    list(lower = ifelse(shown, (dsr + spread * (b$lower - o)) * multiplier, NA_real_),
         upper = ifelse(shown, (dsr + spread * (b$upper - o)) * multiplier, NA_real_))
  })
  describe(out, confidence, paste("dsr per", format(multiplier, big.mark = ",",
                                                    scientific = FALSE)), "Dobson")
}

# Indirect standardisation: `ref_x`, `ref_n` are the reference events and population of each
# row's age band. rate = FALSE gives the ratio (observed / expected x multiplier), rate = TRUE
# the indirectly standardised rate (ratio x the reference population's crude rate).
ref_isr <- function(data, x, n, ref_x, ref_n, group_by = character(0), confidence = 0.95,
                    multiplier = if (rate) 100000 else 1, rate = FALSE) {
  g <- group_keys(data, group_by)
  out <- g$keys
  out$observed <- group_sum(data[[x]], g$id)
  out$expected <- group_sum(as.numeric(data[[ref_x]]) / as.numeric(data[[ref_n]]) *
                              as.numeric(data[[n]]), g$id)
  scale <- multiplier
  if (rate) {
    first_group <- g$id == 1
    scale <- sum(data[[ref_x]][first_group]) / sum(data[[ref_n]][first_group]) * multiplier
  }
  out$value <- out$observed / out$expected * scale
  out <- add_limits(out, confidence, function(level) {
    p <- poisson_limits(out$observed, level)
    list(lower = p$lower / out$expected * scale, upper = p$upper / out$expected * scale)
  })
  method <- ifelse(out$observed < 10, "Exact", "Byars")
  describe(out, confidence, if (rate) paste("indirectly standardised rate per",
                                            format(multiplier, scientific = FALSE)) else
    "indirectly standardised ratio", method)
}

# Chiang II abridged life table for the bands 0, 1-4, 5-9, ..., 85-89, 90+ (rows must be in
# that order within each group). Returns life expectancy at the start of every band.
ref_life_expectancy <- function(data, deaths, population, start_age, group_by = character(0),
                                confidence = 0.95, minimum_population = 5000) {
  g <- group_keys(data, group_by)
  one_group <- function(rows) {
    age <- as.numeric(data[[start_age]][rows])
    d <- as.numeric(data[[deaths]][rows])
    p <- as.numeric(data[[population]][rows])
    k <- length(age)
    width <- c(diff(age), NA)
    a <- ifelse(age == 0, 0.1, 0.5)
    m <- d / p
    q <- width * m / (1 + width * (1 - a) * m)
    q[k] <- 1
    l <- 100000 * cumprod(c(1, 1 - q[-k]))
    dx <- l * q
    big_l <- width * (c(l[-1], 0) + a * dx)
    big_l[k] <- l[k] / m[k]
    t <- rev(cumsum(rev(big_l)))
    e <- t / l
    var_q <- ifelse(d > 0, q^2 * (1 - q) / d, 0)
    term <- l^2 * ((1 - a) * width + c(e[-1], NA))^2 * var_q
    term[k] <- l[k]^2 / m[k]^4 * d[k] / p[k]^2
    var_e <- rev(cumsum(rev(term))) / l^2
    data.frame(group_id = g$id[rows][1], start_age = age, value = e, se = sqrt(var_e),
               total_pop = sum(p))
  }
  pieces <- lapply(split(seq_len(nrow(data)), g$id), one_group)
  table <- do.call(rbind, pieces)
  out <- cbind(g$keys[table$group_id, , drop = FALSE], table[c("start_age", "value")])
  small <- table$total_pop < minimum_population
  out$value[small] <- NA_real_
  out <- add_limits(out, confidence, function(level) {
    z <- z_of(level)
    list(lower = out$value - z * table$se, upper = out$value + z * table$se)
  })
  row.names(out) <- NULL
  describe(out, confidence, "life expectancy", "Chiang, using Silcocks et al for confidence limits")
}

# OHID rule: rank areas within each group (rank 1 = highest value when a high value means
# most deprived), then quantile = (q + 1) - ceiling((n + 1 - rank) / (n / q)).
ref_deprivation_quantiles <- function(data, value, group_by = character(0), n_quantiles = 10,
                                      highest_is_first = TRUE) {
  g <- group_keys(data, group_by)
  v <- as.numeric(data[[value]])
  sign <- if (highest_is_first) -1 else 1
  rank_in_group <- ave(sign * v, g$id, FUN = function(s) rank(s, ties.method = "min"))
  n_in_group <- ave(v, g$id, FUN = length)
  out <- data
  out$quantile <- as.integer((n_quantiles + 1) -
                               ceiling((n_in_group + 1 - rank_in_group) / (n_in_group / n_quantiles)))
  out
}

# Slope index of inequality from quantile-level data: weighted least squares of the value on
# the midpoint of each quantile's cumulative population share (quantiles ordered 1, 2, ...),
# with Monte-Carlo limits from values simulated as Normal(value, se). A negative multiplier
# flips the SII and its limits (as phe_sii's); the intercept keeps its sign.
ref_sii <- function(data, quantile, population, value, se, group_by = character(0),
                    confidence = 0.95, repetitions = 100000, seed = 1, multiplier = 1) {
  set.seed(seed)
  g <- group_keys(data, group_by)
  one_group <- function(rows) {
    rows <- rows[order(data[[quantile]][rows])]
    share <- as.numeric(data[[population]][rows]) / sum(data[[population]][rows])
    midpoint <- cumsum(share) - share / 2
    y <- as.numeric(data[[value]][rows])
    fit <- lm(y ~ midpoint, weights = share)
    centred <- share * (midpoint - sum(share * midpoint))
    sims <- matrix(rnorm(repetitions * length(rows), mean = rep(y, each = repetitions),
                         sd = rep(as.numeric(data[[se]][rows]), each = repetitions)),
                   nrow = repetitions)
    slopes <- as.vector(sims %*% centred) / sum(centred * midpoint)
    probs <- as.vector(rbind((1 - confidence) / 2, 1 - (1 - confidence) / 2))
    c(unname(coef(fit)[2]), unname(coef(fit)[1]), quantile(slopes, probs, names = FALSE))
  }
  rows_by_group <- split(seq_len(nrow(data)), g$id)
  stats <- do.call(rbind, lapply(rows_by_group, one_group))
  out <- g$keys
  stats <- matrix(stats, nrow = length(rows_by_group))
  out$measure <- "SII"
  out$statistic <- "slope index of inequality"
  out$value <- stats[, 1] * multiplier
  names <- ci_names(confidence)
  # a negative multiplier (an indicator where higher is worse) flips the slope, so the lower
  # limit comes from the upper quantile of the simulated slopes and the other way round
  flip <- multiplier < 0
  for (i in seq_along(confidence)) {
    lower <- stats[, 1 + 2 * i] * multiplier
    upper <- stats[, 2 + 2 * i] * multiplier
    out[[names[[i]][1]]] <- if (flip) upper else lower
    out[[names[[i]][2]]] <- if (flip) lower else upper
  }
  out$intercept <- stats[, 2] * abs(multiplier)
  out$confidence <- paste0(100 * confidence, "%", collapse = ", ")
  out$repetitions <- repetitions
  out
}

# Funnel control limits around a target for proportions (Wilson limits of the target's
# expected count) and for rates (exact Poisson limits of the expected count).
ref_funnel_limits <- function(denominator, target, statistic = c("proportion", "rate"),
                              confidence = c(0.95, 0.998), multiplier = 1) {
  statistic <- match.arg(statistic)
  out <- data.frame(denominator = denominator)
  add_limits(out, confidence, function(level) {
    if (statistic == "proportion") {
      w <- wilson(denominator * target, denominator, level)
      list(lower = w$lower * multiplier, upper = w$upper * multiplier)
    } else {
      expected <- denominator * target / multiplier
      e <- exact_poisson(expected, level)
      list(lower = e$lower / denominator * multiplier, upper = e$upper / denominator * multiplier)
    }
  })
}

# Generalised linear models with R's glm: coefficients, standard errors and the deviance.
ref_glm <- function(data, formula, family = c("poisson", "binomial"), offset = NULL,
                    weights = NULL) {
  family <- match.arg(family)
  data$.offset <- if (is.null(offset)) 0 else log(as.numeric(data[[offset]]))
  data$.weights <- if (is.null(weights)) 1 else as.numeric(data[[weights]])
  fit <- glm(as.formula(formula), family = get(family, mode = "function")(), data = data,
             offset = .offset, weights = .weights,
             control = glm.control(epsilon = 1e-12, maxit = 100))
  table <- summary(fit)$coefficients
  data.frame(term = rownames(table), estimate = unname(table[, 1]),
             std_error = unname(table[, 2]), deviance = fit$deviance,
             converged = fit$converged, row.names = NULL)
}
