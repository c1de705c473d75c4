// Package session carries out one strain run as a value: a Config in,
// Run(ctx) out, a *report.Report back. A run sends the load (or none, to
// watch), samples strain itself and every watched target on the load's
// timeline, derives growth, evaluates alert rules on every point, captures
// profiles when a rule or a key asks, ends early when a gate is sure to
// fail, and at the end judges the gates and the baseline and puts the
// summary together.
//
// While it runs it can be driven (Scale, Pause, Capture: what the
// dashboard's keys do), and End ends it, saying why: interrupted or
// aborted. It feeds each point, as it happens, to its sinks: the
// dashboard (tui), text lines (session/lines), the Prometheus export, a
// webhook. Sinks only receive; they never read back from each other.
// Gates and the baseline are alert's; the report is report's.
//
// A Session runs once. To repeat a run (a capacity search, a test's
// retries), make a new one from the same Config.
package session
