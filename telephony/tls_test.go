package telephony_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
	"tsunagu/telephony"
)

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it:
// the test's phone verifies the server as a real one would.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tsunagu test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	leaf, err := x509.ParseCertificate(der)
	must(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// tlsPhone is a desk phone on sipgo that speaks only TLS: it registers
// over its TLS connection and is rung through it (it listens nowhere).
type tlsPhone struct {
	user    string
	ua      *sipgo.UserAgent
	cl      *sipgo.Client
	dua     *sipgo.DialogUA
	rtp     net.PacketConn
	invites chan *sip.Request
	dialogs chan *sipgo.DialogServerSession
	current atomic.Pointer[sipgo.DialogServerSession]
}

func newTLSPhone(t *testing.T, roots *x509.CertPool, user string) *tlsPhone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Tsunagu TLS test phone"),
		sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}))
	must(t, err)
	t.Cleanup(func() { ua.Close() })
	cl, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	must(t, err)
	srv, err := sipgo.NewServer(ua)
	must(t, err)
	rtp, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { rtp.Close() })
	p := &tlsPhone{user: user, ua: ua, cl: cl, rtp: rtp, invites: make(chan *sip.Request, 4), dialogs: make(chan *sipgo.DialogServerSession, 4)}
	// The port in our Contact is never used: the server reaches us over
	// the connection we registered on.
	p.dua = &sipgo.DialogUA{Client: cl, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: 5999,
		UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}}}
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		p.invites <- req
		d, err := p.dua.ReadInvite(req, tx)
		if err != nil {
			return
		}
		p.current.Store(d)
		port := rtp.LocalAddr().(*net.UDPAddr).Port
		sdp := fmt.Appendf(nil, "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
			"m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n", port)
		if err := d.RespondSDP(sdp); err != nil {
			return
		}
		p.dialogs <- d
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		if d := p.current.Load(); d != nil {
			_ = d.ReadAck(req, tx)
		}
	})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if d := p.current.Load(); d != nil {
			_ = d.ReadBye(req, tx)
		}
	})
	return p
}

// register sends REGISTER over TLS to addr, answering the digest
// challenge, and returns the final response.
func (p *tlsPhone) register(t *testing.T, addr netip.AddrPort, password string) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	aor := sip.Uri{Scheme: "sip", User: p.user, Host: "127.0.0.1"}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: addr.Addr().String(), Port: int(addr.Port()),
		UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}})
	req.SetTransport("TLS")
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	req.AppendHeader(p.dua.ContactHDR.Clone())
	req.AppendHeader(sip.NewHeader("Expires", "600"))
	res, err := p.cl.Do(ctx, req)
	must(t, err)
	if res.StatusCode != 401 {
		t.Fatalf("first REGISTER over TLS: %s, want 401", res.StartLine())
	}
	res, err = p.cl.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: p.user, Password: password})
	must(t, err)
	return res
}

// TestTLS_DeskPhone: with a certificate configured, a desk phone registers
// over TLS (verifying the server's certificate), the binding is a TLS one,
// the ACD's offer rings the phone through its TLS connection with our TLS
// Contact, and the phone's BYE over TLS hangs up the caller (a sipp trunk
// caller over UDP: TLS is per hop).
func TestTLS_DeskPhone(t *testing.T) {
	t.Parallel()
	cert, roots := selfSigned(t)
	c := newDeskCenterWith(t, 10*time.Second, func(cfg *telephony.Config) {
		cfg.TLSAddr = "127.0.0.1:0"
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}, "desk-701")
	agent := c.agents["desk-701"]
	tlsAddr, ok := c.srv.TLSAddr()
	if !ok || tlsAddr.Port() == 0 || tlsAddr.Port() == c.srv.Addr().Port() {
		t.Fatalf("TLS address %v (%v), UDP/TCP %v", tlsAddr, ok, c.srv.Addr())
	}

	ph := newTLSPhone(t, roots, "desk-701")
	res := ph.register(t, tlsAddr, deskPassword)
	if res.StatusCode != 200 {
		t.Fatalf("REGISTER over TLS: %s", res.StartLine())
	}
	if v := res.Via(); v == nil || !strings.EqualFold(v.Transport, "TLS") {
		t.Errorf("200 Via %v, want the TLS hop", v)
	}
	if ct := res.Contact(); ct == nil || !strings.Contains(ct.Value(), "transport=tls") {
		t.Errorf("200 Contact %v, want the binding with transport=tls", ct)
	}
	bs := c.srv.Bindings(agent)
	if len(bs) != 1 || bs[0].Transport != "tls" {
		t.Fatalf("bindings %+v, want one over tls", bs)
	}

	_, err := c.d.SetAgentState(t.Context(), tenant, agent, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	var wg sync.WaitGroup
	var callerErr error
	// The caller speaks until the operator hangs up.
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled) })

	var inv *sip.Request
	select {
	case inv = <-ph.invites:
	case <-time.After(25 * time.Second):
		t.Fatal("the TLS phone was not rung")
	}
	if !strings.EqualFold(inv.Transport(), "TLS") {
		t.Errorf("INVITE came over %s, want TLS", inv.Transport())
	}
	if v := inv.Via(); v == nil || !strings.EqualFold(v.Transport, "TLS") {
		t.Errorf("INVITE Via %v, want SIP/2.0/TLS", v)
	}
	ct := inv.Contact()
	if ct == nil || ct.Address.Port != int(tlsAddr.Port()) || !strings.Contains(ct.Value(), "transport=tls") {
		t.Errorf("INVITE Contact %v, want our TLS listener %v with transport=tls", ct, tlsAddr)
	}
	conn := c.waitEvent(t, tsunagu.EventContactConnected, "")
	var d *sipgo.DialogServerSession
	select {
	case d = <-ph.dialogs:
	case <-time.After(10 * time.Second):
		t.Fatal("no ACK for the phone's 200")
	}
	// The caller's speech reaches the phone's leg (the caller starts
	// speaking 2 s in, after its key press): then the agent hangs up on
	// the phone, BYE over TLS.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for voiced := int64(0); voiced < 20; {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the caller's speech did not reach the TLS phone's leg (%d voiced frames)", voiced)
		}
		st, ok := c.srv.Stats(conn.ContactID)
		if !ok {
			t.Fatal("the call ended before the phone hung up")
		}
		voiced = st.Bridge.ToLegVoiced
	}
	// The agent hangs up on the phone: BYE over TLS.
	bctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	must(t, d.Bye(bctx))
	cancel()
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactEnded, conn.ContactID)); p["by"] != "agent" {
		t.Errorf("ended %v, want by agent (the phone's BYE over TLS)", p)
	}
	wg.Wait()
	if callerErr != nil {
		t.Fatal(callerErr)
	}
}

// TestTLS_Config: TLS needs a certificate.
func TestTLS_Config(t *testing.T) {
	t.Parallel()
	db := newCenter(t, "127.0.0.1/32", nil).db
	if _, err := telephony.New(telephony.Config{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0", Store: db}); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("TLS without a certificate: %v", err)
	}
	if _, err := telephony.LoadTLSConfig("/nonexistent/cert.pem", "/nonexistent/key.pem"); err == nil {
		t.Fatal("LoadTLSConfig of missing files succeeded")
	}
}

// TestTLS_TrunkCall: a trunk caller over TLS (sipp -t l1, when this sipp
// is built with TLS) presses 2 by RFC 4733 and reaches the tech queue; our
// 200 names the TLS listener in its Contact, so the ACK and BYE stay on
// TLS.
func TestTLS_TrunkCall(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Skip("sipp not installed (Debian package sip-tester)")
	}
	if v, _ := exec.Command(bin, "-v").CombinedOutput(); !strings.Contains(string(v), "TLS") {
		t.Skipf("this sipp is built without TLS: %s", strings.SplitN(string(v), "\n", 2)[0])
	}
	cert, _ := selfSigned(t)
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		cfg.TLSAddr = "127.0.0.1:0"
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	tlsAddr, _ := c.srv.TLSAddr()

	dir := t.TempDir()
	must(t, os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")))
	// sipp's TLS wants a certificate of its own (cacert.pem, cakey.pem in
	// its folder), even as a client; it does not verify ours.
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "cacert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "cakey.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	sf, err := filepath.Abs(filepath.Join("testdata", "uac_dtmf2.xml"))
	must(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	msgs := filepath.Join(dir, "messages.log")
	cmd := exec.CommandContext(ctx, bin, "-sf", sf, "-s", dialled, "-t", "l1", "-i", "127.0.0.1",
		"-p", fmt.Sprint(freePort(t, "udp", false)), "-mp", fmt.Sprint(freePort(t, "udp", true)),
		"-nostdin", "-m", "1", "-timeout", "20s", "-timeout_error", "-trace_msg", "-message_file", msgs,
		tlsAddr.String())
	cmd.Dir = dir
	var out []byte
	var wg sync.WaitGroup
	wg.Go(func() { out, err = cmd.CombinedOutput() })
	got := c.until(t, tsunagu.EventContactAbandoned)
	wg.Wait()
	trace, _ := os.ReadFile(msgs)
	if err != nil {
		t.Fatalf("sipp over TLS: %v\n%s\n%s", err, tail(string(out), 2000), tail(string(trace), 3000))
	}
	if p := payload(t, got[1]); got[1].Type != tsunagu.EventContactIVRDone || p["choice"] != "2" || p["queue_id"] != "tech" {
		t.Errorf("ivr_done %v, want choice 2 and queue tech", p)
	}
	if !strings.Contains(strings.ToLower(string(trace)), fmt.Sprintf(":%d;transport=tls", tlsAddr.Port())) {
		t.Errorf("our 200's Contact does not name the TLS listener:\n%s", tail(string(trace), 3000))
	}
}
