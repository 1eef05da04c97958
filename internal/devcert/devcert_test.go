package devcert_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/devcert"
)

func TestLocalhostCertificateIsTrustedThroughTheCA(t *testing.T) {
	dir := t.TempDir()
	cert, err := devcert.LoadOrCreate(dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}}
	srv.StartTLS()
	defer srv.Close()

	pool := x509.NewCertPool()
	pool.AddCert(cert.CA)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, host := range []string{"localhost", "127.0.0.1"} {
		resp, err := client.Get("https://" + net.JoinHostPort(host, port))
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		resp.Body.Close()
	}
	// Without the CA the certificate is not trusted.
	if _, err := http.Get(srv.URL); err == nil {
		t.Fatal("an untrusted CA was accepted")
	}
	if info, err := os.Stat(filepath.Join(dir, "dev-ca-key.pem")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("CA key file: %v %v", info, err)
	}
}

func TestCertificateIsKeptAndRenewed(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	first, err := devcert.LoadOrCreate(dir, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	again, err := devcert.LoadOrCreate(dir, func() time.Time { return now.Add(24 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	if !again.TLS.Leaf.Equal(first.TLS.Leaf) {
		t.Fatal("a valid certificate was replaced")
	}
	later, err := devcert.LoadOrCreate(dir, func() time.Time { return now.Add(380 * 24 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	if later.TLS.Leaf.Equal(first.TLS.Leaf) || !later.CA.Equal(first.CA) {
		t.Fatal("a certificate near its end was not renewed under the same CA")
	}
	if later.TLS.Leaf.NotAfter.Sub(later.TLS.Leaf.NotBefore) > 398*24*time.Hour {
		t.Fatal("the certificate outlives what browsers accept")
	}
}
