package report

import "slices"

// Kind is a finding's kind: what diagnosis says is wrong.
type Kind string

// The kinds of finding (PRODUCT.md's contract).
const (
	Stall              Kind = "stall"
	Starvation         Kind = "starvation"
	Blocking           Kind = "blocking"
	Contention         Kind = "contention"
	Leak               Kind = "leak"
	MemoryGrowth       Kind = "memory_growth"
	GCPressure         Kind = "gc_pressure"
	Saturation         Kind = "saturation"
	Errors             Kind = "errors"
	GeneratorSaturated Kind = "generator_saturated"
	InsufficientData   Kind = "insufficient_data"
)

// Kinds lists every kind, in the order a report lists them.
var Kinds = []Kind{Stall, Starvation, Blocking, Contention, Leak, MemoryGrowth,
	GCPressure, Saturation, Errors, GeneratorSaturated, InsufficientData}

// Severity is how bad a finding is.
type Severity string

// The severities of a finding.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Severities lists the severities, mildest first.
var Severities = []Severity{Info, Warning, Critical}

// Rank is s's place among Severities: 0 for Info, 2 for Critical, -1 for
// a severity that is none of them.
func (s Severity) Rank() int { return slices.Index(Severities, s) }
