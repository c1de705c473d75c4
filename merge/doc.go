// Package merge puts the reports of a load's segments (strain run
// --segment I/N, on as many processes or pods) back together as one
// report, as if one process had run the whole load: counts add exactly,
// percentiles come from the merged HDR histograms, the series align by
// wall-clock time, and gates are judged once, on the merged summary.
package merge
