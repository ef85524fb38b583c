package acd

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tsunagu"
)

func TestRunner(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	decisions := make(chan Decision, 16)
	e := New(Config{})
	r := NewRunner(e, time.Now, func(ds []Decision) {
		for _, d := range ds {
			decisions <- d
		}
	})
	var wg sync.WaitGroup
	wg.Add(1)
	var runErr error
	go func() { defer wg.Done(); runErr = r.Run(ctx) }()

	do := func(f func(e *Engine, now time.Time) ([]Decision, error)) {
		t.Helper()
		if err := r.Do(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(kind DecisionKind) Decision {
		t.Helper()
		select {
		case d := <-decisions:
			if d.Kind != kind {
				t.Fatalf("got %s, want %s", d, kind)
			}
			return d
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s decision", kind)
		}
		return Decision{}
	}
	do(func(e *Engine, now time.Time) ([]Decision, error) {
		return e.SetQueue(now, QueueConfig{ID: "q", OfferTimeout: 20 * time.Millisecond})
	})
	do(func(e *Engine, now time.Time) ([]Decision, error) { return e.Login(now, AgentSpec{ID: "a"}) })
	do(func(e *Engine, now time.Time) ([]Decision, error) { return e.Ready(now, "a") })
	// Several goroutines queue contacts at once; the runner serialises them.
	var cw sync.WaitGroup
	for _, id := range []tsunagu.ContactID{"c1", "c2", "c3"} {
		cw.Add(1)
		go func() {
			defer cw.Done()
			if err := r.Do(ctx, func(e *Engine, now time.Time) ([]Decision, error) {
				return e.Queue(now, ContactSpec{ID: id, Queue: "q"})
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	cw.Wait()
	offer := expect(DecisionOffer)
	// Nobody answers: the runner's own timer fires the offer timeout.
	if d := expect(DecisionOfferTimedOut); d.Contact != offer.Contact {
		t.Errorf("timed out %s, offered %s", d.Contact, offer.Contact)
	}
	err := r.Do(ctx, func(e *Engine, now time.Time) ([]Decision, error) { return e.Ready(now, "zz") })
	if tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("err = %v", err)
	}
	cancel()
	wg.Wait()
	if !errors.Is(runErr, context.Canceled) {
		t.Errorf("Run returned %v", runErr)
	}
	if err := r.Do(context.Background(), func(e *Engine, now time.Time) ([]Decision, error) { return nil, nil }); !errors.Is(err, ErrStopped) {
		t.Errorf("Do after stop = %v", err)
	}
}
