package monitor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// pprofHeaderLimit caps what is read of a goroutine profile: its first
// line is all the count needs, and the rest can run to megabytes in a
// process with many goroutines.
const pprofHeaderLimit = 256

// pprofHeader starts the first line of a goroutine profile at debug=1.
const pprofHeader = "goroutine profile: total "

// pprofGoroutines reads a target's goroutine count from net/http/pprof.
type pprofGoroutines struct {
	base   string
	client *http.Client
}

var _ Source = (*pprofGoroutines)(nil)

// NewPprofGoroutines returns a Source of a target's goroutines, read from
// the first line of the goroutine profile under base, the pprof index
// (http://host:port/debug/pprof). It is the fallback for a target that
// serves neither strain's runtime endpoint nor Prometheus metrics. A nil
// client means http.DefaultClient.
func NewPprofGoroutines(base string, client *http.Client) Source {
	if client == nil {
		client = http.DefaultClient
	}
	return &pprofGoroutines{base: base, client: client}
}

// Name is "pprof:" and the pprof base URL.
func (p *pprofGoroutines) Name() string { return "pprof:" + p.base }

// Sample reads the goroutine count once.
func (p *pprofGoroutines) Sample(ctx context.Context) (Metrics, error) {
	u := strings.TrimSuffix(p.base, "/") + "/goroutine?debug=1"
	n, err := p.count(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", u, err)
	}
	return Metrics{"goroutines": float64(n)}, nil
}

// count reads the header of the profile at u. Closing the body unread
// costs the connection, which is cheaper than reading the stacks.
func (p *pprofGoroutines) count(ctx context.Context, u string) (int, error) {
	resp, err := promGet(ctx, p.client, u, "text/plain")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return pprofReadHeader(resp.Body)
}

// pprofReadHeader reads the count from the first line of body, reading
// at most pprofHeaderLimit bytes of it.
func pprofReadHeader(body io.Reader) (int, error) {
	line, err := bufio.NewReader(io.LimitReader(body, pprofHeaderLimit)).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return 0, fmt.Errorf("read profile header: %w", err)
	}
	return pprofParseHeader(line)
}

// pprofParseHeader reads N from "goroutine profile: total N".
func pprofParseHeader(line string) (int, error) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), pprofHeader)
	if !ok {
		return 0, fmt.Errorf("not a goroutine profile: first line %q", line)
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a goroutine profile: first line %q", line)
	}
	return n, nil
}
