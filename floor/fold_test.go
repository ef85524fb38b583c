package floor_test

import (
	"encoding/json"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/floor"
)

var tokyo = mustLoc("Asia/Tokyo")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// t0 is 10:00 in Tokyo: the scripts below count seconds from here.
var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, tokyo)

// script builds an event log by hand, one line per event, as the center
// would have written it.
type script struct {
	seq int64
	evs []tsunagu.Event
}

func (s *script) at(sec float64, typ tsunagu.EventType, agent, contact string, payload map[string]any) {
	s.seq++
	e := tsunagu.NewEvent("t", typ, t0.Add(time.Duration(sec*float64(time.Second))), payload)
	e.Seq, e.AgentID, e.ContactID = s.seq, tsunagu.AgentID(agent), tsunagu.ContactID(contact)
	s.evs = append(s.evs, e)
}

// state is agent:state_changed as the store writes it.
func (s *script) state(sec float64, agent string, to tsunagu.AgentState, reason string) {
	s.at(sec, tsunagu.EventAgentStateChanged, agent, "", map[string]any{"to": to, "reason": reason})
}

// call is a caller queued in q, offered to agent, answered, ended and
// wrapped at the given seconds.
func (s *script) call(id, q, agent string, queued, offered, connected, ended, wrapped float64) {
	s.at(queued, tsunagu.EventContactQueued, "", id, map[string]any{"queue_id": q})
	s.state(offered, agent, tsunagu.AgentReserved, "")
	s.at(offered, tsunagu.EventContactOffered, agent, id, map[string]any{"agent_id": agent, "queue_id": q})
	s.at(connected, tsunagu.EventContactConnected, agent, id, map[string]any{"agent_id": agent})
	s.state(connected, agent, tsunagu.AgentOnContact, "")
	s.at(ended, tsunagu.EventContactEnded, agent, id, map[string]any{"by": "caller"})
	s.state(ended, agent, tsunagu.AgentAfterCallWork, "")
	s.at(wrapped, tsunagu.EventContactWrapped, agent, id, map[string]any{"thank_you": true})
	s.state(wrapped, agent, tsunagu.AgentAvailable, "")
}

func config() floor.Config {
	return floor.Config{
		Location: tokyo,
		Queues: []tsunagu.Queue{
			{ID: "general", Name: "一般", SLPercent: 80, SLSeconds: 20, HoldCallbackSeconds: 60, Skills: []tsunagu.SkillLevel{{SkillID: "general", Level: 1}}},
			{ID: "tech", Name: "技術", SLPercent: 80, SLSeconds: 30, Skills: []tsunagu.SkillLevel{{SkillID: "tech", Level: 3}}},
		},
		Agents: []tsunagu.Agent{
			{ID: "op1", Name: "佐藤", Skills: []tsunagu.SkillLevel{{SkillID: "general", Level: 3}, {SkillID: "tech", Level: 5}}},
			{ID: "op2", Name: "鈴木", Skills: []tsunagu.SkillLevel{{SkillID: "general", Level: 3}}},
		},
	}
}

func (s *script) fold() *floor.Fold {
	f := floor.New(config())
	for _, e := range s.evs {
		f.Apply(e)
	}
	return f
}

func queueOf(t *testing.T, s floor.Snapshot, id tsunagu.QueueID) floor.QueueFigures {
	t.Helper()
	for _, q := range s.Queues {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("no queue %s in %+v", id, s.Queues)
	return floor.QueueFigures{}
}

func agentOf(t *testing.T, s floor.Snapshot, id tsunagu.AgentID) floor.AgentFigures {
	t.Helper()
	for _, a := range s.Agents {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no agent %s", id)
	return floor.AgentFigures{}
}

func alertsOf(s floor.Snapshot, kind string) []floor.Alert {
	var out []floor.Alert
	for _, a := range s.Alerts {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// counts is the part of a queue's figures the scenarios check exactly.
type counts struct{ Waiting, Ringing, Offered, Answered, Abandoned, Overflowed, TransferredIn, AnsweredInSL int }

func countsOf(q floor.QueueFigures) counts {
	return counts{q.Waiting, q.Ringing, q.Offered, q.Answered, q.Abandoned, q.Overflowed, q.TransferredIn, q.AnsweredInSL}
}

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// TestFold_AnswerAndAbandons: one call answered in 5 s, one caller hanging
// up in the queue, one hanging up while it rang an agent; a fourth still
// waiting. Service level counts finished visits; the waiting one is in the
// live figures only.
func TestFold_AnswerAndAbandons(t *testing.T) {
	var s script
	s.state(0, "op1", tsunagu.AgentAvailable, "")
	s.state(0, "op2", tsunagu.AgentNotReady, "break")
	s.call("c1", "general", "op1", 10, 12, 15, 75, 95) // waited 5 s, talked 60 s, wrapped 20 s
	s.at(100, tsunagu.EventContactQueued, "", "c2", map[string]any{"queue_id": "general"})
	s.at(130, tsunagu.EventContactAbandoned, "", "c2", map[string]any{"wait_seconds": 30})
	s.at(140, tsunagu.EventContactQueued, "", "c3", map[string]any{"queue_id": "general"})
	s.state(141, "op1", tsunagu.AgentReserved, "")
	s.at(141, tsunagu.EventContactOffered, "op1", "c3", map[string]any{"agent_id": "op1", "queue_id": "general"})
	s.at(145, tsunagu.EventContactAbandoned, "op1", "c3", nil)
	s.state(145, "op1", tsunagu.AgentAvailable, "")
	s.at(150, tsunagu.EventContactQueued, "", "c4", map[string]any{"queue_id": "general"})

	snap := s.fold().Snapshot(at(160))
	q := queueOf(t, snap, "general")
	if got, want := countsOf(q), (counts{Waiting: 1, Offered: 4, Answered: 1, Abandoned: 2, AnsweredInSL: 1}); got != want {
		t.Fatalf("general = %+v, want %+v", got, want)
	}
	if *q.ServiceLevel != 1.0/3 || *q.AbandonRate != 2.0/3 || *q.ASASeconds != 5 || *q.AHTSeconds != 80 {
		t.Fatalf("SL %v abandon %v ASA %v AHT %v", *q.ServiceLevel, *q.AbandonRate, *q.ASASeconds, *q.AHTSeconds)
	}
	if q.LongestWaitSeconds != 10 || !q.OldestWaitingSince.Equal(at(150)) {
		t.Fatalf("longest wait %d s since %v", q.LongestWaitSeconds, q.OldestWaitingSince)
	}
	// op1 is free and about to take the waiting caller: a newcomer waits
	// for the first call to end, one handle time (80 s) on one agent.
	if q.Staffed != 1 || q.Available != 1 || *q.ExpectedWaitSeconds != 80 {
		t.Fatalf("staffed %d available %d expected %v", q.Staffed, q.Available, *q.ExpectedWaitSeconds)
	}
	if len(alertsOf(snap, floor.AlertSLBreach)) != 1 {
		t.Fatalf("SL 33%% under an 80%% target raises no alert: %+v", snap.Alerts)
	}
	op1 := agentOf(t, snap, "op1")
	if op1.State != tsunagu.AgentAvailable || op1.StateSeconds != 15 || op1.Handled != 1 || op1.TalkSeconds != 60 || op1.ThankYous != 1 || op1.Contact != nil {
		t.Fatalf("op1 = %+v", op1)
	}
	if op2 := agentOf(t, snap, "op2"); op2.State != tsunagu.AgentNotReady || op2.Reason != "break" || op2.StateSeconds != 160 {
		t.Fatalf("op2 = %+v", op2)
	}
	// Tech has had nothing and nobody free can take it.
	tech := queueOf(t, snap, "tech")
	if countsOf(tech) != (counts{}) || tech.ServiceLevel != nil || tech.ASASeconds != nil || tech.Staffed != 1 {
		t.Fatalf("tech = %+v", tech)
	}
}

// TestFold_MissedOffers: an offer that rings out puts the caller back in
// the same visit (their wait goes on), counts a miss for the agent, and two
// in a row raise the streak alert; answering clears the streak.
func TestFold_MissedOffers(t *testing.T) {
	var s script
	s.state(0, "op1", tsunagu.AgentAvailable, "")
	s.at(10, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
	for i, sec := range []float64{11, 40} {
		s.state(sec, "op1", tsunagu.AgentReserved, "")
		s.at(sec, tsunagu.EventContactOffered, "op1", "c1", map[string]any{"agent_id": "op1"})
		s.state(sec+20, "op1", tsunagu.AgentNotReady, "missed")
		s.at(sec+20, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general", "requeued": "offer_missed", "missed_by": "op1"})
		if i == 0 {
			s.state(sec+25, "op1", tsunagu.AgentAvailable, "")
		}
	}
	snap := s.fold().Snapshot(at(70))
	q := queueOf(t, snap, "general")
	if got, want := countsOf(q), (counts{Waiting: 1, Offered: 1}); got != want {
		t.Fatalf("general = %+v, want %+v", got, want)
	}
	if q.LongestWaitSeconds != 60 {
		t.Fatalf("the requeued caller's wait restarted: %d s", q.LongestWaitSeconds)
	}
	op1 := agentOf(t, snap, "op1")
	if op1.Missed != 2 || op1.MissedStreak != 2 || op1.Contact != nil || op1.State != tsunagu.AgentNotReady || op1.Reason != "missed" {
		t.Fatalf("op1 = %+v", op1)
	}
	if a := alertsOf(snap, floor.AlertMissedStreak); len(a) != 1 || a[0].AgentID != "op1" || a[0].Value != 2 {
		t.Fatalf("streak alerts %+v", a)
	}
	// The long wait (60 s past a 20 s target: critical) is listed too.
	if a := alertsOf(snap, floor.AlertLongWait); len(a) != 1 || a[0].Contact != "c1" || a[0].Severity != "critical" {
		t.Fatalf("wait alerts %+v", a)
	}
	// op2 answers: the visit ends answered after 65 s, outside the target.
	s.state(75, "op2", tsunagu.AgentAvailable, "")
	s.at(75, tsunagu.EventContactOffered, "op2", "c1", map[string]any{"agent_id": "op2"})
	s.at(77, tsunagu.EventContactConnected, "op2", "c1", map[string]any{"agent_id": "op2"})
	snap = s.fold().Snapshot(at(80))
	q = queueOf(t, snap, "general")
	if q.Answered != 1 || q.AnsweredInSL != 0 || *q.ASASeconds != 67 || q.Waiting != 0 {
		t.Fatalf("general = %+v", q)
	}
	if op1 := agentOf(t, snap, "op1"); op1.MissedStreak != 2 {
		t.Fatalf("op1's streak ended without an answer of theirs: %+v", op1)
	}
	if op2 := agentOf(t, snap, "op2"); op2.Contact == nil || op2.Contact.ID != "c1" || op2.Contact.Phase != "talking" || op2.Contact.Seconds != 3 {
		t.Fatalf("op2 = %+v", op2)
	}
}

// TestFold_Overflow: a caller overflowing from general to tech ends the
// visit in general (overflowed, not abandoned: it counts against general's
// service level) and starts one in tech, whose SL counts from the overflow;
// the caller's own wait (longest wait, alerts) runs from the first queue.
func TestFold_Overflow(t *testing.T) {
	var s script
	s.at(0, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
	s.at(30, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "tech", "overflow_from": "general", "reason": "timeout"})
	snap := s.fold().Snapshot(at(40))
	if got, want := countsOf(queueOf(t, snap, "general")), (counts{Offered: 1, Overflowed: 1}); got != want {
		t.Fatalf("general = %+v, want %+v", got, want)
	}
	tech := queueOf(t, snap, "tech")
	if got, want := countsOf(tech), (counts{Waiting: 1, Offered: 1}); got != want {
		t.Fatalf("tech = %+v, want %+v", got, want)
	}
	if tech.LongestWaitSeconds != 40 {
		t.Fatalf("tech longest wait %d, want 40 (since the caller first queued)", tech.LongestWaitSeconds)
	}
	s.state(45, "op1", tsunagu.AgentAvailable, "")
	s.at(45, tsunagu.EventContactOffered, "op1", "c1", map[string]any{"agent_id": "op1", "queue_id": "tech"})
	s.at(50, tsunagu.EventContactConnected, "op1", "c1", map[string]any{"agent_id": "op1"})
	snap = s.fold().Snapshot(at(60))
	tech = queueOf(t, snap, "tech")
	if tech.Answered != 1 || tech.AnsweredInSL != 1 || *tech.ServiceLevel != 1 || *tech.ASASeconds != 20 {
		t.Fatalf("tech = %+v", tech)
	}
	if g := queueOf(t, snap, "general"); *g.ServiceLevel != 0 || g.Abandoned != 0 {
		t.Fatalf("general = %+v", g)
	}
}

// TestFold_Transfer: a blind transfer is a new visit in the target queue,
// never an abandon; the first operator's talk time ends at the transfer.
// Both shapes are handled: the transfer naming the queue, and a bare
// transfer followed by contact:queued.
func TestFold_Transfer(t *testing.T) {
	for _, named := range []bool{true, false} {
		var s script
		s.state(0, "op2", tsunagu.AgentAvailable, "")
		s.at(0, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
		s.at(1, tsunagu.EventContactOffered, "op2", "c1", map[string]any{"agent_id": "op2"})
		s.at(3, tsunagu.EventContactConnected, "op2", "c1", map[string]any{"agent_id": "op2"})
		s.state(3, "op2", tsunagu.AgentOnContact, "")
		if named {
			s.at(63, tsunagu.EventContactTransferred, "op2", "c1", map[string]any{"kind": "blind", "from_agent": "op2",
				"to": map[string]any{"queue_id": "tech"}, "queue_id": "tech"})
		} else {
			s.at(63, tsunagu.EventContactTransferred, "op2", "c1", map[string]any{"kind": "blind", "from_agent": "op2", "to": map[string]any{"leader": true}})
			s.at(63, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "tech", "transferred_from": "op2"})
		}
		s.state(63, "op2", tsunagu.AgentAfterCallWork, "")
		snap := s.fold().Snapshot(at(70))
		g, tech := queueOf(t, snap, "general"), queueOf(t, snap, "tech")
		if got, want := countsOf(g), (counts{Offered: 1, Answered: 1, AnsweredInSL: 1}); got != want {
			t.Fatalf("named=%v general = %+v, want %+v", named, got, want)
		}
		if got, want := countsOf(tech), (counts{Waiting: 1, Offered: 1, TransferredIn: 1}); got != want {
			t.Fatalf("named=%v tech = %+v, want %+v", named, got, want)
		}
		if tech.LongestWaitSeconds != 7 {
			t.Fatalf("named=%v: the transferred caller's wait starts at the transfer: %d s", named, tech.LongestWaitSeconds)
		}
		if op2 := agentOf(t, snap, "op2"); op2.TalkSeconds != 60 || op2.Contact != nil || op2.Handled != 1 {
			t.Fatalf("named=%v op2 = %+v", named, op2)
		}
		// op1 takes it in tech; op2's wrap-up of their part changes nothing there.
		s.state(80, "op1", tsunagu.AgentAvailable, "")
		s.at(80, tsunagu.EventContactOffered, "op1", "c1", map[string]any{"agent_id": "op1"})
		s.at(82, tsunagu.EventContactConnected, "op1", "c1", map[string]any{"agent_id": "op1"})
		s.at(90, tsunagu.EventContactWrapped, "op2", "c1", map[string]any{})
		s.at(100, tsunagu.EventContactEnded, "op1", "c1", map[string]any{"by": "caller"})
		snap = s.fold().Snapshot(at(101))
		tech = queueOf(t, snap, "tech")
		if got, want := countsOf(tech), (counts{Offered: 1, Answered: 1, TransferredIn: 1, AnsweredInSL: 1}); got != want {
			t.Fatalf("named=%v tech after = %+v, want %+v", named, got, want)
		}
		if g := queueOf(t, snap, "general"); g.Abandoned != 0 || g.Answered != 1 {
			t.Fatalf("named=%v general after = %+v", named, g)
		}
		if op1 := agentOf(t, snap, "op1"); op1.TalkSeconds != 18 || op1.Contact == nil || op1.Contact.Phase != "wrapup" {
			t.Fatalf("named=%v op1 = %+v", named, op1)
		}
	}
}

// TestFold_HoldACWAndFlag: a long hold, a long wrap-up and an abusive-call
// flag each raise their alert, and the agent's counts show the holds.
func TestFold_HoldACWAndFlag(t *testing.T) {
	var s script
	s.call("c1", "general", "op1", 0, 1, 2, 30, 200) // wrap-up from 30 s to 200 s
	s.state(0, "op2", tsunagu.AgentAvailable, "")
	s.at(0, tsunagu.EventContactQueued, "", "c2", map[string]any{"queue_id": "general"})
	s.at(1, tsunagu.EventContactOffered, "op2", "c2", map[string]any{"agent_id": "op2"})
	s.at(2, tsunagu.EventContactConnected, "op2", "c2", map[string]any{"agent_id": "op2"})
	s.at(10, tsunagu.EventContactHeld, "op2", "c2", nil)
	s.at(20, tsunagu.EventContactResumed, "op2", "c2", map[string]any{"held_seconds": 10})
	s.at(30, tsunagu.EventContactHeld, "op2", "c2", nil)
	s.at(35, tsunagu.EventContactFlagged, "op2", "c2", map[string]any{"severity": "high"})
	f := floor.New(config())
	for _, e := range s.evs {
		if e.Time.After(at(120)) {
			continue // the wrap-up at 200 s has not happened yet
		}
		f.Apply(e)
	}
	snap := f.Snapshot(at(120))
	op2 := agentOf(t, snap, "op2")
	if op2.Holds != 2 || op2.HoldSeconds != 10 || op2.Flagged != 1 || op2.Contact == nil || op2.Contact.Phase != "held" || !op2.Contact.HeldAt.Equal(at(30)) {
		t.Fatalf("op2 = %+v", op2)
	}
	hold := alertsOf(snap, floor.AlertLongHold)
	if len(hold) != 1 || hold[0].Contact != "c2" || hold[0].Seconds != 90 || hold[0].Severity != "warning" {
		t.Fatalf("hold alerts %+v (threshold: general's 60 s hold-callback)", hold)
	}
	if a := alertsOf(snap, floor.AlertLongACW); len(a) != 0 {
		t.Fatalf("90 s of wrap-up is not long yet: %+v", a)
	}
	if a := alertsOf(snap, floor.AlertAbusive); len(a) != 1 || a[0].AgentID != "op2" || a[0].Detail != "high" || a[0].Severity != "critical" {
		t.Fatalf("flag alerts %+v", a)
	}
	if snap.Alerts[0].Severity != "critical" {
		t.Fatalf("critical alerts come first: %+v", snap.Alerts)
	}
	snap = f.Snapshot(at(160))
	if a := alertsOf(snap, floor.AlertLongACW); len(a) != 1 || a[0].AgentID != "op1" || a[0].Seconds != 130 {
		t.Fatalf("ACW alerts %+v", a)
	}
	// Fifteen minutes on, the flag leaves the list; the count stays.
	snap = f.Snapshot(at(35 + 16*60))
	if a := alertsOf(snap, floor.AlertAbusive); len(a) != 0 || agentOf(t, snap, "op2").Flagged != 1 {
		t.Fatalf("flag after 16 min: %+v", a)
	}
}

// TestFold_Midnight: today's counts restart at midnight in the tenant's
// time zone (not UTC); a caller still waiting and an agent's state carry
// over.
func TestFold_Midnight(t *testing.T) {
	var s script
	late := time.Date(2026, 11, 26, 23, 59, 0, 0, tokyo)
	sec := func(t time.Time) float64 { return t.Sub(t0).Seconds() }
	s.state(sec(late), "op1", tsunagu.AgentNotReady, "meeting")
	s.call("c1", "general", "op2", sec(late), sec(late)+1, sec(late)+2, sec(late)+10, sec(late)+20)
	s.at(sec(late)+30, tsunagu.EventContactQueued, "", "c2", map[string]any{"queue_id": "general"})
	f := s.fold()
	if q := queueOf(t, f.Snapshot(late.Add(40*time.Second)), "general"); q.Offered != 2 || q.Answered != 1 {
		t.Fatalf("before midnight %+v", q)
	}
	snap := f.Snapshot(late.Add(2 * time.Minute))
	q := queueOf(t, snap, "general")
	if got, want := countsOf(q), (counts{Waiting: 1}); got != want || q.LongestWaitSeconds != 90 || snap.Day != "2026-11-27" {
		t.Fatalf("after midnight %+v (%d s, %s)", got, q.LongestWaitSeconds, snap.Day)
	}
	if op1 := agentOf(t, snap, "op1"); op1.State != tsunagu.AgentNotReady || op1.StateSeconds != 120 {
		t.Fatalf("op1 = %+v", op1)
	}
	if op2 := agentOf(t, snap, "op2"); op2.Handled != 0 || op2.TalkSeconds != 0 {
		t.Fatalf("op2's counts did not restart: %+v", op2)
	}
	// The caller who waited over midnight is answered today.
	f.Apply(tsunagu.Event{Seq: 1000, TenantID: "t", Type: tsunagu.EventContactConnected, ContactID: "c2", AgentID: "op2",
		Time: late.Add(3 * time.Minute), Payload: json.RawMessage(`{"agent_id":"op2"}`)})
	if q := queueOf(t, f.Snapshot(late.Add(3*time.Minute)), "general"); q.Answered != 1 || q.Offered != 0 || *q.ASASeconds != 150 {
		t.Fatalf("answered after midnight %+v", q)
	}
}

// TestFold_PraiseAndReplays: praise events become banners, newest last;
// an event applied twice (a replay overlapping the live stream) counts once.
func TestFold_PraiseAndReplays(t *testing.T) {
	var s script
	s.at(1, tsunagu.EventPraiseAchieved, "op1", "", map[string]any{"agent_name": "佐藤", "message": "佐藤さん、本日10件成約!"})
	s.at(2, tsunagu.EventPraiseKudos, "op2", "", map[string]any{"agent_name": "鈴木", "message": "丁寧な対応でした"})
	s.at(3, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
	f := floor.New(config())
	for _, e := range append(s.evs, s.evs...) {
		f.Apply(e)
	}
	snap := f.Snapshot(at(5))
	if len(snap.Praise) != 2 || snap.Praise[0].Message != "佐藤さん、本日10件成約!" || snap.Praise[1].Kind != "kudos" || snap.Praise[1].AgentName != "鈴木" {
		t.Fatalf("praise %+v", snap.Praise)
	}
	if q := queueOf(t, snap, "general"); q.Offered != 1 || q.Waiting != 1 || snap.Seq != 3 {
		t.Fatalf("after a replay: %+v seq %d", q, snap.Seq)
	}
}

// TestFold_ExpectedWait: with nobody free, a new caller waits for the
// callers ahead of them, each one average handle time, shared by the agents
// working the queue.
func TestFold_ExpectedWait(t *testing.T) {
	var s script
	s.call("c1", "general", "op1", 0, 1, 2, 62, 82) // AHT 80 s
	s.at(90, tsunagu.EventContactQueued, "", "c2", map[string]any{"queue_id": "general"})
	s.at(91, tsunagu.EventContactQueued, "", "c3", map[string]any{"queue_id": "general"})
	s.state(95, "op1", tsunagu.AgentNotReady, "break") // nobody left
	snap := s.fold().Snapshot(at(100))
	if q := queueOf(t, snap, "general"); q.Staffed != 0 || q.ExpectedWaitSeconds != nil {
		t.Fatalf("nobody working, yet an estimate: %+v", q)
	}
	s.state(100, "op1", tsunagu.AgentOnContact, "")
	s.state(100, "op2", tsunagu.AgentAfterCallWork, "")
	snap = s.fold().Snapshot(at(100))
	// Two waiting + the newcomer = 3 ahead × 80 s ÷ 2 agents = 120 s.
	if q := queueOf(t, snap, "general"); q.Staffed != 2 || *q.ExpectedWaitSeconds != 120 {
		t.Fatalf("general = %+v, expected %v", q, *q.ExpectedWaitSeconds)
	}
}

// TestFold_WarmTransfer: after a consultation the caller passes from one
// operator to the other without waiting: no queue counts change, the first
// operator's talk ends, the second has the call in hand.
func TestFold_WarmTransfer(t *testing.T) {
	var s script
	s.at(0, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
	s.at(1, tsunagu.EventContactOffered, "op1", "c1", map[string]any{"agent_id": "op1"})
	s.at(2, tsunagu.EventContactConnected, "op1", "c1", map[string]any{"agent_id": "op1"})
	s.at(30, tsunagu.EventContactHeld, "op1", "c1", nil)
	s.at(42, tsunagu.EventContactTransferred, "op2", "c1", map[string]any{"kind": "warm", "from_agent": "op1", "to": map[string]any{"agent_id": "op2"}})
	snap := s.fold().Snapshot(at(50))
	if got, want := countsOf(queueOf(t, snap, "general")), (counts{Offered: 1, Answered: 1, AnsweredInSL: 1}); got != want {
		t.Fatalf("general = %+v, want %+v", got, want)
	}
	op1, op2 := agentOf(t, snap, "op1"), agentOf(t, snap, "op2")
	if op1.TalkSeconds != 40 || op1.HoldSeconds != 12 || op1.Contact != nil {
		t.Fatalf("op1 = %+v", op1)
	}
	if op2.Handled != 1 || op2.Contact == nil || op2.Contact.Phase != "talking" || op2.Contact.Seconds != 8 {
		t.Fatalf("op2 = %+v", op2)
	}
}
