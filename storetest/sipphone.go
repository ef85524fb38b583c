package storetest

import (
	"strings"
	"testing"

	"tsunagu"
)

// testSIPPhone: credentials are stored as hashes only, usernames are unique
// across tenants, and the phone choice is kept and announced.
func testSIPPhone(t *testing.T, s tsunagu.Store) {
	a, _ := newTenant(t, s, "sp1")
	b, _ := newTenant(t, s, "sp2")
	p, err := s.FindSIPPhone(ctx, a.TenantID, a.AgentID)
	must(t, err)
	if p.Kind != tsunagu.PhoneBrowser || p.Username != "" {
		t.Fatalf("new agent's phone = %+v, want browser without account", p)
	}
	_, err = s.FindSIPPhone(ctx, a.TenantID, "nobody")
	mustCode(t, err, tsunagu.ENOTFOUND)

	creds := tsunagu.SIPCredentials{Username: "desk-101", Password: "correct horse battery"}
	p, err = s.SetSIPCredentials(ctx, a.TenantID, a.AgentID, creds)
	must(t, err)
	wantMD5, wantSHA := creds.HA1()
	if p.Username != "desk-101" || p.HA1MD5 != wantMD5 || p.HA1SHA256 != wantSHA {
		t.Fatalf("stored phone = %+v", p)
	}
	if strings.Contains(p.HA1MD5+p.HA1SHA256, creds.Password) {
		t.Fatal("the password is stored")
	}
	// The same username for an agent of another tenant is a conflict.
	_, err = s.SetSIPCredentials(ctx, b.TenantID, b.AgentID, creds)
	mustCode(t, err, tsunagu.ECONFLICT)
	_, err = s.SetSIPCredentials(ctx, a.TenantID, "nobody", tsunagu.SIPCredentials{Username: "x-1", Password: "long enough password"})
	mustCode(t, err, tsunagu.ENOTFOUND)
	_, err = s.SetSIPCredentials(ctx, a.TenantID, a.AgentID, tsunagu.SIPCredentials{Username: "desk 101", Password: "long enough password"})
	mustCode(t, err, tsunagu.EINVALID)

	u, err := s.FindSIPUser(ctx, "desk-101")
	must(t, err)
	if u.TenantID != a.TenantID || u.AgentID != a.AgentID || u.HA1MD5 != wantMD5 {
		t.Fatalf("FindSIPUser = %+v", u)
	}
	_, err = s.FindSIPUser(ctx, "desk-999")
	mustCode(t, err, tsunagu.ENOTFOUND)

	p, err = s.SetPhoneKind(ctx, a.TenantID, a.AgentID, tsunagu.PhoneSIP)
	must(t, err)
	if p.Kind != tsunagu.PhoneSIP || p.Username != "desk-101" {
		t.Fatalf("after choosing sip: %+v", p)
	}
	_, err = s.SetPhoneKind(ctx, a.TenantID, a.AgentID, "fax")
	mustCode(t, err, tsunagu.EINVALID)
	// Choosing a phone before having an account works too.
	p, err = s.SetPhoneKind(ctx, b.TenantID, b.AgentID, tsunagu.PhoneSIP)
	must(t, err)
	if p.Kind != tsunagu.PhoneSIP || p.Username != "" {
		t.Fatalf("kind without account: %+v", p)
	}

	evs, err := s.ListEvents(ctx, a.TenantID, 0, 100)
	must(t, err)
	var saw []tsunagu.EventType
	for _, e := range evs {
		if e.AgentID == a.AgentID && (e.Type == tsunagu.EventAgentSIPSet || e.Type == tsunagu.EventAgentPhoneChosen) {
			saw = append(saw, e.Type)
			if strings.Contains(string(e.Payload), creds.Password) || strings.Contains(string(e.Payload), wantMD5) {
				t.Fatalf("event %s carries a secret: %s", e.Type, e.Payload)
			}
		}
	}
	if len(saw) != 2 {
		t.Fatalf("events = %v, want sip_credentials_set and phone_chosen", saw)
	}
}
