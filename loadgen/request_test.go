package loadgen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRequestTargets(t *testing.T) {
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body.json")
	os.WriteFile(bodyFile, []byte(`{"a":1}`), 0o644)
	targetsFile := filepath.Join(dir, "targets")
	os.WriteFile(targetsFile, []byte("DELETE http://127.0.0.1:8080/items/1\n"), 0o644)

	r := Request{Method: "POST", Header: []string{"X-A: 1", "X-A: 2", "Accept: */*"}, BodyFile: bodyFile, TargetsFile: targetsFile}
	got, err := r.Targets([]string{"http://127.0.0.1:8080/a", "https://localhost/b"})
	if err != nil {
		t.Fatal(err)
	}
	header := map[string][]string{"X-A": {"1", "2"}, "Accept": {"*/*"}}
	want := []Target{
		{Method: "POST", URL: "http://127.0.0.1:8080/a", Header: header, Body: []byte(`{"a":1}`)},
		{Method: "POST", URL: "https://localhost/b", Header: header, Body: []byte(`{"a":1}`)},
		{Method: "DELETE", URL: "http://127.0.0.1:8080/items/1", Header: map[string][]string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Targets =\n%+v\nwant\n%+v", got, want)
	}
	got[0].Header["X-A"][0] = "changed"
	if got[1].Header["X-A"][0] != "1" {
		t.Error("two targets share one header map")
	}
}

func TestRequestBody(t *testing.T) {
	cases := []struct {
		name string
		r    Request
		want []byte
	}{
		{"none", Request{Method: "GET"}, nil},
		{"inline", Request{Method: "GET", Body: "x=1"}, []byte("x=1")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.r.Targets([]string{"http://127.0.0.1/"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[0].Body, c.want) {
				t.Errorf("body = %q, want %q", got[0].Body, c.want)
			}
		})
	}
}

func TestRequestTargetsErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		r    Request
		urls []string
		want string
	}{
		{"bad URL", Request{Method: "GET"}, []string{"ftp://x/"}, `URL "ftp://x/": scheme must be http or https`},
		{"bad header", Request{Method: "GET", Header: []string{"nocolon"}}, []string{"http://x/"}, `-H: header "nocolon": want 'Name: value'`},
		{"missing body file", Request{Method: "GET", BodyFile: filepath.Join(dir, "missing")}, []string{"http://x/"}, "--body-file: open "},
		{"missing targets file", Request{TargetsFile: filepath.Join(dir, "missing")}, nil, "read targets file: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.r.Targets(c.urls)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v, want it to start %q", err, c.want)
			}
		})
	}
}
