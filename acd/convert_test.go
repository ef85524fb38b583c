package acd

import (
	"testing"
	"time"

	"tsunagu"
)

func TestAgentState_Root(t *testing.T) {
	for s, want := range map[AgentState]tsunagu.AgentState{
		Offline: tsunagu.AgentOffline, Available: tsunagu.AgentAvailable, Reserved: tsunagu.AgentReserved,
		OnContact: tsunagu.AgentOnContact, ACW: tsunagu.AgentAfterCallWork, NotReady: tsunagu.AgentNotReady,
	} {
		if got := s.Root(); got != want {
			t.Errorf("%d: got %q, want %q", s, got, want)
		}
	}
}

func TestQueueFrom(t *testing.T) {
	q := &tsunagu.Queue{ID: "q", Priority: 2, SLPercent: 80, SLSeconds: 20, ACWSeconds: 30,
		Skills: []tsunagu.SkillLevel{{SkillID: "billing", Level: 3}}}
	cfg := QueueFrom(q)
	if cfg.ID != "q" || cfg.Priority != 2 || cfg.SLThreshold != 20*time.Second || cfg.SLTarget != 0.8 ||
		cfg.ACW != 30*time.Second || cfg.Skills["billing"] != 3 {
		t.Errorf("got %+v", cfg)
	}
	a := AgentFrom(&tsunagu.Agent{ID: "a", TeamID: "t", Skills: []tsunagu.SkillLevel{{SkillID: "billing", Level: 4}}})
	if a.ID != "a" || a.Team != "t" || a.Skills["billing"] != 4 {
		t.Errorf("got %+v", a)
	}
}

func TestEngine_Position(t *testing.T) {
	e := New(Config{})
	e.SetQueue(base, QueueConfig{ID: "q"})
	for i, id := range []tsunagu.ContactID{"c1", "c2", "c3"} {
		if _, err := e.Queue(base.Add(time.Duration(i)*time.Second), ContactSpec{ID: id, Queue: "q"}); err != nil {
			t.Fatal(err)
		}
	}
	if pos, of, err := e.Position("c2"); err != nil || pos != 2 || of != 3 {
		t.Errorf("Position(c2) = %d of %d, %v", pos, of, err)
	}
	if _, _, err := e.Position("zz"); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("err = %v", err)
	}
}
