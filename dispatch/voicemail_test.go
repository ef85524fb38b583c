package dispatch_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/inmem"
	"tsunagu/sqlite"
)

// vmPhone is a phone that takes messages: it reports each caller sent to
// voicemail.
type vmPhone struct {
	fakePhone
	ready bool
	sent  chan [3]string // contact, queue, reason
}

func (p *vmPhone) VoicemailReady() bool { return p.ready }

func (p *vmPhone) Voicemail(ctx context.Context, id tsunagu.ContactID, queue tsunagu.QueueID, reason string) error {
	p.sent <- [3]string{string(id), string(queue), reason}
	return nil
}

// TestDispatch_OverflowToVoicemail: a queue whose overflow target is
// voicemail sends a caller past its maximum wait to the phone's voicemail
// (with nobody available), from the engine's decision, once.
func TestDispatch_OverflowToVoicemail(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	db.SetPublish((&inmem.Bus{}).Publish)
	must(t, db.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "x"}))
	must(t, db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "q", Name: "一般", SLPercent: 80, SLSeconds: 20,
		MaxWaitSeconds: 1, OverflowQueue: tsunagu.QueueVoicemail}))
	phone := &vmPhone{fakePhone: fakePhone{store: db, reachable: map[tsunagu.AgentID]bool{}}, ready: true, sent: make(chan [3]string, 4)}
	d := &dispatch.Dispatcher{Store: db, Phone: phone}
	phone.router = d
	rctx, stop := context.WithCancel(ctx)
	must(t, d.Start(rctx))
	t.Cleanup(func() {
		stop()
		d.Wait()
	})
	now := time.Now()
	c := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
	must(t, db.CreateContact(ctx, c))
	c, err = db.UpdateContact(ctx, "t", c.ID, tsunagu.EventContactQueued, map[string]any{"queue_id": "q"}, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "q", &now
		return nil
	})
	must(t, err)
	must(t, d.Enqueue(ctx, c))
	select {
	case got := <-phone.sent:
		if got != [3]string{string(c.ID), "q", "max_wait"} {
			t.Errorf("voicemail request %v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller was not sent to voicemail")
	}
	// The engine has let the caller go: hanging up now is no abandon of
	// a caller it still holds (nothing to cancel, no error).
	d.Abandoned(ctx, "t", c.ID)
}
