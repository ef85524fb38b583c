package storetest

import (
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// testEscalation checks the escalation's life: asked while the caller waits,
// one open question per call, answered once, the answer's event addressed to
// the asking agent and listed with the contact, and no tenant reaching
// another's escalations.
func testEscalation(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "t1")
	newTenant(t, s, "t2")
	con := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, ArrivedAt: time.Now()}
	must(t, s.CreateContact(ctx, con))
	svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "t1", UserID: sv.ID, Role: tsunagu.RoleSupervisor})

	e := &tsunagu.Escalation{TenantID: "t1", ContactID: con.ID, AgentID: agent.AgentID, Reason: " 解約金の免除 ", Note: "長年のお客様で強くご希望"}
	must(t, s.CreateEscalation(ctx, e))
	if e.ID == "" || e.Status != tsunagu.EscalationPending || e.Urgency != tsunagu.UrgencyNormal || e.Reason != "解約金の免除" || e.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", e)
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, bad := range []tsunagu.Escalation{
			{TenantID: "t1", AgentID: agent.AgentID, Reason: "x"},
			{TenantID: "t1", ContactID: con.ID, AgentID: agent.AgentID},
			{TenantID: "t1", ContactID: con.ID, AgentID: agent.AgentID, Reason: "x", Urgency: "panic"},
			{TenantID: "t1", ContactID: con.ID, AgentID: agent.AgentID, Reason: strings.Repeat("長", tsunagu.MaxEscalationReason+1)},
		} {
			mustCode(t, s.CreateEscalation(ctx, &bad), tsunagu.EINVALID)
		}
		_, err := s.DecideEscalation(svCtx, "t1", e.ID, true, strings.Repeat("x", tsunagu.MaxEscalationNote+1))
		mustCode(t, err, tsunagu.EINVALID)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		again := &tsunagu.Escalation{TenantID: "t1", ContactID: con.ID, AgentID: agent.AgentID, Reason: "もう一度"}
		mustCode(t, s.CreateEscalation(ctx, again), tsunagu.ECONFLICT)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		mustCode(t, s.CreateEscalation(ctx, &tsunagu.Escalation{TenantID: "t1", ContactID: "con_nope", AgentID: agent.AgentID, Reason: "x"}), tsunagu.ENOTFOUND)
		_, err := s.FindEscalation(ctx, "t1", "esc_nope")
		mustCode(t, err, tsunagu.ENOTFOUND)
		_, err = s.DecideEscalation(svCtx, "t1", "esc_nope", true, "")
		mustCode(t, err, tsunagu.ENOTFOUND)
	})
	t.Run("TenantIsolation", func(t *testing.T) {
		_, err := s.FindEscalation(ctx, "t2", e.ID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		if es, _ := s.ListEscalations(ctx, "t2", ""); len(es) != 0 {
			t.Fatal("tenant t2 lists tenant t1's escalations")
		}
		_, err = s.DecideEscalation(svCtx, "t2", e.ID, true, "")
		mustCode(t, err, tsunagu.ENOTFOUND)
		// A contact of another tenant cannot be escalated from here.
		mustCode(t, s.CreateEscalation(ctx, &tsunagu.Escalation{TenantID: "t2", ContactID: con.ID, AgentID: agent.AgentID, Reason: "x"}), tsunagu.ENOTFOUND)
	})

	pending, err := s.ListEscalations(ctx, "t1", tsunagu.EscalationPending)
	must(t, err)
	if len(pending) != 1 || pending[0].ID != e.ID || pending[0].Note != e.Note {
		t.Fatalf("pending = %+v", pending)
	}
	got, err := s.DecideEscalation(svCtx, "t1", e.ID, true, "Go! 今回限り")
	must(t, err)
	if got.Status != tsunagu.EscalationApproved || got.DecidedBy != sv.ID || got.DecisionNote != "Go! 今回限り" || got.DecidedAt == nil {
		t.Fatalf("decided = %+v", got)
	}
	_, err = s.DecideEscalation(svCtx, "t1", e.ID, false, "")
	mustCode(t, err, tsunagu.ECONFLICT)
	if f, err := s.FindEscalation(ctx, "t1", e.ID); err != nil || f.Status != tsunagu.EscalationApproved {
		t.Fatalf("found = %+v, %v", f, err)
	}
	if ps, _ := s.ListEscalations(ctx, "t1", tsunagu.EscalationPending); len(ps) != 0 {
		t.Fatalf("still pending: %+v", ps)
	}
	// The exception granted is kept and listed.
	if as, _ := s.ListEscalations(ctx, "t1", tsunagu.EscalationApproved); len(as) != 1 || as[0].DecidedBy != sv.ID {
		t.Fatalf("approved = %+v", as)
	}

	// Once answered, the call may ask again; this time the leader declines.
	second := &tsunagu.Escalation{TenantID: "t1", ContactID: con.ID, AgentID: agent.AgentID, Reason: "送料の免除", Urgency: tsunagu.UrgencyHigh}
	must(t, s.CreateEscalation(ctx, second))
	if d, err := s.DecideEscalation(svCtx, "t1", second.ID, false, "規定どおりで"); err != nil || d.Status != tsunagu.EscalationDeclined {
		t.Fatalf("declined = %+v, %v", d, err)
	}

	// The contact's events tell the story, each addressed to the asking agent.
	evs, err := s.ContactEvents(ctx, "t1", con.ID)
	must(t, err)
	var types []string
	for _, ev := range evs {
		types = append(types, string(ev.Type))
		if strings.HasPrefix(string(ev.Type), "escalation:") && ev.AgentID != agent.AgentID {
			t.Fatalf("%s not addressed to the agent: %+v", ev.Type, ev)
		}
	}
	want := "contact:arrived escalation:requested escalation:approved escalation:requested escalation:declined"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("contact events:\n got %s\nwant %s", got, want)
	}
	if evs[2].Subject != string(e.ID) || evs[2].ActorID != sv.ID {
		t.Fatalf("approval event = %+v", evs[2])
	}
	agentP := &tsunagu.Principal{TenantID: "t1", UserID: agent.ID, AgentID: agent.AgentID, Role: tsunagu.RoleAgent}
	if !evs[2].Visible(agentP) {
		t.Fatal("the asking agent cannot see the leader's answer")
	}
}
