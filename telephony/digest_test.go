package telephony

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"tsunagu"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var testCreds = tsunagu.SIPCredentials{Username: "desk-101", Password: "correct horse battery"}

func testPhone() *tsunagu.SIPPhone {
	m, s := testCreds.HA1()
	return &tsunagu.SIPPhone{TenantID: "t1", AgentID: "a1", Username: testCreds.Username, Kind: tsunagu.PhoneSIP, HA1MD5: m, HA1SHA256: s}
}

// answer computes what a phone sends for the challenge header h.
func answer(t *testing.T, h sip.Header, user, pass string) *digest.Credentials {
	t.Helper()
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:127.0.0.1", Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through the header text, as the server receives it.
	back, err := digest.ParseCredentials(cred.String())
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestDigest_Verify(t *testing.T) {
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	d := newDigester(time.Minute, c.now)
	chals := d.challenges(false)
	if len(chals) != 2 || !strings.Contains(chals[0].Value(), `algorithm=MD5`) || !strings.Contains(chals[1].Value(), "SHA-256") {
		t.Fatalf("challenges = %v", chals)
	}
	for i, alg := range []string{"MD5", "SHA-256"} {
		if v := d.verify("REGISTER", answer(t, chals[i], testCreds.Username, testCreds.Password), testPhone()); v != authOK {
			t.Errorf("%s: right password = %v, want OK", alg, v)
		}
		if v := d.verify("REGISTER", answer(t, chals[i], testCreds.Username, "wrong password!!"), testPhone()); v != authFailed {
			t.Errorf("%s: wrong password = %v, want failed", alg, v)
		}
	}
	// An unknown user gets the same verdict as a wrong password.
	if v := d.verify("REGISTER", answer(t, chals[0], "nobody", "whatever"), nil); v != authFailed {
		t.Errorf("unknown user = %v, want failed", v)
	}
	if v := d.verify("REGISTER", nil, testPhone()); v != authChallenge {
		t.Errorf("no credentials = %v, want challenge", v)
	}
	// A response for another method does not pass as REGISTER.
	if v := d.verify("INVITE", answer(t, chals[0], testCreds.Username, testCreds.Password), testPhone()); v != authFailed {
		t.Errorf("other method = %v, want failed", v)
	}
	// A nonce we did not issue (another server, a forgery) is re-challenged.
	other := newDigester(time.Minute, c.now)
	if v := d.verify("REGISTER", answer(t, other.challenges(false)[0], testCreds.Username, testCreds.Password), testPhone()); v != authChallenge {
		t.Errorf("foreign nonce = %v, want challenge", v)
	}
	// After the nonce's lifetime the right password is told stale.
	cred := answer(t, chals[0], testCreds.Username, testCreds.Password)
	c.t = c.t.Add(61 * time.Second)
	if v := d.verify("REGISTER", cred, testPhone()); v != authStale {
		t.Errorf("expired nonce = %v, want stale", v)
	}
	if s := d.challenges(true)[0].Value(); !strings.Contains(s, "stale=true") {
		t.Errorf("stale challenge = %s", s)
	}
}

func FuzzCredentials(f *testing.F) {
	d := newDigester(time.Minute, time.Now)
	f.Add(`Digest username="a", realm="tsunagu", nonce="x", uri="sip:a", response="00"`)
	f.Add(`Digest username="desk-101",realm="tsunagu",nonce="` + d.nonce() + `",uri="sip:x",response="abc",algorithm=SHA-256,qop=auth,nc=00000001,cnonce="q"`)
	f.Add(`Digest ,,,=,"`)
	f.Fuzz(func(t *testing.T, s string) {
		req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
		req.AppendHeader(sip.NewHeader("Authorization", s))
		cred := credentials(req)
		if v := d.verify("REGISTER", cred, testPhone()); v == authOK {
			t.Fatalf("accepted %q", s)
		}
		d.checkNonce(s)
	})
}
