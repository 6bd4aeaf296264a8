# Calling tidy-evaluation functions (PHEindicatormethods, FunnelPlotR) with column names given
# as text: `columns` maps argument names to column names, passed on as unquoted symbols.

call_with_columns <- function(package, name, data, group_by = character(0),
                              columns = list(), arguments = list()) {
  fun <- getExportedValue(package, name)
  if (length(group_by) > 0) {
    data <- dplyr::group_by(data, dplyr::across(dplyr::all_of(group_by)))
  }
  symbols <- lapply(columns, as.name)
  result <- do.call(fun, c(list(data), symbols, arguments))
  if (inherits(result, "grouped_df")) result <- dplyr::ungroup(result)
  result
}

# FunnelPlotR returns a plot object; its data (points and limits) come from source_data().
funnel_plot_data <- function(data, columns = list(), arguments = list()) {
  plot <- do.call(FunnelPlotR::funnel_plot, c(list(data), lapply(columns, as.name), arguments))
  as.data.frame(FunnelPlotR::source_data(plot))
}

installed_versions <- function(packages) {
  found <- vapply(packages, function(p) {
    path <- find.package(p, quiet = TRUE)
    if (length(path) == 0) NA_character_ else as.character(packageVersion(p, lib.loc = dirname(path)))
  }, character(1))
  data.frame(package = packages, version = unname(found))
}

all_installed <- function() {
  table <- installed.packages(fields = "Version")
  table <- table[!duplicated(table[, "Package"]), , drop = FALSE]
  data.frame(package = unname(table[, "Package"]), version = unname(table[, "Version"]))
}
