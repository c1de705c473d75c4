package metric

import (
	"cmp"
	"slices"
	"strings"
)

// Who a metric belongs to.
const (
	// Load is the load's own figures: requests, latency, throughput…
	Load ScopeKind = iota
	// Self is strain's own runtime: self.cpu, self.goroutines…
	Self
	// Target is a watched target's runtime: target.X, or target[NAME].X
	// when several targets are watched.
	Target
)

// ScopeKind says whether a metric is the load's, strain's or a target's.
type ScopeKind uint8

// Scope is whose metric a name is. For a Target, Name is the target's name
// when several are watched (target[NAME].X) and empty when one is
// (target.X).
type Scope struct {
	Kind ScopeKind
	Name string
}

// LoadScope, SelfScope and the scope of the only watched target.
var (
	LoadScope = Scope{Kind: Load}
	SelfScope = Scope{Kind: Self}
	OneTarget = Scope{Kind: Target}
)

// TargetScope is the scope of the watched target named name, when several
// are watched.
func TargetScope(name string) Scope { return Scope{Kind: Target, Name: name} }

// Prefix is what the scope puts before a metric's own name: "", "self.",
// "target." or "target[NAME].".
func (s Scope) Prefix() string {
	switch {
	case s.Kind == Self:
		return "self."
	case s.Kind == Target && s.Name != "":
		return "target[" + s.Name + "]."
	case s.Kind == Target:
		return "target."
	}
	return ""
}

// String names the scope as people read it: "load", "self", "target" or
// the target's name.
func (s Scope) String() string {
	switch s.Kind {
	case Self:
		return "self"
	case Target:
		if s.Name != "" {
			return s.Name
		}
		return "target"
	}
	return "load"
}

// Key is a metric's full identity: its scope and its name within it
// ("goroutines", "sched_latency.p99", "latency.p99").
type Key struct {
	Scope Scope
	Name  string
}

// Of is the key of name in scope s.
func (s Scope) Of(name string) Key { return Key{Scope: s, Name: name} }

// String is the metric's name as reports, gates and the export spell it:
// "latency.p99", "self.cpu", "target.rss", "target[api].rss".
func (k Key) String() string { return k.Scope.Prefix() + k.Name }

// Parse reads a metric name back into its key. A name outside self. and
// target… is the load's. A target's NAME may hold dots (a host name) and
// ends at the first "].", which a target's name never holds.
func Parse(s string) Key {
	switch {
	case strings.HasPrefix(s, "self."):
		return Key{Scope: SelfScope, Name: s[len("self."):]}
	case strings.HasPrefix(s, "target."):
		return Key{Scope: OneTarget, Name: s[len("target."):]}
	case strings.HasPrefix(s, "target["):
		if i := strings.Index(s, "]."); i > len("target[") {
			return Key{Scope: TargetScope(s[len("target["):i]), Name: s[i+2:]}
		}
	}
	return Key{Scope: LoadScope, Name: s}
}

// Canonical is the name with a target's NAME taken out: target[api].rss
// is target.rss, which is what the catalogue knows.
func Canonical(s string) string {
	k := Parse(s)
	if k.Scope.Kind == Target {
		k.Scope.Name = ""
	}
	return k.String()
}

// Runtimes lists the runtimes (watched targets, then strain itself) whose
// metrics are among names: every target that produced any metric, whatever
// it offers.
func Runtimes(names ...map[string]float64) []Scope {
	seen := map[Scope]bool{}
	for _, m := range names {
		for name := range m {
			if k := Parse(name); k.Scope.Kind != Load {
				seen[k.Scope] = true
			}
		}
	}
	scopes := make([]Scope, 0, len(seen))
	for s := range seen {
		scopes = append(scopes, s)
	}
	slices.SortFunc(scopes, func(a, b Scope) int {
		return cmp.Or(-cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name)) // targets first, self last
	})
	return scopes
}
