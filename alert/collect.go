package alert

import (
	"fmt"

	"github.com/strain-dev/strain/metric"
)

// Collect gathers the rules a run is given: those of each file in files,
// where "default" stands for DefaultRules, then one parsed from each of
// texts, all checked against cat. An error on one of texts starts with
// "--alert ", the flag they come from; a file's names the file and line.
func Collect(texts, files []string, cat *metric.Catalogue) ([]*Rule, error) {
	var rules []*Rule
	for _, file := range files {
		if file == "default" {
			rules = append(rules, DefaultRules(cat)...)
			continue
		}
		more, err := ReadRules(file, cat)
		if err != nil {
			return nil, err
		}
		rules = append(rules, more...)
	}
	for _, text := range texts {
		r, err := ParseRule(text, cat)
		if err != nil {
			return nil, fmt.Errorf("--alert %w", err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// ParseGates parses each of texts as a gate, checked against cat. An
// error starts with "--gate ", the flag they come from.
func ParseGates(texts []string, cat *metric.Catalogue) ([]*Gate, error) {
	var gates []*Gate
	for _, text := range texts {
		g, err := ParseGate(text, cat)
		if err != nil {
			return nil, fmt.Errorf("--gate %w", err)
		}
		gates = append(gates, g)
	}
	return gates, nil
}
