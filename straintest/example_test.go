package straintest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/strain-dev/strain/straintest"
)

// Load a handler with 200 requests and judge the run by two gates. In a
// test, straintest.Handler(t, h, cfg) does the same and fails t with the
// summary when a gate fails.
func Example() {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})
	rep, err := straintest.Run(context.Background(), hello, straintest.Config{
		Requests: 200,
		Gates:    []string{"requests == 200", "error_rate < 1%"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range rep.Gates {
		fmt.Println(g.Expr, g.Pass)
	}
	fmt.Println("passed:", rep.Passed)
	// Output:
	// requests == 200 true
	// error_rate < 1% true
	// passed: true
}
