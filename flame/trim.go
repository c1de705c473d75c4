package flame

import (
	"cmp"
	"slices"
)

// Limits bound a tree for a page. Zero values take the defaults.
type Limits struct {
	// MinShare drops frames narrower than this share of the root (default
	// 0.005: pprof's node fraction); what they spent stays in their
	// caller's width.
	MinShare float64
	// MaxDepth drops frames deeper than this many calls (default 48).
	MaxDepth int
	// MaxFrames keeps the widest frames up to this many (default 600).
	MaxFrames int
}

// The default Limits.
const (
	DefaultMinShare  = 0.005
	DefaultMaxDepth  = 48
	DefaultMaxFrames = 600
)

func (l Limits) orDefaults() Limits {
	if l.MinShare <= 0 {
		l.MinShare = DefaultMinShare
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxFrames <= 0 {
		l.MaxFrames = DefaultMaxFrames
	}
	return l
}

// Trim cuts g to l: frames below the share, past the depth, and past the
// count, the narrowest first. The frames of a function keep reports true
// for (the culprit), and the calls that lead to them, are kept whatever
// their share and cut last. Trim counts what it cut in g.Trimmed.
func (g *Graph) Trim(l Limits, keep func(name string) bool) {
	l = l.orDefaults()
	floor := int64(l.MinShare * float64(abs(g.Root.Value)))
	type ranked struct {
		n      *Node
		depth  int
		marked bool
	}
	var all []ranked
	marked := markedPaths(g.Root, keep)
	walk(g.Root, 0, func(n *Node, depth int) bool {
		if depth > l.MaxDepth || (depth > 0 && abs(n.Value) < floor && !marked[n]) {
			return false
		}
		all = append(all, ranked{n, depth, marked[n]})
		return true
	})
	// A child is never wider than its caller, and ties go to the
	// shallower, so any head of this order holds every kept frame's
	// callers: the marked paths first, then the widest.
	slices.SortStableFunc(all, func(a, b ranked) int {
		if a.marked != b.marked {
			if a.marked {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(abs(b.n.Value), abs(a.n.Value)), cmp.Compare(a.depth, b.depth))
	})
	kept := map[*Node]bool{}
	for i, r := range all {
		if i > l.MaxFrames { // the root is one more
			break
		}
		kept[r.n] = true
	}
	before := g.Frames()
	prune(g.Root, kept)
	g.Trimmed += before - g.Frames()
}

// markedPaths are the nodes keep likes and their callers.
func markedPaths(root *Node, keep func(string) bool) map[*Node]bool {
	out := map[*Node]bool{}
	if keep == nil {
		return out
	}
	var visit func(n *Node) bool
	visit = func(n *Node) bool {
		in := keep(n.Name)
		for _, c := range n.Children {
			if visit(c) {
				in = true
			}
		}
		if in {
			out[n] = true
		}
		return in
	}
	visit(root)
	return out
}

// prune drops the children of n, at every depth, that are not kept.
func prune(n *Node, kept map[*Node]bool) {
	n.Children = slices.DeleteFunc(n.Children, func(c *Node) bool { return !kept[c] })
	for _, c := range n.Children {
		prune(c, kept)
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
