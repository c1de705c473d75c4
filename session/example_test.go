package session_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/session"
)

// A run of 50 requests, 5 at a time, against a test server, judged by a
// gate, with a sink that sees each interval as it happens.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	gate, err := alert.ParseGate("error_rate < 1%", session.Catalogue(nil))
	if err != nil {
		log.Fatal(err)
	}
	var seen int64
	s, err := session.New(session.Config{
		Load:  &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: srv.URL}}, Concurrency: 5, Requests: 50},
		Gates: []*alert.Gate{gate},
		Sinks: []session.Sink{session.SinkFunc(func(p *session.Point) { seen += p.Window.Requests })},
	})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := s.Run(context.Background()) // s.End(why), from another goroutine, would end it early
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("requests:", rep.Summary["requests"], "seen by the sink:", seen)
	fmt.Println("status 200:", rep.StatusCodes["200"])
	for _, g := range rep.Gates {
		fmt.Println("gate:", g.Expr, g.Pass)
	}
	fmt.Println("passed:", rep.Passed)
	// Output:
	// requests: 50 seen by the sink: 50
	// status 200: 50
	// gate: error_rate < 1% true
	// passed: true
}
