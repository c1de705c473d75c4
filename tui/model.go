package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/strain-dev/strain/capacity"
)

// tickEvery refreshes the clock in the header between frames: it shows
// whole seconds, and each render costs the load a little CPU.
const tickEvery = time.Second

// stepUp is what + multiplies the load level by (and - divides it by): a
// dial moves by a proportion, whatever the level.
const stepUp = 1.1

// maxEvents is how many recent event lines the dashboard keeps.
const maxEvents = 4

// Model is the dashboard's root model.
type Model struct {
	header   Header
	control  Control
	start    time.Time
	now      time.Time
	width    int
	height   int
	frame    Frame
	hist     history
	latency  latencyCounts // the run's responses so far, by latency
	events   []string
	recent   bool               // the charts show the recent intervals, not the whole run
	search   *capacity.Progress // a capacity search's, when the Control runs one
	findings bool               // the findings view is open
	chosen   int                // the finding it opens
	help     bool
	quitting bool
}

// New returns the dashboard for a run described by h, acting through c,
// started at start. A zero start shows the time from frames alone (for
// golden tests).
func New(h Header, c Control, start time.Time) Model {
	return Model{header: cleanHeader(h), control: c, start: start, now: start, width: 80, height: 24, hist: newHistory()}
}

type tickMsg time.Time

func tick() tea.Cmd {
	return tea.Tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Init starts the header's clock.
func (m Model) Init() tea.Cmd {
	if m.start.IsZero() {
		return nil
	}
	return tick()
}

// Update routes messages: window size, keys, frames, the clock, the end.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyMsg:
		return m.key(msg)
	case Frame:
		m.addFrame(msg)
	case tickMsg:
		m.now = time.Time(msg)
		return m, tea.Batch(tick(), m.pollSearch())
	case capacity.Progress:
		m.search = &msg
	case Done:
		m.quitting = true
		return m, tea.Quit
	}
	return m, nil
}

func (m *Model) addFrame(f Frame) {
	f = cleanFrame(f)
	m.frame = f
	m.hist.add(f)
	m.latency.add(f.Latency)
	m.events = lastEvents(append(m.events, f.Events...))
}

// key handles a key press. Control's methods return at once, so they are
// called here, in order: "+" then "]" must mean exactly that.
func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	c := m.control
	s, steers := c.(Steer)
	switch {
	case key.Matches(msg, keys.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.help = !m.help
	case key.Matches(msg, keys.View):
		m.recent = !m.recent
	case key.Matches(msg, keys.Findings):
		m.openFindings()
	case m.findings && key.Matches(msg, keys.Close):
		m.findings = false
	case m.findings && key.Matches(msg, keys.Up):
		m.choose(-1)
	case m.findings && key.Matches(msg, keys.Down):
		m.choose(1)
	case !steers && key.Matches(msg, keys.More, keys.Less, keys.Double, keys.Half):
		m.events = lastEvents(append(m.events, noScale))
	case !steers && key.Matches(msg, keys.Pause):
		m.events = lastEvents(append(m.events, noPause))
	case key.Matches(msg, keys.More):
		s.Scale(stepUp, 0)
	case key.Matches(msg, keys.Less):
		s.Scale(1/stepUp, 0)
	case key.Matches(msg, keys.Double):
		s.Scale(2, 0)
	case key.Matches(msg, keys.Half):
		s.Scale(0.5, 0)
	case key.Matches(msg, keys.Pause):
		s.Pause()
	case key.Matches(msg, keys.CPU):
		c.Capture("cpu")
	case key.Matches(msg, keys.Goroutines):
		c.Capture("goroutine")
	case key.Matches(msg, keys.Heap):
		c.Capture("heap")
	}
	return m, nil
}

// What the load's keys say when the Control cannot steer the load: in
// strain, a capacity search, which sets the rate itself.
const (
	noScale = "capacity: the search sets the rate; + and - do nothing"
	noPause = "capacity: the search cannot be paused; q ends it with what it found"
)

// lastEvents are the latest maxEvents of events.
func lastEvents(events []string) []string {
	return events[max(0, len(events)-maxEvents):]
}

// View lays the panels out for the window; a pure function of state.
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	w := max(m.width, 40)
	if m.help {
		return lipgloss.JoinVertical(lipgloss.Left, m.viewHeader(w), "", helpText)
	}
	if m.findings && len(m.frame.Findings) > 0 {
		body := m.viewHeader(w) + "\n" + m.viewFindingsOpen(w)
		return fit(body, m.height-1) + "\n" + m.viewFooter(w)
	}
	if w >= wideWidth && m.height >= wideHeight {
		if view, ok := m.viewWide(w, m.height); ok {
			return fit(view, m.height-1) + "\n" + m.viewFooter(w)
		}
	}
	// Alerts first: on a small screen the bottom is what gets cut.
	parts := []string{m.viewHeader(w), m.viewAlerts(w), m.viewFindings(w, m.height < 30), m.viewSearch(w, m.height < 30)}
	if m.header.Model != "watch" {
		parts = append(parts, m.viewLoad(w))
	}
	compact := m.height < 30
	for i, t := range m.targets() {
		note := "" // what the sparklines show, said once: on the load's panel, else the first target's
		if i == 0 && m.header.Model == "watch" {
			note = " · " + m.viewLabel()
		}
		parts = append(parts, m.viewTarget(w, t, compact, note))
	}
	parts = append(parts, m.viewSelf(w), m.viewProfiles(w, compact), m.viewEvents(w))
	body := strings.Join(nonEmpty(parts), "\n")
	return fit(body, m.height-1) + "\n" + m.viewFooter(w)
}

func nonEmpty(parts []string) []string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fit cuts s to at most n lines, so the footer always shows.
func fit(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:max(n, 1)]
	}
	return strings.Join(lines, "\n")
}
