package monitor

import (
	"context"
	"errors"
	"fmt"

	"github.com/shirou/gopsutil/v3/process"
)

// pidSource reads a process's CPU, its CPU limit, memory, threads and
// open files from the OS. It is the one file that knows gopsutil, so a move to v4 stays here.
type pidSource struct {
	pid   int32
	proc  *process.Process
	first bool
}

// NewPid watches process pid through the OS.
func NewPid(pid int) Source { return &pidSource{pid: int32(pid), first: true} }

func (s *pidSource) Name() string { return fmt.Sprintf("pid:%d", s.pid) }

// Sample reads the process; cpu is the percent of one core used since the
// last sample, so the first sample has none.
func (s *pidSource) Sample(ctx context.Context) (Metrics, error) {
	if s.proc == nil {
		p, err := process.NewProcessWithContext(ctx, s.pid)
		if err != nil {
			return nil, fmt.Errorf("watch pid %d: %w", s.pid, err)
		}
		s.proc = p
	}
	running, err := s.proc.IsRunningWithContext(ctx)
	if err != nil {
		// Not "gone": at its open-file limit strain cannot read /proc.
		return nil, fmt.Errorf("process %d: %w", s.pid, err)
	}
	if !running {
		return nil, fmt.Errorf("process %d is gone", s.pid)
	}
	cpu, err := s.proc.PercentWithContext(ctx, 0)
	mem, err2 := s.proc.MemoryInfoWithContext(ctx)
	threads, err3 := s.proc.NumThreadsWithContext(ctx)
	if err := errors.Join(err, err2, err3); err != nil {
		return nil, fmt.Errorf("read pid %d: %w", s.pid, err)
	}
	m := Metrics{"rss": float64(mem.RSS), "threads": float64(threads)}
	if fds, err := s.proc.NumFDsWithContext(ctx); err == nil {
		m["fds"] = float64(fds) // needs the right to read the process's fd table
	}
	if !s.first {
		m["cpu"] = cpu
	}
	if limit, ok := cpuLimit(int(s.pid)); ok {
		m["cpu_limit"] = limit
	}
	s.first = false
	return m, nil
}
