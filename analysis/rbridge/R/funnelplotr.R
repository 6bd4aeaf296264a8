# FunnelPlotR's funnel_plot() on a data frame with the columns numerator, denominator and unit.
# Returns its per-unit data (source_data), its limits along the x axis (limits), phi, tau2, and
# whether it draws overdispersion-adjusted limits when asked for them alone (it falls back to
# unadjusted limits when it finds no overdispersion). Used by analysis/rbridge/funnelplotr.py
# and by tests/fixtures/funnelplotr/make.R.
funnelplotr_fit <- function(data, data_type, sr_method, trim, multiplier) {
  run <- function(draw_unadjusted) {
    suppressMessages(FunnelPlotR::funnel_plot(
      data, numerator, denominator, unit,
      data_type = data_type, sr_method = sr_method, trim_by = trim, multiplier = multiplier,
      draw_unadjusted = draw_unadjusted, draw_adjusted = TRUE, SHMI_rounding = FALSE
    ))
  }
  fit <- run(TRUE)
  units <- as.data.frame(FunnelPlotR::source_data(fit))
  if (!"Wuzscore" %in% names(units)) units$Wuzscore <- NA_real_  # truncated: no Winsorised z
  units$group <- as.character(units$group)
  list(
    units = units,
    limits = as.data.frame(FunnelPlotR::limits(fit)),
    phi = as.numeric(FunnelPlotR::phi(fit)),
    tau2 = as.numeric(FunnelPlotR::tau2(fit)),
    adjusted = isTRUE(run(FALSE)$draw_adjusted)
  )
}
