package tsunagu

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// SIPRealm is the digest realm of every SIP credential (RFC 3261 §22.1).
// It is fixed rather than configured because the stored hashes include it:
// changing it would invalidate every desk phone's password at once.
const SIPRealm = "tsunagu"

// PhoneKind is where an agent's offers ring: the browser softphone (default)
// or the SIP desk phones registered with the agent's SIP credentials.
type PhoneKind string

// Phone kinds.
const (
	PhoneBrowser PhoneKind = "browser"
	PhoneSIP     PhoneKind = "sip"
)

// SIPPhone is an agent's SIP account and phone choice. The password itself
// is never kept: only the digest hashes HA1 = H(username:realm:password),
// which is what a digest server must have (RFC 7616 §3.4.2) — a slow hash
// such as argon2id cannot be used, since the server recomputes the response
// from HA1 for every REGISTER. An HA1 is password-equivalent for this realm
// only, so it is never returned by the API nor written to a log.
type SIPPhone struct {
	TenantID  TenantID  `json:"tenant_id"`
	AgentID   AgentID   `json:"agent_id"`
	Username  string    `json:"username,omitempty"` // "" until credentials are set
	Kind      PhoneKind `json:"kind"`
	HA1MD5    string    `json:"-"` // RFC 2617 MD5
	HA1SHA256 string    `json:"-"` // RFC 8760 SHA-256
}

// SIPCredentials is an admin's request to set an agent's SIP account.
type SIPCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Validate checks the username (a SIP user part without escapes) and that
// the password is long enough for a phone that faces the network.
func (c *SIPCredentials) Validate() error {
	c.Username = strings.TrimSpace(c.Username)
	if n := len(c.Username); n < 3 || n > 64 {
		return FieldError("username", "The SIP username is 3 to 64 characters.")
	}
	for _, r := range c.Username {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return FieldError("username", "The SIP username may use letters, digits, '-', '_' and '.' only.")
		}
	}
	if n := utf8.RuneCountInString(c.Password); n < 12 || n > 128 {
		return FieldError("password", "The SIP password is 12 to 128 characters.")
	}
	return nil
}

// HA1 returns the MD5 and SHA-256 digest hashes of the credentials.
func (c *SIPCredentials) HA1() (md5hex, sha256hex string) {
	a1 := c.Username + ":" + SIPRealm + ":" + c.Password
	m := md5.Sum([]byte(a1))
	s := sha256.Sum256([]byte(a1))
	return hex.EncodeToString(m[:]), hex.EncodeToString(s[:])
}

// Validate accepts the two phone kinds.
func (k PhoneKind) Validate() error {
	if k != PhoneBrowser && k != PhoneSIP {
		return FieldError("kind", "The phone is browser or sip.")
	}
	return nil
}
