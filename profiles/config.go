package profiles

import (
	"net/http"
	"time"
)

// Defaults for a Config's zero fields.
const (
	DefaultDir           = "strain-profiles"
	DefaultCPUDuration   = 10 * time.Second
	DefaultTraceDuration = 2 * time.Second
	DefaultTimeout       = 10 * time.Second
	DefaultCooldown      = 30 * time.Second
	DefaultMaxCaptures   = 50
	DefaultMaxBytes      = 256 << 20
)

// Config configures a Capturer. The zero value captures into ./strain-profiles
// with the defaults above.
type Config struct {
	// Dir is where files and index.json go (DefaultDir when empty). Open
	// creates it, and its missing parents, at the first capture.
	Dir string
	// CPUDuration and TraceDuration are how long a CPU profile and an
	// execution trace record, unless a Request says otherwise.
	CPUDuration, TraceDuration time.Duration
	// Timeout bounds a snapshot capture, and a timed one beyond its
	// duration.
	Timeout time.Duration
	// Cooldown is the least time between two captures of one kind from
	// one target for one reason; negative means none.
	Cooldown time.Duration
	// MaxCaptures and MaxBytes cap the captures this Capturer keeps;
	// negative means no cap.
	MaxCaptures int
	MaxBytes    int64
	// Client fetches from targets; nil means a client of the Capturer's
	// own. Its Timeout, if any, must exceed the longest capture.
	Client *http.Client
}

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults() Config {
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	c.CPUDuration = orDefault(c.CPUDuration, DefaultCPUDuration)
	c.TraceDuration = orDefault(c.TraceDuration, DefaultTraceDuration)
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	c.Cooldown = orDefault(c.Cooldown, DefaultCooldown)
	if c.MaxCaptures == 0 {
		c.MaxCaptures = DefaultMaxCaptures
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Client == nil {
		c.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
