package acd

import (
	"context"
	"errors"
	"time"
)

// ErrStopped is returned by Runner.Do once the runner is no longer running.
var ErrStopped = errors.New("acd: runner stopped")

// Runner owns an Engine in one goroutine: commands arrive over a channel and
// run one at a time, timers are fired when the engine's next deadline comes,
// and every decision goes to the sink in order. Nothing else may touch the
// engine while Run is running.
type Runner struct {
	e    *Engine
	now  func() time.Time
	sink func([]Decision)
	cmds chan command
	done chan struct{}
}

type command struct {
	f     func(e *Engine, now time.Time) ([]Decision, error)
	reply chan error
}

// NewRunner returns a runner for e. now is the clock (time.Now in
// production); sink receives every batch of decisions, in the runner's
// goroutine, and must not block for long or call back into the runner.
func NewRunner(e *Engine, now func() time.Time, sink func([]Decision)) *Runner {
	return &Runner{e: e, now: now, sink: sink, cmds: make(chan command), done: make(chan struct{})}
}

// Run serves commands and timers until ctx is done. Call it once; it is the
// engine's owner goroutine.
func (r *Runner) Run(ctx context.Context) error {
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.fireDue()
		wait := time.Hour
		if d, ok := r.e.NextDeadline(); ok {
			wait = max(d.Sub(r.now()), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-r.cmds:
			ds, err := c.f(r.e, r.now())
			r.deliver(ds)
			c.reply <- err
		case <-timer.C:
		}
	}
}

// fireDue ticks the engine for every deadline already reached, each at its
// own time so that the decisions are stamped when they were due.
func (r *Runner) fireDue() {
	now := r.now()
	for {
		d, ok := r.e.NextDeadline()
		if !ok || d.After(now) {
			return
		}
		r.deliver(r.e.Tick(d))
	}
}

func (r *Runner) deliver(ds []Decision) {
	if len(ds) > 0 && r.sink != nil {
		r.sink(append([]Decision(nil), ds...)) // the engine reuses its slice
	}
}

// Do runs f on the engine in the runner's goroutine with the current time
// and returns its error; its decisions go to the sink before Do returns.
// Read-only queries (Stats, Explain) go through Do too.
func (r *Runner) Do(ctx context.Context, f func(e *Engine, now time.Time) ([]Decision, error)) error {
	c := command{f: f, reply: make(chan error, 1)}
	select {
	case r.cmds <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return ErrStopped
	}
	select {
	case err := <-c.reply:
		return err
	case <-r.done:
		return ErrStopped
	}
}
