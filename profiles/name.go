package profiles

import (
	"cmp"
	"strconv"
	"strings"
	"time"
)

// maxNamePart bounds each sanitised part of a file name, so a long alert
// rule cannot push the name past what a file system takes.
const maxNamePart = 64

// fileName names a capture's file: target, kind, time and reason, as in
// api-cpu-20261121T120102Z-sched_latency.pb.gz. seq > 1 tells apart two
// captures that would otherwise share a name.
func fileName(target string, kind Kind, t time.Time, reason string, seq int) string {
	parts := []string{cmp.Or(sanitize(target), "target"), string(kind), t.UTC().Format("20060102T150405Z")}
	if r := sanitize(reason); r != "" {
		parts = append(parts, r)
	}
	name := strings.Join(parts, "-")
	if seq > 1 {
		name += "-" + strconv.Itoa(seq)
	}
	return name + kind.ext()
}

// sanitize keeps letters, digits, dot and underscore, turns every other run
// of characters into one underscore, and trims what is left: safe in a file
// name on any system, and never a path separator or a leading dot.
func sanitize(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		if r < 0x80 && (r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
			under = r == '_'
			continue
		}
		if !under {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.Trim(b.String(), "._")
	if len(out) > maxNamePart {
		out = strings.TrimRight(out[:maxNamePart], "._")
	}
	return out
}
