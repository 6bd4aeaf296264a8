# Which R packages are installed, and their versions (without loading them).

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
