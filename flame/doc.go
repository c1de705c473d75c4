// Package flame turns a pprof profile into the tree a flame graph draws:
// each frame a function, as wide as the samples that pass through it,
// its children the functions it called. Build reads a profile's default
// sample type, as `go tool pprof` does, so the root's value is the
// profile's total; Grew is pprof's -diff_base of two goroutine dumps,
// keeping the stacks that grew; Trim bounds a tree for a page.
//
// flame imports profiles (to read and diff profiles) and no other of
// strain's packages.
package flame
