package telephony_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/sqlite"
	"tsunagu/telephony"
)

// Waiting in the queue: the expected wait and the callback that keeps the
// caller's place (queuewait.go, dispatch/queuecallback.go).

// waitRouter queues every call at place 2 and answers QueueWait with
// expected and callback; RequestCallback is recorded and granted.
type waitRouter struct {
	expected  time.Duration
	callback  bool
	requested chan tsunagu.ContactID
	abandoned chan tsunagu.ContactID
}

func newWaitRouter(expected time.Duration, callback bool) *waitRouter {
	return &waitRouter{expected: expected, callback: callback,
		requested: make(chan tsunagu.ContactID, 4), abandoned: make(chan tsunagu.ContactID, 4)}
}

func (r *waitRouter) Enqueue(context.Context, *tsunagu.Contact) error { return nil }
func (r *waitRouter) Abandoned(_ context.Context, _ tsunagu.TenantID, id tsunagu.ContactID) {
	r.abandoned <- id
}
func (r *waitRouter) Ended(context.Context, tsunagu.TenantID, tsunagu.ContactID) {}
func (r *waitRouter) Position(context.Context, tsunagu.TenantID, tsunagu.ContactID) (int, error) {
	return 2, nil
}
func (r *waitRouter) QueueWait(context.Context, tsunagu.TenantID, tsunagu.ContactID) (time.Duration, bool, error) {
	return r.expected, r.callback, nil
}
func (r *waitRouter) RequestCallback(_ context.Context, _ tsunagu.TenantID, id tsunagu.ContactID) error {
	r.requested <- id
	return nil
}

// listener is a caller whose audio is the test's: sipp (uac_queue_listen.xml)
// carries the signalling, the SDP names peer, and the test hears what the
// server sends there and presses keys from it.
type listener struct {
	peer   *net.UDPConn
	server *net.UDPAddr // where the server's RTP comes from
	seq    uint16
	ts     uint32
	done   chan error // sipp's outcome: nil once it got the BYE
}

func listen(t *testing.T, c *center) *listener {
	t.Helper()
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	l := &listener{peer: peer, ts: 1000, done: make(chan error, 1)}
	go func() {
		// The prompts take longer than sipp's usual 20 s.
		err, _ := sipp(t, c.srv, "uac_queue_listen.xml", dialled, "-key", "rtpport", fmt.Sprint(peer.LocalAddr().(*net.UDPAddr).Port),
			"-timeout", "28s")
		l.done <- err
	}()
	buf := make([]byte, 2048)
	peer.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, from, err := peer.ReadFromUDP(buf)
	if err != nil {
		t.Fatal("no RTP from the server: ", err)
	}
	l.server = from
	l.press(t, 1) // the menu's first option, the general queue, at once (barge-in)
	return l
}

// press sends one key press as RFC 4733 events: three updates and the end
// three times (§2.5.1.4), one timestamp for the whole press.
func (l *listener) press(t *testing.T, code uint8) {
	t.Helper()
	l.ts += 8000
	for i := range 6 {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Marker: i == 0, SequenceNumber: l.seq,
			Timestamp: l.ts, SSRC: 0x5ca11e5}, Payload: []byte{code, 10, 0, byte(160 * (i + 1))}}
		if i >= 3 {
			p.Payload[1] |= 0x80 // E: the end of the event
		}
		l.seq++
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.peer.WriteToUDP(b, l.server); err != nil {
			t.Fatal(err)
		}
	}
}

// hungUp waits for sipp to have received the server's BYE.
func (l *listener) hungUp(t *testing.T) {
	t.Helper()
	select {
	case err := <-l.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sipp did not end")
	}
}

// TestQueueWait_CallerHearsOfferAndConfirmation: with its place the caller
// hears "おおよその待ち時間は3分です" (an expected 2 min 30 s rounds up)
// and "順番を保ったまま折り返しのお電話をご希望の場合は1を押してください";
// pressing 1 asks routing for the callback, the caller hears
// "折り返しのお電話を承りました。このままお切りください" and gets a BYE,
// and the call records neither an abandon nor an end: the contact lives on
// as the callback task.
func TestQueueWait_CallerHearsOfferAndConfirmation(t *testing.T) {
	t.Parallel()
	r := newWaitRouter(150*time.Second, true)
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		cfg.Router = r
		cfg.PositionEvery = 100 * time.Millisecond
	})
	l := listen(t, c)
	heard := listenFor(t, l.peer, "ja/qcb_offer")
	for _, p := range []string{"ja/n2", "ja/expwait", "ja/min3"} {
		if !bytes.Contains(heard, promptSample(t, p)) {
			t.Errorf("before the offer the caller did not hear %s", p)
		}
	}
	if bytes.Contains(heard, promptSample(t, "ja/min2")) {
		t.Error("2 min 30 s was announced as 2 minutes")
	}
	l.press(t, 1)
	listenFor(t, l.peer, "ja/qcb_done")
	var id tsunagu.ContactID
	select {
	case id = <-r.requested:
	case <-time.After(5 * time.Second):
		t.Fatal("routing was not asked for the callback")
	}
	l.hungUp(t)

	stopCenter(t, c) // Run returns once every call is over: all it records is in
	evs, err := c.db.ContactEvents(context.Background(), tenant, id)
	must(t, err)
	if want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactIVRDone, tsunagu.EventContactQueued}; fmt.Sprint(types(evs)) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", types(evs), want)
	}
	select {
	case <-r.abandoned:
		t.Error("the caller who asked for a callback was counted as abandoned")
	default:
	}
}

// TestQueueWait_NoBasisNoOffer: without a basis for an estimate the
// caller hears their place and no wait at all, and where the queue offers
// no callback "1" does nothing.
func TestQueueWait_NoBasisNoOffer(t *testing.T) {
	t.Parallel()
	r := newWaitRouter(0, false)
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		cfg.Router = r
		cfg.PositionEvery = 100 * time.Millisecond
	})
	l := listen(t, c)
	heard := listenFor(t, l.peer, "ja/n2")
	l.press(t, 1)
	heard = append(heard, listenFor(t, l.peer, "ja/n2")...) // the next announcement
	for _, p := range []string{"ja/expwait", "ja/expwait_long", "ja/qcb_offer"} {
		if bytes.Contains(heard, promptSample(t, p)) {
			t.Errorf("the caller heard %s", p)
		}
	}
	select {
	case <-r.requested:
		t.Error("1 asked for a callback that was not offered")
	default:
	}
	stopCenter(t, c) // the server hangs up the waiting caller
	l.hungUp(t)
}

// TestQueueCallback_KeepsPlace runs the whole callback with the real
// dispatcher and SQLite: a sipp caller presses 1 (RFC 2833 from sipp's
// pcap) once offered, is hung up, and is recorded as callback requested,
// not abandoned; a later caller queues behind; when the agent becomes
// available the callback is offered first, and answering calls the first
// caller's number over the trunk (sipp as the customer), after which it is
// an ordinary call to wrap up — and then the later caller is offered.
func TestQueueCallback_KeepsPlace(t *testing.T) {
	t.Parallel()
	oc := newCallbackCenter(t)
	ctx := t.Context()
	book := &eventBook{ch: oc.events}

	first := make(chan error, 1)
	go func() {
		// The wait prompt, the place, the offer and the confirmation take
		// longer than sipp's usual 20 s on a loaded machine.
		err, _ := sipp(t, oc.srv, "uac_queue_callback.xml", dialled, "-timeout", "28s")
		first <- err
	}()
	a := book.wait(t, tsunagu.EventContactQueued, "").ContactID
	req := book.wait(t, tsunagu.EventContactCallbackRequested, a)
	select {
	case err := <-first:
		must(t, err) // the BYE came
	case <-time.After(30 * time.Second):
		t.Fatal("the caller was not hung up")
	}
	if p := payload(t, req); p["queue_id"] != "general" || p["number_masked"] == caller || !strings.HasSuffix(fmt.Sprint(p["number_masked"]), "5678") {
		t.Errorf("contact:callback_requested %v", p)
	} else if w, ok := p["wait_seconds"].(float64); !ok || w < 0 {
		t.Errorf("wait_seconds %v", p["wait_seconds"])
	}
	stored, err := oc.db.FindContact(ctx, tenant, a)
	must(t, err)
	if stored.State != tsunagu.ContactQueued || stored.EndedAt != nil {
		t.Errorf("the callback's contact is %s (ended %v), want queued", stored.State, stored.EndedAt)
	}

	// A later caller waits behind the callback.
	_, bye := rawCall(t, oc.center, "later-caller", dialled)
	defer bye()
	b := book.waitOther(t, tsunagu.EventContactQueued, a).ContactID
	if pos := placeOf(t, oc.d, b); pos != 2 {
		t.Errorf("the later caller is at %d, want 2: behind the callback", pos)
	}

	// The agent becomes available: the callback is offered first.
	wait := oc.customer(t, "out_answer_hangup.xml")
	_, err = oc.d.SetAgentState(ctx, tenant, oc.agent, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	offer := book.wait(t, tsunagu.EventContactOffered, "")
	if offer.ContactID != a {
		t.Fatalf("offered %s first, want the callback %s", offer.ContactID, a)
	}
	if p := payload(t, offer); p["callback"] != true {
		t.Errorf("contact:offered %v: not marked as a callback", p)
	}
	if _, err := oc.d.Answer(ctx, tenant, a, oc.agent); err != nil {
		t.Fatal(err)
	}
	dialing := book.wait(t, tsunagu.EventContactDialing, a)
	if p := payload(t, dialing); p["callback"] != "queue" || p["agent_id"] != string(oc.agent) {
		t.Errorf("contact:dialing %v", p)
	}
	book.wait(t, tsunagu.EventContactConnected, a)
	ended := book.wait(t, tsunagu.EventContactEnded, a) // the customer hangs up after 2 s
	if p := payload(t, ended); p["by"] != "caller" {
		t.Errorf("contact:ended %v", p)
	}
	err, trace := wait()
	must(t, err)
	if want := fmt.Sprintf("INVITE sip:%s@127.0.0.1:%d", caller, oc.port); !strings.Contains(trace, want) {
		t.Fatalf("the callback did not call the caller's number (%q):\n%s", want, tail(trace, 3000))
	}
	// The queue has no after-call work time: the agent takes the next
	// caller at once and wraps the callback up meanwhile.
	if next := book.wait(t, tsunagu.EventContactOffered, b); next.AgentID != oc.agent {
		t.Errorf("the later caller was offered to %q", next.AgentID)
	}
	if _, err := oc.d.Wrap(ctx, tenant, a, oc.agent, tsunagu.WrapUp{DispositionID: "resolved"}); err != nil {
		t.Fatal(err)
	}
	for _, e := range book.of(a) {
		if e.Type == tsunagu.EventContactAbandoned {
			t.Errorf("the callback was recorded as abandoned: %v", types(book.of(a)))
		}
	}
}

// placeOf returns the caller's place once routing has them: telephony
// records contact:queued just before it hands the caller over.
func placeOf(t *testing.T, d *dispatch.Dispatcher, id tsunagu.ContactID) int {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		pos, err := d.Position(t.Context(), tenant, id)
		if tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			if err != nil {
				t.Fatal(err)
			}
			return pos
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("routing does not have %s", id)
		}
	}
}

// stopCenter ends the server's Run and waits for it: every call is over
// and recorded. The center's cleanup finds Run's result where it looks.
func stopCenter(t *testing.T, c *center) {
	t.Helper()
	c.stop()
	select {
	case err := <-c.done:
		c.done <- err
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return")
	}
}

// newCallbackCenter is newOutCenter's setup (the real dispatcher, an
// outbound trunk to a sipp customer, an agent with a browser softphone)
// with announcements every 300 ms, the general queue offering callbacks,
// and the agent on a break.
func newCallbackCenter(t *testing.T) *outCenter {
	t.Helper()
	v := &outVoice{}
	oc := &outCenter{}
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		db := cfg.Store.(*sqlite.DB)
		oc.d = &dispatch.Dispatcher{Store: db, Phone: v, Outbound: v, Log: cfg.Logger}
		cfg.Router = oc.d
		cfg.PositionEvery = 300 * time.Millisecond
	})
	ctx := t.Context()
	oc.center, v.srv, v.db = c, c.srv, c.db
	qs, err := c.db.ListQueues(ctx, tenant)
	must(t, err)
	for _, q := range qs {
		if q.ID == "general" {
			q.CallbackOffer = true
			must(t, c.db.UpdateQueue(ctx, &q))
		}
	}
	oc.port = freePort(t, "udp", false)
	_, err = c.db.SetTrunkOutbound(ctx, tenant, "trunk", &tsunagu.TrunkOutbound{Target: fmt.Sprintf("127.0.0.1:%d", oc.port)})
	must(t, err)
	usr := &tsunagu.User{TenantID: tenant, Username: "op-cb", DisplayName: "折返 花子", Role: tsunagu.RoleAgent}
	must(t, c.db.CreateUser(ctx, usr, "x"))
	oc.agent = usr.AgentID
	must(t, c.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: tenant, ID: "resolved", Name: "解決"}))
	v.sp, oc.browser = browserFor(t, oc.agent)
	dctx, stop := context.WithCancel(context.Background())
	must(t, oc.d.Start(dctx))
	t.Cleanup(func() { stop(); oc.d.Wait() })
	_, err = oc.d.SetAgentState(ctx, tenant, oc.agent, tsunagu.StateChange{State: tsunagu.AgentNotReady, Reason: "break"})
	must(t, err)
	return oc
}

// eventBook keeps every event read, so a test can wait for one contact's
// event without losing another's.
type eventBook struct {
	mu   sync.Mutex
	ch   <-chan tsunagu.Event
	seen []tsunagu.Event
	used map[int64]bool
}

// wait returns the first event of typ about contact ("" any) not returned
// before, failing after a deadline.
func (b *eventBook) wait(t *testing.T, typ tsunagu.EventType, contact tsunagu.ContactID) tsunagu.Event {
	t.Helper()
	return b.find(t, typ, func(e tsunagu.Event) bool { return contact == "" || e.ContactID == contact })
}

// waitOther is wait for an event about any contact but not.
func (b *eventBook) waitOther(t *testing.T, typ tsunagu.EventType, not tsunagu.ContactID) tsunagu.Event {
	t.Helper()
	return b.find(t, typ, func(e tsunagu.Event) bool { return e.ContactID != "" && e.ContactID != not })
}

func (b *eventBook) find(t *testing.T, typ tsunagu.EventType, match func(tsunagu.Event) bool) tsunagu.Event {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used == nil {
		b.used = map[int64]bool{}
	}
	deadline := time.After(30 * time.Second)
	for i := 0; ; {
		for ; i < len(b.seen); i++ {
			if e := b.seen[i]; e.Type == typ && match(e) && !b.used[e.Seq] {
				b.used[e.Seq] = true
				return e
			}
		}
		select {
		case e, ok := <-b.ch: // at index i, looked at next
			if !ok {
				t.Fatal("event subscription dropped")
			}
			b.seen = append(b.seen, e)
		case <-deadline:
			t.Fatalf("no %s within 30 s", typ)
		}
	}
}

// of returns the events seen so far about contact.
func (b *eventBook) of(contact tsunagu.ContactID) []tsunagu.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []tsunagu.Event
	for _, e := range b.seen {
		if e.ContactID == contact {
			out = append(out, e)
		}
	}
	return out
}
