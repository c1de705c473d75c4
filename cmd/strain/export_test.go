package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return fams
}

// scrapeLive scrapes a run's --listen a few intervals in.
func scrapeLive(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			resp.Body.Close()
			time.Sleep(500 * time.Millisecond) // a few intervals in
			return scrape(t, "http://"+addr+"/metrics")
		}
	}
	t.Fatal("nothing served on --listen")
	return nil
}

// A segment serves only what Prometheus can sum over the segments' pods:
// the counters, the histogram's buckets, the gauges that add; no
// percentile of its own.
func TestSegmentExportsWhatSums(t *testing.T) {
	_, base := demoTarget(t)
	addr := closedAddr(t)
	done := make(chan int, 1)
	go func() {
		code, _, _ := cli(t, context.Background(), "run", base+"/ok", "-r", "100", "-d", "2s", "--interval", "250ms",
			"--segment", "1/2", "--listen", addr)
		done <- code
	}()
	fams := scrapeLive(t, addr)
	if fams["strain_latency_seconds"] == nil || fams["strain_requests_total"] == nil {
		t.Errorf("no histogram or counter: %v", fams)
	}
	for _, m := range fams["strain_metric"].GetMetric() {
		if name := m.GetLabel()[0].GetValue(); notSummableName(name) {
			t.Errorf("a segment exports %s", name)
		}
	}
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
}

func notSummableName(name string) bool {
	return strings.HasPrefix(name, "latency") || name == "error_rate" || name == "oldest_inflight"
}

func TestListenExportsTheLiveRun(t *testing.T) {
	srv, base := demoTarget(t)
	addr := closedAddr(t)
	done := make(chan int, 1)
	go func() {
		code, _, _ := cli(t, context.Background(), "run", base+"/ok", "-c", "2", "-d", "2s", "--interval", "250ms",
			"--listen", addr, "--alert", "requests > 0")
		done <- code
	}()
	fams := scrapeLive(t, addr)
	var requests float64
	for _, m := range fams["strain_requests_total"].GetMetric() {
		requests += m.GetCounter().GetValue()
	}
	hist := fams["strain_latency_seconds"].GetMetric()[0].GetHistogram()
	if requests == 0 || float64(hist.GetSampleCount()) != requests || requests > float64(srv.Requests()) {
		t.Errorf("requests %v, latency count %d, server %d", requests, hist.GetSampleCount(), srv.Requests())
	}
	names := map[string]bool{}
	for _, m := range fams["strain_metric"].GetMetric() {
		names[m.GetLabel()[0].GetValue()] = true
	}
	for _, want := range []string{"throughput", "latency.p99", "self.goroutines"} {
		if !names[want] {
			t.Errorf("strain_metric lacks %s", want)
		}
	}
	al := fams["strain_alert_state"].GetMetric()
	if len(al) != 1 || al[0].GetGauge().GetValue() != 2 || !strings.Contains(al[0].String(), "requests > 0") {
		t.Errorf("alert state = %v", al)
	}
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Error("still serving after the run")
	}
}
