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

func TestListenExportsTheLiveRun(t *testing.T) {
	srv, base := demoTarget(t)
	addr := closedAddr(t)
	done := make(chan int, 1)
	go func() {
		code, _, _ := cli(t, context.Background(), "run", base+"/ok", "-c", "2", "-d", "2s", "--interval", "250ms",
			"--listen", addr, "--alert", "requests > 0")
		done <- code
	}()
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			resp.Body.Close()
			time.Sleep(500 * time.Millisecond) // a few intervals in
			fams = scrape(t, "http://"+addr+"/metrics")
			break
		}
	}
	if fams == nil {
		t.Fatal("nothing served on --listen")
	}
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
