package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the dashboard's keys.
type keyMap struct {
	More, Less, Double, Half, Pause, CPU, Goroutines, Heap, View, Findings, Close, Up, Down, Help, Quit key.Binding
}

var keys = keyMap{
	More:       key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "more load")),
	Less:       key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "less load")),
	Double:     key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "double")),
	Half:       key.NewBinding(key.WithKeys("["), key.WithHelp("[", "halve")),
	Pause:      key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "pause")),
	CPU:        key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "cpu profile")),
	Goroutines: key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "goroutines")),
	Heap:       key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "heap")),
	View:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "whole run / recent")),
	Findings:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "findings")),
	Close:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
	Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "previous")),
	Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "next")),
	Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
}

var helpText = `Keys
  + / -     step the concurrency (or the rate, in the open model) up or down by 10%
  ] / [     double or halve it
  space     pause and resume the load
  p g h     capture a CPU, goroutine or heap profile of the watched targets now
  t         charts: the whole run (downsampled: a latency or a ratio keeps each
            span's highest, other figures their mean) or the last 240 intervals
  f         open the findings: each one's evidence (the metrics, the top
            functions or stacks of its profiles) and next step; ↑/↓ choose,
            f or esc close
  ?         this help
  q ctrl+c  quit: the run stops and prints its summary, as without the dashboard`
