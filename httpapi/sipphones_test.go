package httpapi_test

import (
	"strings"
	"testing"

	"tsunagu"
)

// TestSIPPhones: an admin sets an agent's SIP account (the answer never
// carries the password or its hashes), the agent then chooses the desk
// phone; bad input is problem+json naming the field; another tenant's admin
// cannot see or set the account.
func TestSIPPhones(t *testing.T) {
	e := newEnv(t)
	admin, agentC := e.login("a-admin"), e.login("a-agent")
	agentID := e.users["a-agent"].AgentID
	path := "/api/v1/agents/" + string(agentID) + "/sip"

	// Without an account the agent cannot choose the desk phone.
	res := agentC.do("PUT", "/api/v1/me/phone", map[string]string{"kind": "sip"})
	if p := res.problem(); res.StatusCode != 409 || p.Field != "kind" {
		t.Fatalf("choose sip without account: %d %+v", res.StatusCode, p)
	}

	res = admin.do("PUT", path, map[string]string{"username": "desk 1", "password": "correct horse battery"})
	if p := res.problem(); res.StatusCode != 400 || p.Field != "username" {
		t.Fatalf("bad username: %d %+v", res.StatusCode, p)
	}
	res = admin.do("PUT", path, map[string]string{"username": "desk-101", "password": "short"})
	if p := res.problem(); res.StatusCode != 400 || p.Field != "password" {
		t.Fatalf("short password: %d %+v", res.StatusCode, p)
	}
	creds := tsunagu.SIPCredentials{Username: "desk-101", Password: "correct horse battery"}
	res = admin.do("PUT", path, creds)
	if res.StatusCode != 200 {
		t.Fatalf("set sip: %d %s", res.StatusCode, res.body)
	}
	md5hex, _ := creds.HA1()
	if strings.Contains(string(res.body), creds.Password) || strings.Contains(string(res.body), md5hex) {
		t.Fatalf("the answer carries a secret: %s", res.body)
	}
	var ph tsunagu.SIPPhone
	res.json(&ph)
	if ph.Username != "desk-101" || ph.Kind != tsunagu.PhoneBrowser {
		t.Fatalf("phone = %+v", ph)
	}

	res = agentC.do("PUT", "/api/v1/me/phone", map[string]string{"kind": "fax"})
	if p := res.problem(); res.StatusCode != 400 || p.Field != "kind" {
		t.Fatalf("bad kind: %d %+v", res.StatusCode, p)
	}
	res = agentC.do("PUT", "/api/v1/me/phone", map[string]string{"kind": "sip"})
	if res.StatusCode != 200 {
		t.Fatalf("choose sip: %d %s", res.StatusCode, res.body)
	}
	res = agentC.do("GET", "/api/v1/me/phone", nil)
	res.json(&ph)
	if ph.Kind != tsunagu.PhoneSIP || ph.Username != "desk-101" {
		t.Fatalf("my phone = %+v", ph)
	}

	// Tenant isolation: b's admin sees no such agent.
	other := e.login("b-admin")
	if res := other.do("GET", path, nil); res.StatusCode != 404 {
		t.Fatalf("other tenant reads the account: %d %s", res.StatusCode, res.body)
	}
	if res := other.do("PUT", path, map[string]string{"username": "desk-999", "password": "correct horse battery"}); res.StatusCode != 404 {
		t.Fatalf("other tenant sets the account: %d %s", res.StatusCode, res.body)
	}
}
