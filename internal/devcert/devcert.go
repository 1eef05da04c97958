// Package devcert makes the local-mode HTTPS certificate: a development certificate authority and a
// server certificate for localhost signed by it, kept in the data dir, so that a developer can trust the
// CA once and sideload the add-in into Outlook on the web against https://localhost:8443.
package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names in the data dir.
const (
	CAFile        = "dev-ca.pem"
	caKeyFile     = "dev-ca-key.pem"
	serverFile    = "localhost.pem"
	serverKeyFile = "localhost-key.pem"
)

// Browsers refuse server certificates valid for longer than 398 days; renew well before the end.
const (
	serverLifetime = 397 * 24 * time.Hour
	renewBefore    = 30 * 24 * time.Hour
	caLifetime     = 10 * 365 * 24 * time.Hour
)

// Certificate is the local-mode TLS identity.
type Certificate struct {
	TLS    tls.Certificate
	CAPath string // the CA certificate a developer trusts
	CA     *x509.Certificate
}

// LoadOrCreate returns the server certificate in dataDir, creating the CA and the certificate when they
// are missing and renewing the server certificate when it is near its end. now is the clock.
func LoadOrCreate(dataDir string, now func() time.Time) (*Certificate, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	ca, caKey, err := loadOrCreateCA(dataDir, now())
	if err != nil {
		return nil, err
	}
	certPath, keyPath := filepath.Join(dataDir, serverFile), filepath.Join(dataDir, serverKeyFile)
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && c.Leaf != nil &&
		now().Add(renewBefore).Before(c.Leaf.NotAfter) && c.Leaf.CheckSignatureFrom(ca) == nil {
		return &Certificate{TLS: c, CAPath: filepath.Join(dataDir, CAFile), CA: ca}, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"crmsync local development"}},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now().Add(-time.Hour),
		NotAfter:     now().Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("sign server certificate: %w", err)
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	if err := writeKey(keyPath, key); err != nil {
		return nil, err
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("load server certificate: %w", err)
	}
	return &Certificate{TLS: c, CAPath: filepath.Join(dataDir, CAFile), CA: ca}, nil
}

func loadOrCreateCA(dataDir string, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath, keyPath := filepath.Join(dataDir, CAFile), filepath.Join(dataDir, caKeyFile)
	if pair, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && pair.Leaf != nil && now.Before(pair.Leaf.NotAfter) {
		if key, ok := pair.PrivateKey.(*ecdsa.PrivateKey); ok {
			return pair.Leaf, key, nil
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("load development CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "crmsync local development CA", Organization: []string{"crmsync local development"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create development CA: %w", err)
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return nil, nil, err
	}
	if err := writeKey(keyPath, key); err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse development CA: %w", err)
	}
	return ca, key, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("devcert: no randomness: " + err.Error())
	}
	return n
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
