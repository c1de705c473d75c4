package monitor

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where the cgroup file systems are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cpuLimit is how much CPU process pid may use, in percent of one core:
// the cores it may run on (its affinity), or its cgroup's CPU quota where
// that is lower (v2's cpu.max, v1's cfs quota, its own group's or an
// ancestor's). ok is false when neither can be read.
func cpuLimit(pid int) (float64, bool) {
	var set unix.CPUSet
	cores := math.Inf(1)
	if err := unix.SchedGetaffinity(pid, &set); err == nil && set.Count() > 0 {
		cores = float64(set.Count())
	}
	if q, ok := cgroupQuota(pid); ok {
		cores = min(cores, q)
	}
	if math.IsInf(cores, 1) {
		return 0, false
	}
	return 100 * cores, true
}

// cgroupQuota is the tightest CPU quota, in cores, over pid's cgroups and
// their ancestors.
func cgroupQuota(pid int) (float64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	best, found := math.Inf(1), false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "0::/path" (v2) or "4:cpu,cpuacct:/path" (v1).
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dirs []string
		var read func(dir string) (float64, bool)
		switch {
		case parts[1] == "":
			dirs, read = []string{cgroupRoot}, quotaV2
		case hasController(parts[1], "cpu"):
			dirs, read = []string{filepath.Join(cgroupRoot, "cpu"), filepath.Join(cgroupRoot, parts[1])}, quotaV1
		default:
			continue
		}
		for _, root := range dirs {
			for dir := filepath.Join(root, parts[2]); strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
				if q, ok := read(dir); ok && q < best {
					best, found = q, true
				}
				if dir == root {
					break
				}
			}
		}
	}
	return best, found
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// quotaV2 reads cpu.max in dir: "QUOTA PERIOD", or "max PERIOD" for none.
func quotaV2(dir string) (float64, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "cpu.max"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] == "max" {
		return 0, false
	}
	return ratio(f[0], f[1])
}

// quotaV1 reads cpu.cfs_quota_us over cpu.cfs_period_us in dir; -1 is none.
func quotaV1(dir string) (float64, bool) {
	q, err1 := os.ReadFile(filepath.Join(dir, "cpu.cfs_quota_us"))
	p, err2 := os.ReadFile(filepath.Join(dir, "cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return ratio(strings.TrimSpace(string(q)), strings.TrimSpace(string(p)))
}

// ratio is quota over period, both positive integers.
func ratio(quota, period string) (float64, bool) {
	q, err1 := strconv.ParseInt(quota, 10, 64)
	p, err2 := strconv.ParseInt(period, 10, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return float64(q) / float64(p), true
}
