package dispatch_test

import (
	"context"
	"testing"

	"tsunagu"
)

// TestDispatch_Position: with no agent available, callers wait in arrival
// order and each is told their own place; one being offered has none.
func TestDispatch_Position(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, second := e.queued(), e.queued()
	for want, c := range map[int]*tsunagu.Contact{1: first, 2: second} {
		if got, err := e.d.Position(ctx, "t", c.ID); err != nil || got != want {
			t.Errorf("position of caller %d: %d, %v", want, got, err)
		}
	}
	if _, err := e.d.SetAgentState(ctx, "t", e.agents[0], tsunagu.StateChange{State: tsunagu.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	e.wait(tsunagu.EventContactOffered, first.ID)
	if _, err := e.d.Position(ctx, "t", first.ID); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("offered caller's position: %v, want conflict", err)
	}
	if got, err := e.d.Position(ctx, "t", second.ID); err != nil || got != 1 {
		t.Errorf("second caller after the first was offered: %d, %v; want 1", got, err)
	}
	if _, err := e.d.Position(ctx, "t", "nobody"); err == nil {
		t.Error("an unknown contact has a position")
	}
}
