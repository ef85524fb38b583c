package storetest

import (
	"slices"
	"testing"
	"time"

	"tsunagu"
)

// testQueueDispositions checks the dispositions a queue's wrap-up offers:
// none chosen is all; the admin's order kept; unknown or repeated ones
// refused on disposition_ids; an audited queue:updated per real change;
// tenants apart.
func testQueueDispositions(t *testing.T, s tsunagu.Store) {
	newTenant(t, s, "t1")
	newTenant(t, s, "t2")
	for _, tn := range []tsunagu.TenantID{"t1", "t2"} {
		must(t, s.CreateQueue(ctx, &tsunagu.Queue{TenantID: tn, ID: "q", Name: "一般"}))
	}
	for _, d := range []tsunagu.DispositionID{"resolved", "sale", "lost"} {
		must(t, s.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t1", ID: d, Name: string(d)}))
	}
	must(t, s.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t2", ID: "other", Name: "other"}))
	ids, err := s.QueueDispositions(ctx, "t1", "q")
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("a new queue offers %v, want none chosen (all)", ids)
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.QueueDispositions(ctx, "t1", "nope")
		mustCode(t, err, tsunagu.ENOTFOUND)
		mustCode(t, s.SetQueueDispositions(ctx, "t1", "nope", nil), tsunagu.ENOTFOUND)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, bad := range [][]tsunagu.DispositionID{{"sale", "sale"}, {"nope"}, {"other"}} {
			err := s.SetQueueDispositions(ctx, "t1", "q", bad)
			mustCode(t, err, tsunagu.EINVALID)
			if tsunagu.ErrorField(err) != "disposition_ids" {
				t.Errorf("%v: field %q", bad, tsunagu.ErrorField(err))
			}
		}
	})
	want := []tsunagu.DispositionID{"sale", "resolved"}
	must(t, s.SetQueueDispositions(ctx, "t1", "q", want))
	if e := lastEvent(t, s, "t1"); e.Type != tsunagu.EventQueueUpdated || e.Subject != "q" || string(e.Payload) != `{"fields":["dispositions"]}` {
		t.Fatalf("event %+v %s", e, e.Payload)
	}
	seq := lastEvent(t, s, "t1").Seq
	must(t, s.SetQueueDispositions(ctx, "t1", "q", want)) // unchanged: nothing written
	if e := lastEvent(t, s, "t1"); e.Seq != seq {
		t.Errorf("an unchanged list wrote %s", e.Type)
	}
	ids, err = s.QueueDispositions(ctx, "t1", "q")
	must(t, err)
	if !slices.Equal(ids, want) {
		t.Fatalf("offered %v, want %v in the admin's order", ids, want)
	}
	if ids, err := s.QueueDispositions(ctx, "t2", "q"); err != nil || len(ids) != 0 {
		t.Errorf("tenant t2's queue q: %v %v", ids, err)
	}
	must(t, s.SetQueueDispositions(ctx, "t1", "q", nil))
	if ids, _ := s.QueueDispositions(ctx, "t1", "q"); len(ids) != 0 {
		t.Errorf("after clearing: %v", ids)
	}
}

// testWrapPart checks the wrap-up of a transferred part: its events carry
// the part's agent, the feedback, callback and flag are written, the
// contact's own wrap-up fields are untouched and its flag only rises.
func testWrapPart(t *testing.T, s tsunagu.Store) {
	first, _ := newTenant(t, s, "t1")
	newTenant(t, s, "t2")
	now := time.Now()
	c := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, Number: "+819011112222", ArrivedAt: now}
	must(t, s.CreateContact(ctx, c))
	_, err := s.UpdateContact(ctx, "t1", c.ID, tsunagu.EventContactConnected, nil, func(c *tsunagu.Contact) error {
		c.State, c.AgentID, c.Notes = tsunagu.ContactConnected, "agt_second", "二人目のメモ"
		return nil
	})
	must(t, err)
	w := &tsunagu.WrapUp{ReasonID: "r", DispositionID: "d", Notes: "一人目", ThankYou: true,
		Feedback: &tsunagu.Feedback{Category: "pricing", Text: "高い"},
		Callback: &tsunagu.PromisedCallback{DueAt: now.Add(time.Hour), Owner: tsunagu.OwnerAnyone, Number: "+819011112222"},
		Abusive:  tsunagu.SeverityMedium}
	t.Run("TenantIsolation", func(t *testing.T) {
		_, err := s.WrapPart(ctx, "t2", c.ID, first.AgentID, w)
		mustCode(t, err, tsunagu.ENOTFOUND)
	})
	got, err := s.WrapPart(ctx, "t1", c.ID, first.AgentID, w)
	must(t, err)
	if got.State != tsunagu.ContactConnected || got.AgentID != "agt_second" || got.Notes != "二人目のメモ" || got.DispositionID != "" ||
		got.ThankYou || got.Abusive != tsunagu.SeverityMedium {
		t.Fatalf("contact after the part: %+v", got)
	}
	evs, err := s.ContactEvents(ctx, "t1", c.ID)
	must(t, err)
	var types []string
	for _, e := range evs[len(evs)-4:] {
		types = append(types, string(e.Type))
		if e.AgentID != first.AgentID {
			t.Errorf("%s for agent %q, want the part's", e.Type, e.AgentID)
		}
	}
	if !slices.Equal(types, []string{"contact:wrapped", "contact:feedback", "callback:scheduled", "contact:flagged"}) {
		t.Fatalf("events %v", types)
	}
	cbs, err := s.ListCallbacks(ctx, "t1", tsunagu.CallbackFilter{Anyone: true})
	must(t, err)
	if len(cbs) != 1 || cbs[0].OwnerID != "" || cbs[0].CreatedBy != first.AgentID || cbs[0].ContactID != c.ID {
		t.Fatalf("callbacks %+v", cbs)
	}
	// A lower severity later does not lower the contact's flag.
	got, err = s.WrapPart(ctx, "t1", c.ID, "agt_third", &tsunagu.WrapUp{DispositionID: "d", Abusive: tsunagu.SeverityLow})
	must(t, err)
	if got.Abusive != tsunagu.SeverityMedium {
		t.Errorf("flag lowered to %q", got.Abusive)
	}
}
