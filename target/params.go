package target

import (
	"fmt"
	"net/http"
	"strconv"
)

// badRequest answers 400 with a one-line message naming the parameter.
func badRequest(w http.ResponseWriter, msg string) {
	http.Error(w, msg, http.StatusBadRequest)
}

// intParam reads query parameter name as an integer in [lo, hi], or def when
// it is absent. The error is a message fit for the client.
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s: %q is not an integer between %d and %d", name, raw, lo, hi)
	}
	return v, nil
}

// floatParam reads query parameter name as a number in [lo, hi], or def when
// it is absent.
func floatParam(r *http.Request, name string, def, lo, hi float64) (float64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.ParseFloat(raw, 64)
	// The negated range test also rejects NaN.
	if err != nil || !(v >= lo && v <= hi) {
		return 0, fmt.Errorf("%s: %q is not a number between %g and %g", name, raw, lo, hi)
	}
	return v, nil
}
