package report

// Search is how a capacity search (strain capacity) was asked for and how
// it ended; a run's report has none.
type Search struct {
	SLOs           []string `json:"slos"`
	Start          float64  `json:"start"`   // the first rate tried, req/s
	Ceiling        float64  `json:"ceiling"` // no rate above it is tried
	Precision      float64  `json:"precision"`
	StepSeconds    float64  `json:"step_seconds"` // measured, after the warm-up
	WarmupSeconds  float64  `json:"warmup_seconds"`
	PauseSeconds   float64  `json:"pause_seconds"`
	MaxTimeSeconds float64  `json:"max_time_seconds"`
	// Outcome is how the search ended: found (to the precision asked),
	// ceiling (every SLO held at the ceiling), none (no rate held them),
	// budget (the time ran out first), generator (strain could not make
	// the load), target_lost (the target stopped answering), no_data (an
	// SLO's metric had no value), interrupted.
	Outcome string `json:"outcome"`
	// Range is where the true capacity lies: [low, high) in req/s; high is
	// 0 when no rate tried failed.
	Range [2]float64 `json:"range"`
	// Unfinished counts the requests in flight when a step ended, over
	// every step: sent, but in no step's counts.
	Unfinished int64 `json:"unfinished"`
}

// The outcomes of a capacity search.
const (
	OutcomeFound       = "found"
	OutcomeCeiling     = "ceiling"
	OutcomeNone        = "none"
	OutcomeBudget      = "budget"
	OutcomeGenerator   = "generator"
	OutcomeTargetLost  = "target_lost"
	OutcomeInterrupted = "interrupted"
	OutcomeNoData      = "no_data"
)

// Bound is what bound a capacity: the SLO that failed at the lowest rate
// that failed, and by how much, beside its value at the capacity.
type Bound struct {
	SLO       string  `json:"slo"`       // as given, or the implicit check's text
	Metric    string  `json:"metric"`    // what it judges
	Rate      float64 `json:"rate"`      // the lowest rate at which it failed, req/s
	Value     float64 `json:"value"`     // its value there
	Shown     string  `json:"shown"`     // the value in its unit
	Threshold float64 `json:"threshold"` // the SLO's limit
	// Excess is how far past the threshold the value was, as a ratio of
	// the threshold (0.42: 42% past it).
	Excess float64 `json:"excess"`
	// AtCapacity is the metric's value at the capacity found, when a rate
	// passed: the headroom left there.
	AtCapacity      float64 `json:"at_capacity,omitempty"`
	AtCapacityShown string  `json:"at_capacity_shown,omitempty"`
}

// Step is one rate a capacity search tried: warmed up, measured, judged.
type Step struct {
	Rate            float64 `json:"rate"`  // asked for, req/s
	Start           float64 `json:"start"` // seconds since the search began, at the measured part's start
	DurationSeconds float64 `json:"duration_seconds"`
	// Summary is the measured part's figures by the names gates use:
	// the load's from its merged histograms, each runtime series' as
	// NAME.min|mean|max|last, and NAME alone as its mean.
	Summary  map[string]float64 `json:"summary"`
	SLOs     []Gate             `json:"slos"` // each SLO's verdict, and the implicit checks'
	Pass     bool               `json:"pass"`
	Findings []Finding          `json:"findings,omitempty"` // diagnosis of the step, info left out
	Note     string             `json:"note,omitempty"`     // why the search backed off after it, or why it was cut
}
