// Package grafana holds strain's Grafana dashboard, strain.json, and this
// test, which checks that Grafana can import it and that every metric its
// queries name is one strain serves on --listen, against a real run. It is
// a module of its own, so that strain's module never depends on
// Prometheus' server code (its PromQL parser).
package grafana

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// dashboard is the part of Grafana's dashboard model an import needs.
type dashboard struct {
	Inputs        []input   `json:"__inputs"`
	UID           string    `json:"uid"`
	Title         string    `json:"title"`
	SchemaVersion int       `json:"schemaVersion"`
	Panels        []panel   `json:"panels"`
	Templating    templates `json:"templating"`
	Time          *struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
}

type input struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	PluginID string `json:"pluginId"`
}

type templates struct {
	List []struct {
		Name       string      `json:"name"`
		Type       string      `json:"type"`
		Datasource *datasource `json:"datasource"`
	} `json:"list"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	GridPos    *gridPos    `json:"gridPos"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		RefID      string      `json:"refId"`
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a row's, when collapsed
}

type gridPos struct {
	H, W, X, Y int
}

// loadDashboard reads strain.json strictly: a field Grafana's model does
// not spell so is not caught by this, but a malformed file is.
func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile("strain.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("strain.json is not JSON Grafana can read: %v", err)
	}
	return d
}

// panelKinds are the panel types the dashboard may use: Grafana's own,
// no plugin to install.
var panelKinds = []string{"row", "timeseries", "stat", "state-timeline", "gauge", "table", "bargauge"}

// The dashboard has what a Grafana import needs: a datasource input the
// panels use, a uid, a schema version, panels that each have a type, a
// place on the 24-column grid (none overlapping) and queries with an
// expression and a refId of their own.
func TestDashboardImports(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 || d.Time == nil || len(d.Panels) == 0 {
		t.Fatalf("uid %q, title %q, schemaVersion %d, time %v, %d panels: an import needs each", d.UID, d.Title, d.SchemaVersion, d.Time, len(d.Panels))
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Type != "datasource" || d.Inputs[0].PluginID != "prometheus" {
		t.Fatalf("__inputs %+v: want one Prometheus datasource", d.Inputs)
	}
	ds := "${" + d.Inputs[0].Name + "}"
	for _, v := range d.Templating.List {
		if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != ds) {
			t.Errorf("variable %s: datasource %v, want %s", v.Name, v.Datasource, ds)
		}
	}
	ids := map[int]bool{}
	var placed []panel
	for _, p := range allPanels(d) {
		name := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		switch {
		case p.ID == 0 || ids[p.ID]:
			t.Errorf("%s: id missing or not unique", name)
		case !slices.Contains(panelKinds, p.Type):
			t.Errorf("%s: type %q is not one of Grafana's own %v", name, p.Type, panelKinds)
		case p.GridPos == nil || p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X < 0 || p.GridPos.X+p.GridPos.W > 24:
			t.Errorf("%s: gridPos %+v does not fit the 24-column grid", name, p.GridPos)
		}
		ids[p.ID] = true
		for _, q := range placed {
			if p.GridPos != nil && overlap(*p.GridPos, *q.GridPos) {
				t.Errorf("%s overlaps %q", name, q.Title)
			}
		}
		if p.GridPos != nil {
			placed = append(placed, p)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != ds || len(p.Targets) == 0 {
			t.Errorf("%s: datasource %v with %d queries: want %s and at least one", name, p.Datasource, len(p.Targets), ds)
		}
		refs := map[string]bool{}
		for _, q := range p.Targets {
			if q.Expr == "" || q.RefID == "" || refs[q.RefID] || q.Datasource == nil || q.Datasource.UID != ds {
				t.Errorf("%s: query %q refId %q datasource %v: want an expression, a refId of its own, %s", name, q.Expr, q.RefID, q.Datasource, ds)
			}
			refs[q.RefID] = true
		}
	}
}

func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// allPanels are the dashboard's panels, those in collapsed rows too.
func allPanels(d dashboard) []panel {
	var out []panel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

// grafanaVars are what Grafana puts for the variables the queries use,
// so that Prometheus (and its parser) read them as Grafana sends them.
var grafanaVars = strings.NewReplacer("$__rate_interval", "10s", "$job", ".+")

// query is one panel's expression, parsed.
type query struct {
	panel, expr string
	parsed      parser.Expr
}

// queries are every panel's expressions, as Grafana sends them, parsed
// by Prometheus' own parser.
func queries(t *testing.T, d dashboard) []query {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	var out []query
	for _, pn := range allPanels(d) {
		for _, q := range pn.Targets {
			expr := grafanaVars.Replace(q.Expr)
			e, err := p.ParseExpr(expr)
			if err != nil {
				t.Errorf("panel %q: %q is not PromQL: %v", pn.Title, expr, err)
				continue
			}
			out = append(out, query{pn.Title, expr, e})
		}
	}
	return out
}

// selectors are the series an expression reads.
func selectors(e parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// exported is what a live strain serves: its metric names (a histogram's
// as _bucket, _sum and _count) and, for strain_metric, the name label's
// values.
type exported struct {
	metrics map[string]bool
	names   map[string]bool // strain_metric's name labels
}

// check says what in selector vs strain does not export: its metric, or
// a strain_metric name it asks for (one it names, or a pattern that
// matches none).
func (x exported) check(vs *parser.VectorSelector) error {
	if !x.metrics[vs.Name] {
		return fmt.Errorf("metric %s is not one strain exports", vs.Name)
	}
	for _, m := range vs.LabelMatchers {
		if m.Name != "name" || vs.Name != "strain_metric" {
			continue
		}
		var hit []string
		for n := range x.names {
			if m.Matches(n) {
				hit = append(hit, n)
			}
		}
		if (m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp) && len(hit) == 0 {
			return fmt.Errorf("strain_metric{name%s%q} matches no metric strain exported", m.Type, m.Value)
		}
	}
	return nil
}

// validName is a Prometheus metric name.
var validName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
