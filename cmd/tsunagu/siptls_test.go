package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestConfig_SIPTLS: the three sip_tls keys go together, and a configured
// certificate is loaded for telephony.
func TestConfig_SIPTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sip.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"sip.example"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "sip.pem"), filepath.Join(dir, "sip.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []Config{
		{SIPTLSListen: ":5061"},
		{SIPTLSListen: ":5061", SIPTLSCert: certFile},
		{SIPTLSCert: certFile, SIPTLSKey: keyFile},
		{SIPTLSListen: "5061", SIPTLSCert: certFile, SIPTLSKey: keyFile},
	} {
		c := defaultConfig()
		c.SIPTLSListen, c.SIPTLSCert, c.SIPTLSKey = bad.SIPTLSListen, bad.SIPTLSCert, bad.SIPTLSKey
		if err := c.validate(); !errors.Is(err, errUsage) {
			t.Errorf("%+v: %v, want a usage error", bad, err)
		}
	}

	c := defaultConfig()
	if conf, err := sipTLSConfig(c); conf != nil || err != nil || sipTLSAddr(c) != "" {
		t.Fatalf("no TLS configured: %v %v %q", conf, err, sipTLSAddr(c))
	}
	c.SIPTLSListen, c.SIPTLSCert, c.SIPTLSKey = ":5061", certFile, keyFile
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	conf, err := sipTLSConfig(c)
	if err != nil || conf == nil || len(conf.Certificates) != 1 {
		t.Fatalf("certificate not loaded: %v", err)
	}
	if got := sipTLSAddr(c); got != "0.0.0.0:5061" {
		t.Errorf("listen %q, want 0.0.0.0:5061", got)
	}
	c.SIPTLSKey = certFile // not a key
	if _, err := sipTLSConfig(c); err == nil {
		t.Error("a certificate as the key was accepted")
	}
}
