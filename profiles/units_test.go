package profiles

import "testing"

func TestLabel(t *testing.T) {
	tests := []struct {
		v        int64
		from, to string
		want     string
	}{
		{1230000000, "nanoseconds", "s", "1.23s"},
		{1230000000, "nanoseconds", "minimum", "1.23s"},
		{10000000, "nanoseconds", "ms", "10ms"},
		{-20000000, "nanoseconds", "ms", "-20ms"},
		{1536, "bytes", "kB", "1.50kB"},
		{3 << 20, "bytes", "minimum", "3MB"},
		{500, "count", "count", "500"},
		{0, "bytes", "MB", "0"},
		{7, "contentions", "contentions", "7contentions"},
	}
	for _, tt := range tests {
		if got := label(tt.v, tt.from, tt.to); got != tt.want {
			t.Errorf("label(%d, %q, %q) = %q, want %q", tt.v, tt.from, tt.to, got, tt.want)
		}
	}
}

func TestPercentage(t *testing.T) {
	tests := []struct {
		v, total int64
		want     string
	}{
		{1, 1, "  100%"}, {1, 3, "33.33%"}, {1, 200, "  0.5%"}, {0, 10, "    0%"}, {-5, 10, "50.00%"}, {1, 0, "    0%"},
	}
	for _, tt := range tests {
		if got := percentage(tt.v, tt.total); got != tt.want {
			t.Errorf("percentage(%d, %d) = %q, want %q", tt.v, tt.total, got, tt.want)
		}
	}
}
