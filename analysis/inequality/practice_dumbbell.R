# The practice dumbbell chart in R with ggplot2: the same chart as the plotnine code in the
# "Python and R" chapter. `gaps` is the table of analysis.inequality.practice_deprivation_gaps()
# (columns label, group, value), for example the chapter's CSV download read with read.csv().
library(ggplot2)

ends <- gaps[gaps$group != "All practices", ]
average <- gaps[gaps$group == "All practices", ]
spans <- merge(
  ends[ends$group == "Least deprived fifth", c("label", "value")],
  ends[ends$group == "Most deprived fifth", c("label", "value")],
  by = "label", suffixes = c("_least", "_most")
)

dumbbells <- ggplot(ends, aes(x = value, y = 0)) +
  geom_segment(data = spans, aes(x = value_least, xend = value_most, y = 0, yend = 0),
               colour = "#768692", linewidth = 1.5) +
  geom_vline(data = average, aes(xintercept = value), linetype = "dashed",
             colour = "#425563") +
  geom_point(aes(colour = group), size = 4) +
  scale_colour_manual(values = c("Most deprived fifth" = "#003087",
                                 "Least deprived fifth" = "#41B6E6")) +
  facet_wrap(~label, ncol = 1, scales = "free_x") +
  labs(x = NULL, y = NULL, colour = "Practices",
       caption = "Dashed line: all practices") +
  theme_minimal() +
  theme(axis.text.y = element_blank(), panel.grid.major.y = element_blank(),
        panel.grid.minor.y = element_blank(), legend.position = "bottom")
