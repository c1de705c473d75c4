package tui

import (
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/session"
)

// HeaderOf is the header of the run cfg describes: its load's model, bound
// and requests, with any password in their URLs hidden; or, without load,
// the targets it watches and for how long.
func HeaderOf(cfg session.Config) Header {
	if cfg.Load == nil {
		h := Header{Model: "watch", Duration: cfg.Duration}
		for _, s := range cfg.Watch {
			h.Targets = append(h.Targets, s.Name)
		}
		return h
	}
	load := cfg.Load
	h := Header{Model: "closed", Duration: load.Duration, Stages: len(load.Stages)}
	if load.Open() {
		h.Model = "open"
	}
	for _, t := range load.Targets {
		method, u := t.Label()
		h.Targets = append(h.Targets, method+" "+redact.URL(u))
	}
	return h
}
