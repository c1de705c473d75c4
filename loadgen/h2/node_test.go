package h2

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
)

// nodeH2 is Node's HTTP/2 server (nghttp2 underneath: another
// implementation than Go's and nginx's), h2c and over TLS, counting the
// requests it answers; /count answers the count so far.
const nodeH2 = `
const http2 = require('http2'), fs = require('fs');
let n = 0;
const handler = (req, res) => {
  if (req.url === '/count') { res.end(String(n)); return; }
  n++; res.end('hello\n');
};
const h2c = http2.createServer(handler).listen(0, '127.0.0.1', () => {
  const tls = http2.createSecureServer({key: fs.readFileSync(process.argv[1]), cert: fs.readFileSync(process.argv[2])}, handler)
    .listen(0, '127.0.0.1', () => console.log(h2c.address().port, tls.address().port));
});
setTimeout(() => process.exit(0), 60000);
`

func TestH2AgainstNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	key, cert := selfSigned(t)
	cmd := exec.Command(node, "-e", nodeH2, key, cert)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	ports := strings.Fields(line)
	if err != nil || len(ports) != 2 {
		t.Fatalf("node's ports: %q, %v", line, err)
	}
	want := 0
	for i, base := range []string{"http://127.0.0.1:" + ports[0], "https://127.0.0.1:" + ports[1]} {
		_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: base + "/"}}, HTTP2: true, Insecure: true,
			Concurrency: 20, Connections: 1 + i, Requests: 3000, Timeout: 10 * time.Second})
		want += 3000
		if res.Requests != 3000 || res.Errors != 0 || res.Status[200] != 3000 || res.BytesIn != 3000*6 {
			t.Errorf("%s: requests %d errors %d (%v) 200s %d bytes in %d", base, res.Requests, res.Errors, res.Kinds, res.Status[200], res.BytesIn)
		}
		if got := nodeCount(t, base); got != want {
			t.Errorf("%s: node answered %d requests, want %d", base, got, want)
		}
	}
}

// nodeCount asks the Node server for its count, with net/http's client.
func nodeCount(t *testing.T, base string) int {
	t.Helper()
	p := new(http.Protocols)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Protocols: p, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer c.CloseIdleConnections()
	resp, err := c.Get(base + "/count")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	n, perr := strconv.Atoi(string(b))
	if err != nil || perr != nil {
		t.Fatalf("count: %q, %v, %v", b, err, perr)
	}
	return n
}

// selfSigned writes a key and a certificate for 127.0.0.1 and returns
// their paths.
func selfSigned(t *testing.T) (key, cert string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key, cert = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	return key, cert
}
