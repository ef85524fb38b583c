// Package storetest is the one conformance suite every store runs: sqlite
// today, postgres when the center is scaled out. It speaks only the
// interfaces of package tsunagu, so a store passes it or is wrong.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tsunagu"
)

// Opener returns a fresh, empty, migrated store for one test.
type Opener func(t *testing.T) tsunagu.Store

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open Opener) {
	t.Run("Tenant", func(t *testing.T) { testTenant(t, open(t)) })
	t.Run("User", func(t *testing.T) { testUser(t, open(t)) })
	t.Run("Auth", func(t *testing.T) { testAuth(t, open(t)) })
	t.Run("Agent", func(t *testing.T) { testAgent(t, open(t)) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, open(t)) })
	t.Run("Customer", func(t *testing.T) { testCustomer(t, open(t)) })
	t.Run("Contact", func(t *testing.T) { testContact(t, open(t)) })
	t.Run("Trunk", func(t *testing.T) { testTrunk(t, open(t)) })
	t.Run("Admin", func(t *testing.T) { testAdmin(t, open(t)) })
	t.Run("Prompt", func(t *testing.T) { testPrompt(t, open(t)) })
	t.Run("Announcements", func(t *testing.T) { testAnnouncements(t, open(t)) })
	t.Run("Article", func(t *testing.T) { testArticle(t, open(t)) })
	t.Run("Knowledge", func(t *testing.T) { testKnowledge(t, open(t)) })
	t.Run("Escalation", func(t *testing.T) { testEscalation(t, open(t)) })
	t.Run("Desk", func(t *testing.T) { testDesk(t, open(t)) })
	t.Run("QueueDispositions", func(t *testing.T) { testQueueDispositions(t, open(t)) })
	t.Run("WrapPart", func(t *testing.T) { testWrapPart(t, open(t)) })
	t.Run("SIPPhone", func(t *testing.T) { testSIPPhone(t, open(t)) })
	t.Run("Targets", func(t *testing.T) { testTargets(t, open(t)) })
	t.Run("TenantIsolation", func(t *testing.T) { testIsolation(t, open(t)) })
	t.Run("EventLog", func(t *testing.T) { testEventLog(t, open(t)) })
}

var ctx = context.Background()

// mustCode fails unless err carries code.
func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := tsunagu.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newTenant creates a tenant with a user of each role.
func newTenant(t *testing.T, s tsunagu.Store, id string) (agent, sv *tsunagu.User) {
	t.Helper()
	must(t, s.CreateTenant(ctx, &tsunagu.Tenant{ID: tsunagu.TenantID(id), Name: "Center " + id}))
	agent = &tsunagu.User{TenantID: tsunagu.TenantID(id), Username: id + "-op", DisplayName: "佐藤 花子", Kana: "さとう はなこ", Role: tsunagu.RoleAgent}
	must(t, s.CreateUser(ctx, agent, "hash-a"))
	sv = &tsunagu.User{TenantID: tsunagu.TenantID(id), Username: id + "-sv", DisplayName: "鈴木 一郎", Role: tsunagu.RoleSupervisor}
	must(t, s.CreateUser(ctx, sv, "hash-s"))
	return agent, sv
}

func testTenant(t *testing.T, s tsunagu.Store) {
	must(t, s.CreateTenant(ctx, &tsunagu.Tenant{ID: "t1", Name: "デモコールセンター"}))
	got, err := s.FindTenant(ctx, "t1")
	must(t, err)
	if got.Name != "デモコールセンター" || got.TimeZone != "Asia/Tokyo" {
		t.Fatalf("tenant = %+v", got)
	}
	mustCode(t, s.CreateTenant(ctx, &tsunagu.Tenant{ID: "t1", Name: "again"}), tsunagu.ECONFLICT)
	_, err = s.FindTenant(ctx, "nope")
	mustCode(t, err, tsunagu.ENOTFOUND)
	mustCode(t, s.CreateTenant(ctx, &tsunagu.Tenant{ID: "t2", Name: "x", TimeZone: "Mars/Base"}), tsunagu.EINVALID)
}

func testUser(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "t1")
	if agent.ID == "" || agent.AgentID == "" {
		t.Fatalf("agent user not given IDs: %+v", agent)
	}
	if sv.AgentID != "" {
		t.Fatalf("supervisor got an agent: %+v", sv)
	}
	t.Run("ErrConflict", func(t *testing.T) {
		dup := &tsunagu.User{TenantID: "t1", Username: agent.Username, DisplayName: "x", Role: tsunagu.RoleAgent}
		mustCode(t, s.CreateUser(ctx, dup, "h"), tsunagu.ECONFLICT)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		bad := &tsunagu.User{TenantID: "t1", Username: "Bad Name", DisplayName: "x", Role: tsunagu.RoleAgent}
		mustCode(t, s.CreateUser(ctx, bad, "h"), tsunagu.EINVALID)
		bad = &tsunagu.User{TenantID: "t1", Username: "ok", DisplayName: "x", Role: "king"}
		mustCode(t, s.CreateUser(ctx, bad, "h"), tsunagu.EINVALID)
	})
	t.Run("FindLogin", func(t *testing.T) {
		l, err := s.FindLogin(ctx, agent.Username)
		must(t, err)
		if l.PasswordHash != "hash-a" || l.User.ID != agent.ID || l.User.Kana != "さとう はなこ" {
			t.Fatalf("login = %+v", l)
		}
		_, err = s.FindLogin(ctx, "ghost")
		mustCode(t, err, tsunagu.ENOTFOUND)
	})
	t.Run("Lockout", func(t *testing.T) {
		now := time.Now()
		for i := 1; i <= 2; i++ {
			n, err := s.RecordLoginFailure(ctx, agent.ID, now, 3, now.Add(time.Minute))
			must(t, err)
			if n != i {
				t.Fatalf("failures = %d, want %d", n, i)
			}
		}
		_, err := s.RecordLoginFailure(ctx, agent.ID, now, 3, now.Add(time.Minute))
		must(t, err)
		l, _ := s.FindLogin(ctx, agent.Username)
		if !l.LockedUntil.After(now) {
			t.Fatalf("not locked after 3 failures: %+v", l)
		}
		must(t, s.RecordLogin(ctx, agent.ID, now))
		l, _ = s.FindLogin(ctx, agent.Username)
		if !l.LockedUntil.IsZero() || l.Failures != 0 {
			t.Fatalf("login did not reset: %+v", l)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		for i := range 5 {
			must(t, s.CreateUser(ctx, &tsunagu.User{TenantID: "t1", Username: fmt.Sprintf("p%02d", i), DisplayName: "x", Role: tsunagu.RoleAgent}, "h"))
		}
		seen := map[tsunagu.UserID]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			us, next, err := s.ListUsers(ctx, "t1", tsunagu.Page{Limit: 3, Cursor: cursor})
			must(t, err)
			for _, u := range us {
				if seen[u.ID] {
					t.Fatalf("user %s listed twice", u.ID)
				}
				seen[u.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 {
			t.Fatalf("listed %d users, want 7", len(seen))
		}
	})
	t.Run("SetPassword", func(t *testing.T) {
		must(t, s.CreateSession(ctx, &tsunagu.Session{TokenHash: "sess1", CSRFToken: "c", TenantID: "t1", UserID: agent.ID,
			CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))
		must(t, s.SetPassword(ctx, "t1", agent.ID, "hash-new"))
		l, _ := s.FindLogin(ctx, agent.Username)
		if l.PasswordHash != "hash-new" {
			t.Fatal("password not changed")
		}
		_, err := s.FindSession(ctx, "sess1", time.Now())
		mustCode(t, err, tsunagu.ENOTFOUND) // a new password ends old sessions
		mustCode(t, s.SetPassword(ctx, "t1", "usr_nope", "h"), tsunagu.ENOTFOUND)
	})
}

func testAuth(t *testing.T, s tsunagu.Store) {
	agent, _ := newTenant(t, s, "t1")
	now := time.Now()
	sess := &tsunagu.Session{TokenHash: "h1", CSRFToken: "csrf", TenantID: "t1", UserID: agent.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.CreateSession(ctx, sess))
	got, err := s.FindSession(ctx, "h1", now)
	must(t, err)
	if got.UserID != agent.ID || got.CSRFToken != "csrf" {
		t.Fatalf("session = %+v", got)
	}
	_, err = s.FindSession(ctx, "h1", now.Add(2*time.Hour))
	mustCode(t, err, tsunagu.ENOTFOUND) // expired
	must(t, s.DeleteSession(ctx, "h1"))
	_, err = s.FindSession(ctx, "h1", now)
	mustCode(t, err, tsunagu.ENOTFOUND)
	mustCode(t, s.DeleteSession(ctx, "h1"), tsunagu.ENOTFOUND)

	tok := &tsunagu.Token{TenantID: "t1", UserID: agent.ID, Name: "crm", Role: tsunagu.RoleSupervisor, Hash: "th"}
	must(t, s.CreateToken(ctx, tok))
	ft, err := s.FindToken(ctx, "th")
	must(t, err)
	if ft.ID != tok.ID || ft.Role != tsunagu.RoleSupervisor {
		t.Fatalf("token = %+v", ft)
	}
	list, err := s.ListTokens(ctx, "t1")
	must(t, err)
	if len(list) != 1 || list[0].Hash != "th" {
		t.Fatalf("tokens = %+v", list)
	}
	must(t, s.RevokeToken(ctx, "t1", tok.ID))
	_, err = s.FindToken(ctx, "th")
	mustCode(t, err, tsunagu.ENOTFOUND)
	mustCode(t, s.RevokeToken(ctx, "t1", tok.ID), tsunagu.ENOTFOUND)
	mustCode(t, s.CreateToken(ctx, &tsunagu.Token{TenantID: "t1", Name: "", Role: tsunagu.RoleAgent, Hash: "x"}), tsunagu.EINVALID)
}

func testAgent(t *testing.T, s tsunagu.Store) {
	agent, _ := newTenant(t, s, "t1")
	must(t, s.CreateSkill(ctx, &tsunagu.Skill{TenantID: "t1", ID: "billing", Name: "料金"}))
	must(t, s.SetAgentSkills(ctx, "t1", agent.AgentID, []tsunagu.SkillLevel{{SkillID: "billing", Level: 7}}))
	mustCode(t, s.SetAgentSkills(ctx, "t1", agent.AgentID, []tsunagu.SkillLevel{{SkillID: "nope", Level: 7}}), tsunagu.EINVALID)
	a, err := s.FindAgent(ctx, "t1", agent.AgentID)
	must(t, err)
	if a.State != tsunagu.AgentOffline || len(a.Skills) != 1 || a.Skills[0].Level != 7 {
		t.Fatalf("agent = %+v (a failed skill change must not half-write)", a)
	}
	at := time.Now().Truncate(time.Millisecond)
	a, err = s.SetAgentState(ctx, "t1", agent.AgentID, tsunagu.AgentNotReady, "lunch", at)
	must(t, err)
	if a.State != tsunagu.AgentNotReady || a.StateReason != "lunch" || !a.StateSince.Equal(at) {
		t.Fatalf("agent = %+v", a)
	}
	_, err = s.SetAgentState(ctx, "t1", "agt_nope", tsunagu.AgentAvailable, "", at)
	mustCode(t, err, tsunagu.ENOTFOUND)
	all, err := s.ListAgents(ctx, "t1")
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("agents = %d, want 1", len(all))
	}
}

func testQueue(t *testing.T, s tsunagu.Store) {
	newTenant(t, s, "t1")
	q := &tsunagu.Queue{TenantID: "t1", ID: "general", Name: "一般のお問い合わせ", SLPercent: 80, SLSeconds: 20, ACWSeconds: 30,
		Verification: []string{"氏名", "生年月日"}, VerificationRequired: true, DTMF: "1"}
	must(t, s.CreateQueue(ctx, q))
	mustCode(t, s.CreateQueue(ctx, q), tsunagu.ECONFLICT)
	mustCode(t, s.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t1", Name: "", SLPercent: 80}), tsunagu.EINVALID)
	qs, err := s.ListQueues(ctx, "t1")
	must(t, err)
	if len(qs) != 1 || qs[0].Verification[1] != "生年月日" || !qs[0].VerificationRequired {
		t.Fatalf("queues = %+v", qs)
	}
	must(t, s.CreateReason(ctx, &tsunagu.ContactReason{TenantID: "t1", Name: "料金", NameEn: "Billing"}))
	must(t, s.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t1", ID: "sale", Name: "成約", Conversion: true}))
	must(t, s.CreateTeam(ctx, &tsunagu.Team{TenantID: "t1", Name: "A班"}))
	ds, err := s.ListDispositions(ctx, "t1")
	must(t, err)
	rs, err := s.ListReasons(ctx, "t1")
	must(t, err)
	ts, err := s.ListTeams(ctx, "t1")
	must(t, err)
	if len(ds) != 1 || !ds[0].Conversion || len(rs) != 1 || len(ts) != 1 {
		t.Fatalf("reference data: %v %v %v", ds, rs, ts)
	}

	// Stats: two answered (one within SL), one abandoned, one waiting.
	day := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	mk := func(wait time.Duration, state tsunagu.ContactState, answered bool) {
		qt := day
		c := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, QueueID: "general", State: state, ArrivedAt: day, QueuedAt: &qt}
		if answered {
			ct := day.Add(wait)
			c.ConnectedAt = &ct
		}
		must(t, s.CreateContact(ctx, c))
	}
	mk(10*time.Second, tsunagu.ContactWrapped, true)
	mk(40*time.Second, tsunagu.ContactWrapped, true)
	mk(0, tsunagu.ContactAbandoned, false)
	mk(0, tsunagu.ContactQueued, false)
	stats, err := s.QueueStats(ctx, "t1", day.Add(-time.Minute), day.Add(90*time.Second))
	must(t, err)
	st := stats[0]
	if st.Waiting != 1 || st.OfferedToday != 4 || st.AnsweredToday != 2 || st.AbandonedToday != 1 || st.AnsweredWithinSL != 1 || st.LongestWaitSec != 90 {
		t.Fatalf("stats = %+v", st)
	}
	if st.ServiceLevel == nil || *st.ServiceLevel != 0.25 {
		t.Fatalf("service level = %v, want 0.25", st.ServiceLevel)
	}
	if st.AgentsByState[tsunagu.AgentOffline] != 1 {
		t.Fatalf("agents by state = %v", st.AgentsByState)
	}
}

func testCustomer(t *testing.T, s tsunagu.Store) {
	newTenant(t, s, "t1")
	c := &tsunagu.Customer{TenantID: "t1", Name: "山田 太郎", Kana: "やまだ たろう",
		Phones: []tsunagu.Phone{{Number: "090-1234-5678", Label: "携帯"}, {Number: "０３－１２３４－５６７８", Label: "自宅"}}}
	must(t, s.CreateCustomer(ctx, c))
	if c.Phones[0].Number != "+819012345678" || c.Phones[1].Number != "+81312345678" {
		t.Fatalf("phones not normalised: %+v", c.Phones)
	}
	found, err := s.FindCustomersByPhone(ctx, "t1", "+81312345678")
	must(t, err)
	if len(found) != 1 || found[0].ID != c.ID || len(found[0].Phones) != 2 || found[0].Phones[0].Label != "携帯" {
		t.Fatalf("by phone = %+v", found)
	}
	t.Run("SharedNumber", func(t *testing.T) {
		c2 := &tsunagu.Customer{TenantID: "t1", Name: "山田 花子", Phones: []tsunagu.Phone{{Number: "03-1234-5678"}}}
		must(t, s.CreateCustomer(ctx, c2))
		found, err := s.FindCustomersByPhone(ctx, "t1", "+81312345678")
		must(t, err)
		if len(found) != 2 {
			t.Fatalf("shared landline: %d customers, want 2", len(found))
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		bad := &tsunagu.Customer{TenantID: "t1", Name: "x", Phones: []tsunagu.Phone{{Number: "12345"}}}
		err := s.CreateCustomer(ctx, bad)
		mustCode(t, err, tsunagu.EINVALID)
		if f := tsunagu.ErrorField(err); f != "phones[0].number" {
			t.Fatalf("field = %q", f)
		}
		_, next, _ := s.ListCustomers(ctx, "t1", tsunagu.Page{Limit: 10})
		all, _, _ := s.ListCustomers(ctx, "t1", tsunagu.Page{})
		if len(all) != 2 || next != "" {
			t.Fatalf("a bad customer was written: %d customers", len(all))
		}
	})
	t.Run("Update", func(t *testing.T) {
		c.Phones = []tsunagu.Phone{{Number: "+81 80 1111 2222"}}
		c.Notes = "折り返し希望は午後"
		must(t, s.UpdateCustomer(ctx, c))
		got, err := s.FindCustomer(ctx, "t1", c.ID)
		must(t, err)
		if len(got.Phones) != 1 || got.Phones[0].Number != "+818011112222" || got.Notes != c.Notes {
			t.Fatalf("updated = %+v", got)
		}
		found, _ := s.FindCustomersByPhone(ctx, "t1", "+819012345678")
		if len(found) != 0 {
			t.Fatal("old number still finds the customer")
		}
		c.Phones = []tsunagu.Phone{{Number: "bad"}}
		mustCode(t, s.UpdateCustomer(ctx, c), tsunagu.EINVALID)
		got, _ = s.FindCustomer(ctx, "t1", c.ID)
		if len(got.Phones) != 1 {
			t.Fatal("a failed update half-wrote")
		}
	})
	t.Run("Delete", func(t *testing.T) {
		must(t, s.DeleteCustomer(ctx, "t1", c.ID))
		_, err := s.FindCustomer(ctx, "t1", c.ID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		mustCode(t, s.DeleteCustomer(ctx, "t1", c.ID), tsunagu.ENOTFOUND)
		found, _ := s.FindCustomersByPhone(ctx, "t1", "+818011112222")
		if len(found) != 0 {
			t.Fatal("deleted customer's phone still found")
		}
	})
	must(t, s.RecordReveal(ctx, "t1", "cus_x", time.Now()))
}

func testContact(t *testing.T, s tsunagu.Store) {
	agent, _ := newTenant(t, s, "t1")
	cust := &tsunagu.Customer{TenantID: "t1", Name: "田中 一", Phones: []tsunagu.Phone{{Number: "09011112222"}}}
	must(t, s.CreateCustomer(ctx, cust))
	now := time.Now().Truncate(time.Millisecond)
	c := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, Number: "090-1111-2222", CustomerID: cust.ID, ArrivedAt: now, SIPCallID: "abc@host"}
	must(t, s.CreateContact(ctx, c))
	if c.State != tsunagu.ContactArrived || c.Number != "+819011112222" {
		t.Fatalf("contact = %+v", c)
	}
	mustCode(t, s.CreateContact(ctx, &tsunagu.Contact{TenantID: "t1", Direction: "sideways", ArrivedAt: now}), tsunagu.EINVALID)
	got, err := s.UpdateContact(ctx, "t1", c.ID, tsunagu.EventContactConnected, map[string]any{"agent_id": agent.AgentID}, func(c *tsunagu.Contact) error {
		c.State, c.AgentID = tsunagu.ContactConnected, agent.AgentID
		c.ConnectedAt = &now
		return nil
	})
	must(t, err)
	if got.State != tsunagu.ContactConnected || got.AgentID != agent.AgentID {
		t.Fatalf("updated = %+v", got)
	}
	// A failing update changes nothing and appends nothing.
	_, err = s.UpdateContact(ctx, "t1", c.ID, tsunagu.EventContactEnded, nil, func(c *tsunagu.Contact) error {
		c.State = tsunagu.ContactEnded
		return tsunagu.Errorf(tsunagu.ECONFLICT, "no")
	})
	mustCode(t, err, tsunagu.ECONFLICT)
	evs, err := s.ContactEvents(ctx, "t1", c.ID)
	must(t, err)
	if len(evs) != 2 || evs[0].Type != tsunagu.EventContactArrived || evs[1].Type != tsunagu.EventContactConnected || evs[1].AgentID != agent.AgentID {
		t.Fatalf("events = %+v", evs)
	}
	f, err := s.FindContact(ctx, "t1", c.ID)
	must(t, err)
	if f.State != tsunagu.ContactConnected || f.SIPCallID != "abc@host" {
		t.Fatalf("found = %+v", f)
	}
	list, _, err := s.ListContacts(ctx, "t1", tsunagu.ContactFilter{CustomerID: cust.ID})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("by customer = %d", len(list))
	}
	_, err = s.UpdateContact(ctx, "t1", "con_nope", tsunagu.EventContactEnded, nil, func(*tsunagu.Contact) error { return nil })
	mustCode(t, err, tsunagu.ENOTFOUND)
}

// testIsolation checks that no read or write of one tenant reaches another's rows.
func testIsolation(t *testing.T, s tsunagu.Store) {
	agentA, _ := newTenant(t, s, "a")
	newTenant(t, s, "b")
	cust := &tsunagu.Customer{TenantID: "a", Name: "秘密 太郎", Phones: []tsunagu.Phone{{Number: "09099998888"}}}
	must(t, s.CreateCustomer(ctx, cust))
	con := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, ArrivedAt: time.Now(), CustomerID: cust.ID}
	must(t, s.CreateContact(ctx, con))
	must(t, s.CreateQueue(ctx, &tsunagu.Queue{TenantID: "a", ID: "qa", Name: "A", SLPercent: 80, SLSeconds: 20}))

	_, err := s.FindCustomer(ctx, "b", cust.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	if cs, _ := s.FindCustomersByPhone(ctx, "b", "+819099998888"); len(cs) != 0 {
		t.Fatal("tenant b found tenant a's customer by phone")
	}
	if cs, _, _ := s.ListCustomers(ctx, "b", tsunagu.Page{}); len(cs) != 0 {
		t.Fatal("tenant b lists tenant a's customers")
	}
	_, err = s.FindContact(ctx, "b", con.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	if cs, _, _ := s.ListContacts(ctx, "b", tsunagu.ContactFilter{}); len(cs) != 0 {
		t.Fatal("tenant b lists tenant a's contacts")
	}
	if evs, _ := s.ContactEvents(ctx, "b", con.ID); len(evs) != 0 {
		t.Fatal("tenant b reads tenant a's contact events")
	}
	_, err = s.FindUser(ctx, "b", agentA.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	_, err = s.FindAgent(ctx, "b", agentA.AgentID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	_, err = s.SetAgentState(ctx, "b", agentA.AgentID, tsunagu.AgentAvailable, "", time.Now())
	mustCode(t, err, tsunagu.ENOTFOUND)
	mustCode(t, s.SetPassword(ctx, "b", agentA.ID, "x"), tsunagu.ENOTFOUND)
	mustCode(t, s.DeleteCustomer(ctx, "b", cust.ID), tsunagu.ENOTFOUND)
	cust.TenantID = "b"
	mustCode(t, s.UpdateCustomer(ctx, cust), tsunagu.ENOTFOUND)
	_, err = s.UpdateContact(ctx, "b", con.ID, tsunagu.EventContactEnded, nil, func(*tsunagu.Contact) error { return nil })
	mustCode(t, err, tsunagu.ENOTFOUND)
	if qs, _ := s.ListQueues(ctx, "b"); len(qs) != 0 {
		t.Fatal("tenant b lists tenant a's queues")
	}
	evs, err := s.ListEvents(ctx, "b", 0, 1000)
	must(t, err)
	for _, e := range evs {
		if e.TenantID != "b" {
			t.Fatalf("tenant b's log holds %+v", e)
		}
	}
}

func testEventLog(t *testing.T, s tsunagu.Store) {
	newTenant(t, s, "t1")
	first, err := s.LastSeq(ctx)
	must(t, err)
	// Concurrent writers: sequence numbers stay unique and increasing.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				c := &tsunagu.Customer{TenantID: "t1", Name: fmt.Sprintf("客 %d-%d", w, i)}
				if err := s.CreateCustomer(ctx, c); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []tsunagu.Event
	after := first
	for {
		evs, err := s.ListEvents(ctx, "t1", after, 64)
		must(t, err)
		if len(evs) == 0 {
			break
		}
		all = append(all, evs...)
		after = evs[len(evs)-1].Seq
	}
	if len(all) != 200 {
		t.Fatalf("events after %d: %d, want 200", first, len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("sequence not increasing at %d: %d then %d", i, all[i-1].Seq, all[i].Seq)
		}
	}
	last, err := s.LastSeq(ctx)
	must(t, err)
	if last != all[len(all)-1].Seq {
		t.Fatalf("LastSeq = %d, want %d", last, all[len(all)-1].Seq)
	}
	if all[0].Type != tsunagu.EventCustomerCreated || all[0].Subject == "" || string(all[0].Payload) != "{}" {
		t.Fatalf("event = %+v", all[0])
	}
}

func testTrunk(t *testing.T, s tsunagu.Store) {
	newTenant(t, s, "a")
	newTenant(t, s, "b")
	tr := &tsunagu.Trunk{TenantID: "a", Name: "NTT", AllowedNets: []string{"127.0.0.1"}, Numbers: []tsunagu.DID{
		{Number: "03-1234-5678", Greeting: "お電話ありがとうございます。", Menu: []tsunagu.MenuOption{{Digit: "1", Label: "一般", QueueID: "general"}, {Digit: "2", QueueID: "tech"}}},
		{Number: "0120-000-111", DefaultQueue: "general", Direct: true},
	}}
	must(t, s.CreateTrunk(ctx, tr))
	got, did, err := s.FindTrunkByNumber(ctx, "+81312345678")
	must(t, err)
	if got.ID != tr.ID || got.TenantID != "a" || got.AllowedNets[0] != "127.0.0.1/32" || len(got.Numbers) != 2 {
		t.Fatalf("trunk = %+v", got)
	}
	if did.Greeting != "お電話ありがとうございます。" || len(did.Menu) != 2 || did.Menu[1].QueueID != "tech" {
		t.Fatalf("did = %+v", did)
	}
	_, did, err = s.FindTrunkByNumber(ctx, "+81120000111")
	must(t, err)
	if did.DefaultQueue != "general" || len(did.Menu) != 0 || !did.Direct {
		t.Fatalf("second did = %+v (want direct, no menu)", did)
	}
	// A direct number with a menu is refused, on the field.
	bad := &tsunagu.Trunk{TenantID: "a", Name: "direct", AllowedNets: []string{"127.0.0.1"}, Numbers: []tsunagu.DID{
		{Number: "03-7777-0000", DefaultQueue: "general", Direct: true, Menu: []tsunagu.MenuOption{{Digit: "1", QueueID: "tech"}}}}}
	err = s.CreateTrunk(ctx, bad)
	mustCode(t, err, tsunagu.EINVALID)
	if tsunagu.ErrorField(err) != "numbers[0].direct" {
		t.Fatalf("field = %q", tsunagu.ErrorField(err))
	}
	_, _, err = s.FindTrunkByNumber(ctx, "+81399999999")
	mustCode(t, err, tsunagu.ENOTFOUND)
	// The number selects the tenant: another tenant cannot take it.
	dup := &tsunagu.Trunk{TenantID: "b", Name: "KDDI", AllowedNets: []string{"10.0.0.0/8"}, Numbers: []tsunagu.DID{{Number: "+81312345678", DefaultQueue: "q"}}}
	err = s.CreateTrunk(ctx, dup)
	mustCode(t, err, tsunagu.ECONFLICT)
	if tsunagu.ErrorField(err) != "numbers[0].number" {
		t.Fatalf("field = %q", tsunagu.ErrorField(err))
	}
	if ts, _ := s.ListTrunks(ctx, "b"); len(ts) != 0 {
		t.Fatalf("a refused trunk was half-written: %+v", ts)
	}
	mustCode(t, s.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: "a", Name: "x", AllowedNets: []string{"nope"}, Numbers: tr.Numbers}), tsunagu.EINVALID)
	ts, err := s.ListTrunks(ctx, "a")
	must(t, err)
	if len(ts) != 1 || len(ts[0].Numbers) != 2 || ts[0].Numbers[0].Number != "+81312345678" {
		t.Fatalf("trunks = %+v", ts)
	}
}

func testArticle(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "a")
	newTenant(t, s, "b")
	svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "a", UserID: sv.ID, Role: tsunagu.RoleSupervisor})
	a := &tsunagu.Article{TenantID: "a", Title: "パスワードを忘れた場合", Body: "再設定ページから…", Category: "ログイン", Tags: []string{"パスワード"}}
	must(t, s.CreateArticle(svCtx, a))
	if a.Version != 1 || a.Status != tsunagu.ArticlePublished || a.UpdatedBy != sv.ID {
		t.Fatalf("created = %+v", a)
	}
	mustCode(t, s.CreateArticle(ctx, &tsunagu.Article{TenantID: "a", Title: " ", Body: "x"}), tsunagu.EINVALID)

	edit := *a
	edit.Body = "再設定ページ(https://example.jp/reset)から手続きできます。"
	must(t, s.UpdateArticle(svCtx, &edit))
	if edit.Version != 2 {
		t.Fatalf("version = %d", edit.Version)
	}
	stale := *a // still version 1
	stale.Title = "古い編集"
	err := s.UpdateArticle(svCtx, &stale)
	mustCode(t, err, tsunagu.ECONFLICT)
	if tsunagu.ErrorField(err) != "version" {
		t.Fatalf("field = %q", tsunagu.ErrorField(err))
	}
	vs, err := s.ArticleVersions(ctx, "a", a.ID)
	must(t, err)
	if len(vs) != 2 || vs[0].Version != 2 || vs[1].Body != "再設定ページから…" {
		t.Fatalf("versions = %+v", vs)
	}
	agentCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "a", UserID: agent.ID, AgentID: agent.AgentID, Role: tsunagu.RoleAgent})
	got, err := s.RecordSolved(agentCtx, "a", a.ID, "con_1")
	must(t, err)
	if got.SolvedCount != 1 || got.Version != 2 {
		t.Fatalf("after solved = %+v", got)
	}
	// A new version keeps the solved count.
	got.Category = "アカウント"
	must(t, s.UpdateArticle(svCtx, got))
	if got.SolvedCount != 1 {
		t.Fatalf("solved count lost on update: %+v", got)
	}
	_, err = s.FindArticle(ctx, "b", a.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	_, err = s.RecordSolved(ctx, "b", a.ID, "")
	mustCode(t, err, tsunagu.ENOTFOUND)
	other := *got
	other.TenantID = "b"
	mustCode(t, s.UpdateArticle(ctx, &other), tsunagu.ENOTFOUND)
	if l, _ := s.ListArticles(ctx, "b"); len(l) != 0 {
		t.Fatal("tenant b lists tenant a's articles")
	}
	l, err := s.ListArticles(ctx, "a")
	must(t, err)
	if len(l) != 1 || l[0].Version != 3 {
		t.Fatalf("list = %+v", l)
	}
	ts, err := s.ListTenants(ctx)
	must(t, err)
	if len(ts) != 2 {
		t.Fatalf("tenants = %+v", ts)
	}
}

func testKnowledge(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "a")
	newTenant(t, s, "b")
	a := &tsunagu.Article{TenantID: "a", ID: "reset", Title: "パスワード再設定", Body: "手順…"}
	must(t, s.CreateArticle(ctx, a))

	t.Run("Import", func(t *testing.T) {
		batch := []tsunagu.Article{{ID: "reset", Title: "パスワード再設定(改訂)", Body: "新しい手順"}, {ID: "new-one", Title: "新しい記事", Body: "本文"}}
		c, u, err := s.ImportArticles(ctx, "a", batch)
		must(t, err)
		if c != 1 || u != 1 {
			t.Fatalf("created %d, updated %d", c, u)
		}
		got, _ := s.FindArticle(ctx, "a", "reset")
		if got.Version != 2 || got.Body != "新しい手順" {
			t.Fatalf("imported update = %+v", got)
		}
		// One bad article: nothing of the batch lands.
		bad := []tsunagu.Article{{ID: "third", Title: "三つ目", Body: "本文"}, {ID: "fourth", Title: "", Body: "x"}}
		_, _, err = s.ImportArticles(ctx, "a", bad)
		mustCode(t, err, tsunagu.EINVALID)
		if _, err := s.FindArticle(ctx, "a", "third"); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Fatal("a failed import half-wrote")
		}
	})
	t.Run("Feedback", func(t *testing.T) {
		agentCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "a", UserID: agent.ID, AgentID: agent.AgentID, Role: tsunagu.RoleAgent})
		f := &tsunagu.ArticleFeedback{TenantID: "a", ArticleID: "reset", Kind: tsunagu.FeedbackOutdated, Note: "URL が変わっています"}
		must(t, s.CreateFeedback(agentCtx, f))
		if f.UserID != agent.ID || !f.Open {
			t.Fatalf("feedback = %+v", f)
		}
		missing := &tsunagu.ArticleFeedback{TenantID: "a", Kind: tsunagu.FeedbackMissing, Query: "年賀状 宛名 縦書き"}
		must(t, s.CreateFeedback(agentCtx, missing))
		mustCode(t, s.CreateFeedback(agentCtx, &tsunagu.ArticleFeedback{TenantID: "a", ArticleID: "nope", Kind: tsunagu.FeedbackWrong, Note: "x"}), tsunagu.EINVALID)
		mustCode(t, s.CreateFeedback(agentCtx, &tsunagu.ArticleFeedback{TenantID: "a", Kind: tsunagu.FeedbackWrong, Note: "x"}), tsunagu.EINVALID)
		open, err := s.ListFeedback(ctx, "a", true)
		must(t, err)
		if len(open) != 2 {
			t.Fatalf("open feedback = %d", len(open))
		}
		svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "a", UserID: sv.ID, Role: tsunagu.RoleSupervisor})
		r, err := s.ResolveFeedback(svCtx, "a", f.ID)
		must(t, err)
		if r.Open || r.ResolvedBy != sv.ID || r.ResolvedAt == nil {
			t.Fatalf("resolved = %+v", r)
		}
		_, err = s.ResolveFeedback(svCtx, "a", f.ID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		_, err = s.ResolveFeedback(svCtx, "b", missing.ID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		if open, _ := s.ListFeedback(ctx, "a", true); len(open) != 1 {
			t.Fatalf("open after resolve = %d", len(open))
		}
		if all, _ := s.ListFeedback(ctx, "a", false); len(all) != 2 {
			t.Fatalf("all = %d", len(all))
		}
		if other, _ := s.ListFeedback(ctx, "b", false); len(other) != 0 {
			t.Fatal("tenant b sees tenant a's feedback")
		}
	})
	t.Run("Synonyms", func(t *testing.T) {
		src, err := s.Synonyms(ctx, "a")
		must(t, err)
		if src != "" {
			t.Fatalf("initial synonyms = %q", src)
		}
		must(t, s.SetSynonyms(ctx, "a", "ルーター = モデム\n"))
		must(t, s.SetSynonyms(ctx, "a", "ルーター = モデム = 終端装置\n"))
		src, _ = s.Synonyms(ctx, "a")
		if src != "ルーター = モデム = 終端装置\n" {
			t.Fatalf("synonyms = %q", src)
		}
		if other, _ := s.Synonyms(ctx, "b"); other != "" {
			t.Fatal("synonyms leak across tenants")
		}
	})
}
