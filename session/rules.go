package session

import (
	"fmt"
	"strings"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
)

// Catalogue is the catalogue of the metrics a run watching specs will
// have: strain's names, plus the series its prom: sources pick, plus the
// counts of findings diagnosis puts in the summary.
func Catalogue(specs []monitor.Spec) *metric.Catalogue {
	var names []string
	for _, s := range specs {
		for _, p := range s.Proms {
			names = append(names, p.Series...)
		}
	}
	c := metric.NewCatalogue(names...)
	c.Add(metric.Count, report.FindingCounts()...)
	return c
}

// expandRules turns a rule on target.X into one rule per watched target
// when there are several, since their metrics are then target[NAME].X.
func expandRules(rules []*alert.Rule, specs []monitor.Spec) ([]*alert.Rule, error) {
	var out []*alert.Rule
	for _, r := range rules {
		if err := checkTarget(r.Metric, specs); err != nil {
			return nil, fmt.Errorf("alert %q: %w", r.Text, err)
		}
		key := metric.Parse(r.Metric)
		if len(specs) < 2 || key.Scope != metric.OneTarget {
			out = append(out, r)
			continue
		}
		for _, s := range specs {
			c := *r
			c.Metric = metric.TargetScope(s.Name).Of(key.Name).String()
			c.Text = strings.Replace(r.Text, r.Metric, c.Metric, 1)
			out = append(out, &c)
		}
	}
	return out, nil
}

// checkTarget makes sure a target[NAME] metric names a watched target.
func checkTarget(name string, specs []monitor.Spec) error {
	key := metric.Parse(name)
	if key.Scope.Kind != metric.Target || key.Scope.Name == "" {
		return nil
	}
	var names []string
	for _, s := range specs {
		if s.Name == key.Scope.Name {
			return nil
		}
		names = append(names, s.Name)
	}
	return fmt.Errorf("no watched target is named %q (watched: %s)", key.Scope.Name, strings.Join(names, ", "))
}

// checkSpecs refuses two targets of one name, or one named as strain itself.
func checkSpecs(specs []monitor.Spec) error {
	seen := map[string]bool{SelfName: true}
	for _, s := range specs {
		if seen[s.Name] {
			return fmt.Errorf("watch %q: the name %q is taken; name it: NAME=...", s.Name, s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}
