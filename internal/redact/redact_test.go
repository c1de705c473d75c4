package redact

import "testing"

func TestURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "http://127.0.0.1:8080/api?page=2#top", "http://127.0.0.1:8080/api?page=2#top"},
		{"user and password", "http://u:hunter2@host:80/x", "http://xxxxx@host:80/x"},
		{"user alone", "https://TOKEN@host/", "https://xxxxx@host/"},
		{"at in password", "http://u:p@ss@host", "http://xxxxx@host"},
		{"at in path", "http://host/a@b", "http://host/a@b"},
		{"api_key", "http://host/x?api_key=abc&page=2", "http://host/x?api_key=xxxxx&page=2"},
		{"case and dashes", "http://host/?X-Amz-Signature=abc&Api-Key=def&Sig=1", "http://host/?X-Amz-Signature=xxxxx&Api-Key=xxxxx&Sig=xxxxx"},
		{"each secret name", "http://h/?token=1&key=2&apikey=3&password=4&passwd=5&secret=6&signature=7&auth=8&access_token=9&client_secret=10",
			"http://h/?token=xxxxx&key=xxxxx&apikey=xxxxx&password=xxxxx&passwd=xxxxx&secret=xxxxx&signature=xxxxx&auth=xxxxx&access_token=xxxxx&client_secret=xxxxx"},
		{"escaped name", "http://h/?api%5Fkey=abc", "http://h/?api%5Fkey=xxxxx"},
		{"fragment kept", "http://u:pw@h:9/metrics?token=t#go_goroutines", "http://xxxxx@h:9/metrics?token=xxxxx#go_goroutines"},
		{"not a URL", "pid:42", "pid:42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := URL(tc.in); got != tc.want {
				t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"none", "watch api: found /metrics", "watch api: found /metrics"},
		{"note", "watch h:9: found /metrics at http://u:PW@h:9", "watch h:9: found /metrics at http://xxxxx@h:9"},
		{"Go error", `scrape http://u:PW@h:9/metrics: Get "http://u:***@h:9/metrics": dial tcp: refused`,
			`scrape http://xxxxx@h:9/metrics: Get "http://xxxxx@h:9/metrics": dial tcp: refused`},
		{"any scheme", `URL "ftp://pw@host/?key=k": scheme must be http or https`, `URL "ftp://xxxxx@host/?key=xxxxx": scheme must be http or https`},
		{"in a spec", "watch prom:http://u:pw@h:9/metrics", "watch prom:http://xxxxx@h:9/metrics"},
		{"two, and punctuation", "to HTTPS://T@a/?key=k, then http://b/?sig=s.", "to HTTPS://xxxxx@a/?key=xxxxx, then http://b/?sig=xxxxx."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
