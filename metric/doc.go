// Package metric is strain's one vocabulary for what it measures: the
// names of PRODUCT.md with the unit each is measured in (a Catalogue), one
// formatter per unit (Format), and a typed key for whose metric a name is
// (Key and Scope: the load, strain itself, or a watched target), with one
// String and one Parse.
//
// Every other package that prints, judges or groups metrics goes through
// it: alert checks a threshold's unit against the Catalogue, report, the
// dashboard and the alerts print values with Format, and nothing else
// spells "target[NAME]." into a name or parses it back out.
//
// metric imports none of strain's other packages.
package metric
