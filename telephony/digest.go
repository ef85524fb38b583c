package telephony

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"tsunagu"
)

// Digest authentication of agents' phones (RFC 3261 §22, RFC 2617 with MD5,
// RFC 8760 with SHA-256). Parsing the Authorization header and computing
// the expected response are github.com/icholy/digest's (sipgo's own client
// uses it); this file only chooses the nonces and compares.

// DefaultNonceTTL is how long a nonce is accepted; after that the phone is
// challenged again with stale=true and re-sends without asking its user.
const DefaultNonceTTL = 5 * time.Minute

// nonceRaw is 8 bytes of issue time (Unix ns), 8 random bytes and a 16-byte
// HMAC-SHA256 of both under the server's secret.
const nonceRaw = 32

// digester issues and checks nonces. Nonces are stateless (RFC 7616 §5.4
// suggests time-stamped, keyed nonces): the server holds no table a flood
// of REGISTERs could grow, and a nonce forged or from an earlier run (the
// secret is new on every start) is simply not ours.
type digester struct {
	secret [32]byte
	ttl    time.Duration
	now    func() time.Time
	// dummy is the HA1 checked for an unknown user, so that an unknown
	// username costs the same work and gets the same answer as a wrong
	// password.
	dummy string
}

func newDigester(ttl time.Duration, now func() time.Time) *digester {
	d := &digester{ttl: ttl, now: now}
	_, _ = rand.Read(d.secret[:])
	c := tsunagu.SIPCredentials{Username: "-", Password: base64.RawStdEncoding.EncodeToString(d.secret[:8])}
	d.dummy, _ = c.HA1()
	return d
}

func (d *digester) mac(b []byte) []byte {
	m := hmac.New(sha256.New, d.secret[:])
	m.Write(b)
	return m.Sum(nil)[:16]
}

func (d *digester) nonce() string {
	var b [nonceRaw]byte
	binary.BigEndian.PutUint64(b[:8], uint64(d.now().UnixNano()))
	_, _ = rand.Read(b[8:16])
	copy(b[16:], d.mac(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkNonce reports whether n is one of ours, and whether it has expired.
func (d *digester) checkNonce(n string) (ours, stale bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != nonceRaw || !hmac.Equal(b[16:], d.mac(b[:16])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := d.now().Sub(issued)
	return true, age < 0 || age > d.ttl
}

// challenges are the WWW-Authenticate headers of a 401: MD5 first, because
// many phones read only the first challenge and MD5 is what they all speak;
// SHA-256 (RFC 8760 §2.4) for those that prefer it.
func (d *digester) challenges(stale bool) []sip.Header {
	n := d.nonce()
	out := make([]sip.Header, 0, 2)
	for _, alg := range []string{"MD5", "SHA-256"} {
		c := digest.Challenge{Realm: tsunagu.SIPRealm, Nonce: n, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		out = append(out, sip.NewHeader("WWW-Authenticate", c.String()))
	}
	return out
}

// verdict is the outcome of checking a request's credentials.
type verdict int

const (
	authChallenge verdict = iota // no usable credentials: 401 with a fresh nonce
	authStale                    // right password, expired nonce: 401 stale=true
	authFailed                   // wrong password or unknown user: 403
	authOK
)

// credentials parses the Authorization header for our realm; nil when
// absent or not digest.
func credentials(req *sip.Request) *digest.Credentials {
	for _, h := range req.GetHeaders("Authorization") {
		c, err := digest.ParseCredentials(h.Value())
		if err == nil && c.Realm == tsunagu.SIPRealm {
			return c
		}
	}
	return nil
}

// verify checks cred for method against the phone's hashes (ph nil: an
// unknown user, checked against a dummy so the answer is the same).
func (d *digester) verify(method string, cred *digest.Credentials, ph *tsunagu.SIPPhone) verdict {
	if cred == nil || cred.Username == "" || cred.Nonce == "" || cred.Response == "" {
		return authChallenge
	}
	ours, stale := d.checkNonce(cred.Nonce)
	if !ours {
		return authChallenge
	}
	ha1 := d.dummy
	switch strings.ToUpper(cred.Algorithm) {
	case "", "MD5":
		if ph != nil {
			ha1 = ph.HA1MD5
		}
	case "SHA-256":
		if ph != nil {
			ha1 = ph.HA1SHA256
		}
	default:
		return authChallenge
	}
	if cred.QOP != "" && cred.QOP != "auth" {
		return authChallenge // auth-int would need the body hashed; we offer only auth
	}
	chal := &digest.Challenge{Realm: tsunagu.SIPRealm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{Method: method, URI: cred.URI, Username: cred.Username,
		A1: ha1, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil || ha1 == "" {
		return authFailed
	}
	ok := subtle.ConstantTimeCompare([]byte(strings.ToLower(want.Response)), []byte(strings.ToLower(cred.Response))) == 1
	switch {
	case !ok || ph == nil:
		return authFailed
	case stale:
		return authStale
	}
	return authOK
}
