package telephony

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// SIP over TLS (RFC 3261 §26.2.1, transport "tls"), served when
// Config.TLSAddr and a certificate are set. Trunks and desk phones then
// reach the same handlers over an encrypted connection: a REGISTER over TLS
// binds its contact with transport tls, and the desk phone's INVITE goes
// back through the connection the phone registered on (deskphone.go),
// with a Contact naming our TLS listener so the phone's BYE, re-INVITE
// and REFER come back over TLS too. Plain UDP and TCP stay open: TLS is
// an addition for what needs it (a softphone on the internet), not a
// replacement for a carrier's trunk on a private line.
//
// sips: URIs are not required: a phone that asks for sips in its Contact
// is reached the same way (over its TLS connection). Media stays RTP: SRTP
// is not offered.

// LoadTLSConfig reads a PEM certificate (with its chain) and key for the
// SIP TLS listener. TLS 1.2 is the minimum (RFC 8996 retired 1.0 and 1.1).
func LoadTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("telephony: sip tls certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listenTLS binds the TLS listener when configured.
func (s *Server) listenTLS() error {
	if s.cfg.TLSAddr == "" {
		return nil
	}
	conf := s.cfg.TLSConfig
	if conf == nil || (len(conf.Certificates) == 0 && conf.GetCertificate == nil) {
		return errors.New("telephony: TLSAddr needs TLSConfig with a certificate")
	}
	ap, err := netip.ParseAddrPort(s.cfg.TLSAddr)
	if err != nil {
		return fmt.Errorf("telephony: tls listen address %q: %w", s.cfg.TLSAddr, err)
	}
	conf = conf.Clone()
	if conf.MinVersion == 0 {
		conf.MinVersion = tls.VersionTLS12
	}
	l, err := tls.Listen("tcp", ap.String(), conf)
	if err != nil {
		return fmt.Errorf("telephony: listen tls: %w", err)
	}
	s.tlsLn = l
	bound := l.Addr().(*net.TCPAddr).AddrPort()
	s.tlsAddr = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())
	return nil
}

// TLSAddr returns the bound SIP TLS address; ok is false without TLS.
func (s *Server) TLSAddr() (netip.AddrPort, bool) {
	return s.tlsAddr, s.tlsLn != nil
}

// contactHeader is our Contact for a request or response sent over
// transport: the TLS listener with transport=tls for "tls", else the
// UDP/TCP address (one port for both, so no transport parameter).
func (s *Server) contactHeader(transport string) *sip.ContactHeader {
	if strings.EqualFold(transport, "tls") && s.tlsLn != nil {
		return s.duaTLS.ContactHDR.Clone()
	}
	return s.dua.ContactHDR.Clone()
}

// dialogUA is the DialogUA whose Contact suits req's transport: a trunk
// calling over TLS is answered with our TLS Contact, so its ACK and BYE
// stay on TLS.
func (s *Server) dialogUA(req *sip.Request) *sipgo.DialogUA {
	if strings.EqualFold(req.Transport(), "tls") && s.tlsLn != nil {
		return s.duaTLS
	}
	return s.dua
}

// newTLSDialogUA is the DialogUA for TLS: the same client, our TLS
// Contact.
func (s *Server) newTLSDialogUA(host string) {
	if s.tlsLn == nil {
		return
	}
	s.duaTLS = &sipgo.DialogUA{Client: s.dua.Client, ContactHDR: sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "tsunagu", Host: host, Port: int(s.tlsAddr.Port()),
			UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}}}
	s.duaPhoneTLS = &sipgo.DialogUA{Client: s.dua.Client, ContactHDR: s.duaTLS.ContactHDR, RewriteContact: true}
}
