package acd

import (
	"testing"
	"time"

	"tsunagu"
)

func TestWeeklySchedule_Open(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	w := Weekdays(tokyo, 9*time.Hour, 18*time.Hour)
	w.Days[time.Saturday] = []Span{{22 * time.Hour, 26 * time.Hour}} // Saturday night until 02:00 Sunday
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 1, 5, 9, 0, 0, 0, tokyo), true},     // Monday opening
		{time.Date(2026, 1, 5, 8, 59, 59, 0, tokyo), false},  // just before
		{time.Date(2026, 1, 5, 18, 0, 0, 0, tokyo), false},   // closing is exclusive
		{time.Date(2026, 1, 5, 0, 30, 0, 0, time.UTC), true}, // 09:30 in Tokyo
		{time.Date(2026, 1, 10, 23, 0, 0, 0, tokyo), true},   // Saturday night
		{time.Date(2026, 1, 11, 1, 0, 0, 0, tokyo), true},    // past midnight into Sunday
		{time.Date(2026, 1, 11, 2, 0, 0, 0, tokyo), false},
		{time.Date(2026, 1, 11, 12, 0, 0, 0, tokyo), false}, // Sunday
	} {
		if got := w.Open(tc.at); got != tc.want {
			t.Errorf("Open(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

// TestEngine_FewestContactsNewDay checks that "today" resets at local
// midnight and the heap is re-sorted.
func TestEngine_FewestContactsNewDay(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	e := New(Config{Location: tokyo})
	t0 := time.Date(2026, 1, 5, 23, 0, 0, 0, tokyo)
	must := func(_ []Decision, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.SetQueue(t0, QueueConfig{ID: "q", Strategy: FewestContacts}))
	must(e.Login(t0, AgentSpec{ID: "busy"}))
	must(e.Ready(t0, "busy"))
	for i := range 3 { // "busy" handles three contacts before midnight
		id := tsunagu.ContactID("c" + string(rune('0'+i)))
		at := t0.Add(time.Duration(i) * time.Minute)
		must(e.Queue(at, ContactSpec{ID: id, Queue: "q"}))
		must(e.Accept(at, id, "busy"))
		must(e.End(at, id))
	}
	must(e.Login(t0.Add(10*time.Minute), AgentSpec{ID: "fresh"}))
	must(e.Ready(t0.Add(30*time.Minute), "fresh")) // idle less long, fewer contacts
	ds, _ := e.Queue(t0.Add(40*time.Minute), ContactSpec{ID: "before", Queue: "q"})
	if len(ds) != 1 || ds[0].Agent != "fresh" {
		t.Fatalf("before midnight: %v, want fresh (0 contacts today)", ds)
	}
	must(e.Accept(t0.Add(40*time.Minute), "before", "fresh"))
	must(e.End(t0.Add(50*time.Minute), "before"))
	// After midnight both have 0 today; busy has been idle longer.
	ds, _ = e.Queue(t0.Add(90*time.Minute), ContactSpec{ID: "after", Queue: "q"})
	if len(ds) != 1 || ds[0].Agent != "busy" {
		t.Fatalf("after midnight: %v, want busy (counts reset, longest idle)", ds)
	}
	if err := e.check(); err != nil {
		t.Fatal(err)
	}
}

func TestEngine_Errors(t *testing.T) {
	e := New(Config{})
	e.SetQueue(base, QueueConfig{ID: "q"})
	e.Login(base, AgentSpec{ID: "a"})
	e.Queue(base, ContactSpec{ID: "c", Queue: "q"})
	for name, tc := range map[string]struct {
		err  error
		code string
	}{
		"LoginTwice":      {second(e.Login(base, AgentSpec{ID: "a"})), tsunagu.ECONFLICT},
		"LoginNoID":       {second(e.Login(base, AgentSpec{})), tsunagu.EINVALID},
		"UnknownQueue":    {second(e.Queue(base, ContactSpec{ID: "x", Queue: "nope"})), tsunagu.ENOTFOUND},
		"DuplicateCall":   {second(e.Queue(base, ContactSpec{ID: "c", Queue: "q"})), tsunagu.ECONFLICT},
		"AcceptNotOffer":  {second(e.Accept(base, "c", "a")), tsunagu.ECONFLICT},
		"EndWaiting":      {second(e.End(base, "c")), tsunagu.ECONFLICT},
		"ReadyUnknown":    {second(e.Ready(base, "zz")), tsunagu.ENOTFOUND},
		"NotReadyNoCode":  {second(e.NotReady(base, "a", "")), tsunagu.EINVALID},
		"BadWidening":     {second(e.SetQueue(base, QueueConfig{ID: "w", Widening: []WideningStep{{After: 2}, {After: 1}}})), tsunagu.EINVALID},
		"ExplainNoOffer":  {second2(e.Explain("c")), tsunagu.ENOTFOUND},
		"StatsUnknown":    {second3(e.Stats(base, "nope")), tsunagu.ENOTFOUND},
		"CallbackUnknown": {second(e.ScheduleCallback(base, CallbackSpec{ID: "cb", Queue: "nope"})), tsunagu.ENOTFOUND},
	} {
		if got := tsunagu.ErrorCode(tc.err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %q", name, got, tc.err, tc.code)
		}
	}
}

func second(_ []Decision, err error) error    { return err }
func second2(_ *Explanation, err error) error { return err }
func second3(_ QueueStats, err error) error   { return err }
