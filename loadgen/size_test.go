package loadgen

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"4194304", 4194304, false},
		{"512KiB", 512 << 10, false},
		{"4MiB", DefaultMaxBody, false},
		{"4 mib", 4 << 20, false},
		{"1GiB", 1 << 30, false},
		{"1MB", 1_000_000, false},
		{"1.5kB", 1500, false},
		{"100B", 100, false},
		{"0", 0, false},
		{"-1", -1, false}, // the caller's to reject
		{"", 0, true},
		{"MiB", 0, true},
		{"12XB", 0, true},
		{"1..2", 0, true},
		{"1-2", 0, true},
		{"9000000TiB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
