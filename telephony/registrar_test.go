package telephony

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func registerReq(t testing.TB, callID string, cseq int, headers ...string) *sip.Request {
	t.Helper()
	raw := "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-1\r\n" +
		"From: <sip:desk-101@127.0.0.1>;tag=a\r\nTo: <sip:desk-101@127.0.0.1>\r\nCall-ID: " + callID + "\r\n" +
		"CSeq: " + strconv.Itoa(cseq) + " REGISTER\r\n" + strings.Join(headers, "\r\n")
	if len(headers) > 0 {
		raw += "\r\n"
	}
	raw += "Content-Length: 0\r\n\r\n"
	m, err := sip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	req := m.(*sip.Request)
	req.SetSource("127.0.0.1:5090")
	return req
}

func TestRegistrar_Update(t *testing.T) {
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	r := newRegistrar(0, 0, c.now)
	// Two contacts in one header, one with its own interval.
	bs, code, err := r.update("a1", registerReq(t, "c1", 1, "Contact: <sip:desk@10.0.0.5:5060>, <sip:desk@10.0.0.6:5060>;expires=120", "Expires: 600"))
	if err != nil || code != 200 || len(bs) != 2 {
		t.Fatalf("update = %v %d %v", bs, code, err)
	}
	exp := map[string]time.Duration{}
	for _, b := range bs {
		exp[b.Contact.Host] = b.Expires.Sub(c.t)
	}
	if exp["10.0.0.5"] != 600*time.Second || exp["10.0.0.6"] != 120*time.Second {
		t.Fatalf("intervals %v", exp)
	}
	// Too brief: 423, nothing changes.
	if _, code, _ := r.update("a1", registerReq(t, "c1", 2, "Contact: <sip:desk@10.0.0.7>;expires=10")); code != 423 {
		t.Fatalf("brief interval: %d, want 423", code)
	}
	// An older CSeq of the same Call-ID does not undo a newer one.
	bs, _, _ = r.update("a1", registerReq(t, "c1", 1, "Contact: <sip:desk@10.0.0.5:5060>;expires=0"))
	if len(bs) != 2 {
		t.Fatalf("a replayed REGISTER removed a binding: %v", bs)
	}
	// Expiry: after two minutes the 120 s binding is gone.
	c.t = c.t.Add(121 * time.Second)
	if bs := r.bindings("a1"); len(bs) != 1 || bs[0].Contact.Host != "10.0.0.5" {
		t.Fatalf("after expiry %v", bs)
	}
	// Contact: * with Expires: 0 removes everything; with any other
	// interval it is malformed.
	if _, _, err := r.update("a1", registerReq(t, "c2", 1, "Contact: *", "Expires: 60")); err == nil {
		t.Fatal("Contact: * with Expires 60 accepted")
	}
	if bs, _, err := r.update("a1", registerReq(t, "c2", 2, "Contact: *", "Expires: 0")); err != nil || len(bs) != 0 || len(r.bindings("a1")) != 0 {
		t.Fatalf("wildcard removal: %v %v", bs, err)
	}
	// Bounded: a phone re-registering from ever-new ports keeps the newest.
	for i := range 3 * maxBindings {
		r.update("a2", registerReq(t, "c3", i+1, "Contact: <sip:desk@10.0.0.9:"+strconv.Itoa(6000+i)+">"))
	}
	if bs := r.bindings("a2"); len(bs) != maxBindings || bs[0].Contact.Port != 6000+3*maxBindings-1 {
		t.Fatalf("%d bindings, newest %v", len(bs), bs[0].Contact)
	}
	// Fetching bindings: no Contact is a query that changes nothing.
	if bs, code, err := r.update("a2", registerReq(t, "c3", 99)); err != nil || code != 200 || len(bs) != maxBindings {
		t.Fatalf("query: %d %d %v", len(bs), code, err)
	}
}

// FuzzRegister feeds arbitrary REGISTER headers through the parser and the
// registrar: nothing may panic, and whatever is bound expires within the
// maximum.
func FuzzRegister(f *testing.F) {
	f.Add("Contact: <sip:desk@10.0.0.5:5060>;expires=60\r\nExpires: 30")
	f.Add("Contact: *\r\nExpires: 0")
	f.Add("Contact: \"x\" <sip:a@b>;expires=99999999999, sip:c@d\r\nExpires: -1")
	f.Add("Contact: <tel:+8131234>\r\nExpires: abc")
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, hdrs string) {
		raw := "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-1\r\n" +
			"From: <sip:desk-101@127.0.0.1>;tag=a\r\nTo: <sip:desk-101@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n" +
			hdrs + "\r\nContent-Length: 0\r\n\r\n"
		m, err := sip.ParseMessage([]byte(raw))
		if err != nil {
			return
		}
		req, ok := m.(*sip.Request)
		if !ok || req.CallID() == nil || req.CSeq() == nil {
			return
		}
		r := newRegistrar(0, 0, c.now)
		bs, _, _ := r.update("a", req)
		for _, b := range bs {
			if b.Expires.Sub(c.t) > DefaultMaxExpires {
				t.Fatalf("binding beyond the maximum: %v", b)
			}
		}
	})
}
