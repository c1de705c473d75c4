package capacity_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/capacity"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/session"
)

// Search a service's capacity under a latency SLO from code.
func ExampleSearch() {
	targets, err := (&loadgen.Request{Method: "GET"}).Targets([]string{"http://127.0.0.1:8080/api"})
	if err != nil {
		log.Fatal(err)
	}
	slos, err := alert.ParseGates([]string{"latency.p99 < 50ms", "error_rate < 1%"}, metric.NewCatalogue())
	if err != nil {
		log.Fatal(err)
	}
	s, err := capacity.New(capacity.Config{
		Run:       session.Config{Load: &loadgen.Config{Targets: targets}},
		SLOs:      slos,
		Precision: 0.05,
		MaxTime:   2 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.0f req/s, bound by %s\n", *rep.Capacity, rep.BoundBy.SLO)
}
