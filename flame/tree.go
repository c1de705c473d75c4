package flame

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
)

// Node is one frame: a function, called by its parent, with the samples
// that passed through it.
type Node struct {
	Name     string
	Value    int64   // the samples through this frame, its children's included
	Children []*Node // the largest first
}

// Self is what the frame spent in itself: its value less its children's.
func (n *Node) Self() int64 {
	v := n.Value
	for _, c := range n.Children {
		v -= c.Value
	}
	return v
}

// Graph is a profile's flame tree, and what its values count.
type Graph struct {
	SampleType string // "cpu", "inuse_space", "goroutine"…
	Unit       string // "nanoseconds", "bytes", "count"…
	// Root is the tree's top, named "root"; its Value is the total of
	// the sample type over every sample, as pprof's.
	Root *Node
	// Trimmed is how many frames Trim left out, and Cut how many
	// stacks were cut short as the tree was built (past maxStack calls
	// deep, or once it had maxNodes frames): their value stays with the
	// last frame kept.
	Trimmed, Cut int
	// Groups are a goroutine dump's goroutines grouped by stack, the
	// largest first; in Grew's graph, the stacks whose count changed, the
	// most grown first. At most maxGroups.
	Groups []Group
	// Base and New are Grew's goroutines in each dump.
	Base, New int64
	// Units names what a dump counts: "goroutines", or "tasks" for an
	// event loop's (its frames are Python's); "" for other profiles.
	Units string
}

// units is what a goroutine profile's counts count.
func units(p *profile.Profile) string {
	for _, f := range p.Function {
		if python, _ := profiles.PythonLibrary(f.Filename); python {
			return "tasks"
		}
	}
	return "goroutines"
}

// Group is the goroutines that wait in one stack.
type Group struct {
	Where     string   // the first call outside the runtime: where they wait
	Frames    []string // the stack, innermost first
	Base, New int64    // how many, in Grew's base and newer dump; New alone in one dump
}

// maxGroups bounds the groups a graph lists.
const maxGroups = 10

// group is a Group of frames.
func group(frames []profiles.Frame, base, n int64) Group {
	g := Group{Where: profiles.Where(frames), Base: base, New: n}
	for _, f := range frames {
		g.Frames = append(g.Frames, f.Func)
	}
	return g
}

// maxStack and maxNodes bound a tree as it is built: a profile is the
// target's to write, and 64 MiB of it can hold tens of millions of calls.
const (
	maxStack = 512
	maxNodes = 1 << 18
)

// Build is p's tree of its default sample type (the profile's own
// default, else its last, as pprof picks). A goroutine dump's graph also
// lists its largest groups of stacks.
func Build(p *profile.Profile) (*Graph, error) {
	if len(p.SampleType) == 0 {
		return nil, errors.New("flame: the profile has no sample types")
	}
	idx, err := p.SampleIndexByName("")
	if err != nil {
		return nil, fmt.Errorf("flame: %w", err)
	}
	g := &Graph{SampleType: p.SampleType[idx].Type, Unit: p.SampleType[idx].Unit, Root: &Node{Name: "root"}}
	b := newBuilder(g.Root)
	for _, s := range p.Sample {
		if idx < len(s.Value) && s.Value[idx] > 0 { // a diff's negatives are Grew's to read
			g.Cut += b.add(stack(s), s.Value[idx])
		}
	}
	b.finish()
	if g.SampleType == "goroutine" {
		g.Units = units(p)
		stacks, err := profiles.Stacks(p)
		if err != nil {
			return nil, fmt.Errorf("flame: %w", err)
		}
		for _, st := range stacks[:min(len(stacks), maxGroups)] {
			g.Groups = append(g.Groups, group(st.Frames, 0, st.Count))
		}
	}
	return g, nil
}

// builder adds stacks to a tree, indexing each node's children by name
// while it grows.
type builder struct {
	root  *Node
	kids  map[*Node]map[string]*Node
	nodes int
}

func newBuilder(root *Node) *builder {
	return &builder{root: root, kids: map[*Node]map[string]*Node{}}
}

// add puts v on each frame of a stack, root first, and reports 1 when
// the stack was cut short, at maxStack or maxNodes.
func (b *builder) add(frames []string, v int64) int {
	n := b.root
	n.Value += v
	for i, name := range frames {
		kids := b.kids[n]
		if kids == nil {
			kids = map[string]*Node{}
			b.kids[n] = kids
		}
		c := kids[name]
		if c == nil {
			if i == maxStack || b.nodes == maxNodes {
				return 1
			}
			c = &Node{Name: name}
			kids[name] = c
			n.Children = append(n.Children, c)
			b.nodes++
		}
		c.Value += v
		n = c
	}
	return 0
}

// finish orders every node's children, the largest first, then by name.
func (b *builder) finish() {
	walk(b.root, 0, func(n *Node, _ int) bool {
		slices.SortFunc(n.Children, func(a, c *Node) int {
			return cmp.Or(cmp.Compare(c.Value, a.Value), cmp.Compare(a.Name, c.Name))
		})
		return true
	})
}

// walk visits n and, where visit says so, its children, depth first.
func walk(n *Node, depth int, visit func(*Node, int) bool) {
	if visit(n, depth) {
		for _, c := range n.Children {
			walk(c, depth+1, visit)
		}
	}
}

// stack is a sample's functions from the root to the leaf, an inlined
// function a frame of its own, as pprof draws them.
func stack(s *profile.Sample) []string {
	var out []string
	for i := len(s.Location) - 1; i >= 0 && len(out) <= maxStack; i-- { // add takes maxStack
		names := profiles.FrameNames(s.Location[i])
		slices.Reverse(names) // the outermost inlined call first
		out = append(out, names...)
	}
	return out
}

// Frames counts the tree's frames, the root left out.
func (g *Graph) Frames() int {
	n := -1
	walk(g.Root, 0, func(*Node, int) bool { n++; return true })
	return n
}
