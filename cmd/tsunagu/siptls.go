package main

import (
	"crypto/tls"
	"fmt"
	"net"

	"tsunagu/telephony"
)

// SIP over TLS (telephony/tls.go): sip_tls_listen with sip_tls_cert and
// sip_tls_key (PEM files; the certificate may carry its chain). Without
// sip_tls_listen there is no TLS listener; UDP and TCP on --sip stay as
// they are either way. The files are read at start: a renewed certificate
// takes a restart.

// validateSIPTLS: the three keys go together.
func (c *Config) validateSIPTLS() error {
	if c.SIPTLSListen == "" {
		if c.SIPTLSCert != "" || c.SIPTLSKey != "" {
			return fmt.Errorf("%w: sip_tls_cert and sip_tls_key need sip_tls_listen", errUsage)
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(c.SIPTLSListen); err != nil {
		return fmt.Errorf("%w: sip_tls_listen %q is not host:port", errUsage, c.SIPTLSListen)
	}
	if c.SIPTLSCert == "" || c.SIPTLSKey == "" {
		return fmt.Errorf("%w: sip_tls_listen needs sip_tls_cert and sip_tls_key", errUsage)
	}
	return nil
}

// sipTLSAddr is the TLS listen address for telephony ("" off).
func sipTLSAddr(cfg Config) string {
	if cfg.SIPTLSListen == "" {
		return ""
	}
	return sipListenAddr(cfg.SIPTLSListen)
}

// sipTLSConfig loads the certificate; nil without TLS.
func sipTLSConfig(cfg Config) (*tls.Config, error) {
	if cfg.SIPTLSListen == "" {
		return nil, nil
	}
	conf, err := telephony.LoadTLSConfig(cfg.SIPTLSCert, cfg.SIPTLSKey)
	if err != nil {
		return nil, fmt.Errorf("sip tls: %w", err)
	}
	return conf, nil
}
