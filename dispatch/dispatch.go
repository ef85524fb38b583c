// Package dispatch runs the routing engine for the server. It keeps one
// acd.Engine per tenant (each owned by an acd.Runner goroutine), feeds it
// from the store and from telephony (callers queued, abandoned, ended), lets
// the desk change agent states and answer, end and wrap up contacts, and
// turns the engine's decisions into contact and agent state changes in the
// store — and so into events. Voice is behind the narrow Phone seam
// (telephony bridging the caller with the agent's softphone).
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Store is what dispatch reads and writes.
type Store interface {
	ListTenants(ctx context.Context) ([]tsunagu.Tenant, error)
	tsunagu.TenantStore
	tsunagu.AgentStore
	tsunagu.QueueStore
	tsunagu.ContactStore
	tsunagu.TargetStore
	WrapContact(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, w *tsunagu.WrapUp) (*tsunagu.Contact, error)
	WrapPart(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, w *tsunagu.WrapUp) (*tsunagu.Contact, error) // a transferred part (transfer.go)
	// Transfers (transfer.go): consultation events, and the leaders.
	AppendEvents(ctx context.Context, events ...tsunagu.Event) error
	ListUsers(ctx context.Context, tenant tsunagu.TenantID, p tsunagu.Page) ([]tsunagu.User, string, error)
}

// Phone is the voice side: bridging a queued caller with an agent's audio
// leg, and hanging up (which, like the caller's hang-up, the phone reports
// back through Dispatcher.Ended before Hangup returns). Reachable reports
// whether the agent's phone (the browser softphone) is connected now.
type Phone interface {
	Connect(ctx context.Context, c *tsunagu.Contact) error
	Hangup(ctx context.Context, id tsunagu.ContactID) error
	Hold(ctx context.Context, id tsunagu.ContactID) error
	Resume(ctx context.Context, id tsunagu.ContactID) error
	Reachable(agent tsunagu.AgentID) bool
}

// DefaultOfferTimeout is how long an offer rings before the agent is made
// not-ready ("missed") and the caller goes back to the head of the queue.
const DefaultOfferTimeout = 20 * time.Second

// Dispatcher connects the routing engine to the rest of the center.
type Dispatcher struct {
	Store Store
	// Phone may be nil: then answering records the contact without audio
	// (tests, and a center running without telephony).
	Phone Phone
	Log   *slog.Logger
	Now   func() time.Time
	// OfferTimeout overrides DefaultOfferTimeout (tests).
	OfferTimeout time.Duration

	xfer transfers // consultations in progress (transfer.go)

	rings rings // offers ringing a desk phone (ring.go)

	qcb queueCallbacks // waiting callers' callbacks and expected waits (queuecallback.go)

	// Outbound places agents' calls (outbound.go); nil: none.
	Outbound OutboundPhone
	out      outbounds // agents on an outbound call (outbound.go)

	mu      sync.Mutex
	tenants map[tsunagu.TenantID]*tenant
	ctx     context.Context
	wg      sync.WaitGroup
}

// tenant is one tenant's engine and the worker that writes its outcomes.
type tenant struct {
	id     tsunagu.TenantID
	runner *acd.Runner
	jobs   chan func()
}

var errNotRunning = tsunagu.Errorf(tsunagu.EUNAVAILABLE, "Routing is not running.")

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}

func (d *Dispatcher) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Start starts an engine for every tenant; they serve until ctx ends. Call
// Wait after that to wait for every goroutine Start began.
func (d *Dispatcher) Start(ctx context.Context) error {
	d.mu.Lock()
	d.ctx = ctx
	d.tenants = map[tsunagu.TenantID]*tenant{}
	d.mu.Unlock()
	ts, err := d.Store.ListTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if err := d.closeOrphans(ctx, t.ID); err != nil {
			return err
		}
		if _, err := d.tenant(t.ID); err != nil {
			return err
		}
	}
	return nil
}

// closeOrphans ends the contacts a previous run left in the menu, the
// queue, ringing or connected: their calls did not survive the restart
// (single node: this process owned every call). Left open they would sit in
// "waiting" and in every later report; closed with the reason, the numbers
// stay true. Callers still waiting are counted as abandoned, calls that were
// connected as ended by the system.
func (d *Dispatcher) closeOrphans(ctx context.Context, tid tsunagu.TenantID) error {
	now := d.now()
	for _, state := range []tsunagu.ContactState{tsunagu.ContactArrived, tsunagu.ContactQueued, tsunagu.ContactOffered, tsunagu.ContactConnected} {
		for {
			cs, _, err := d.Store.ListContacts(ctx, tid, tsunagu.ContactFilter{State: state, Page: tsunagu.Page{Limit: tsunagu.MaxPageLimit}})
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				break
			}
			for _, c := range cs {
				if d.orphanCallback(ctx, tid, &c, now) { // queuecallback.go: a promise kept, not an abandon
					continue
				}
				typ, payload := tsunagu.EventContactAbandoned, map[string]any{"reason": "restart"}
				if c.QueuedAt != nil {
					payload["wait_seconds"] = int(now.Sub(*c.QueuedAt).Seconds())
				}
				if state == tsunagu.ContactConnected {
					typ, payload = tsunagu.EventContactEnded, map[string]any{"by": "system", "reason": "restart"}
				}
				if _, err := d.Store.UpdateContact(ctx, tid, c.ID, typ, payload, func(c *tsunagu.Contact) error {
					c.State, c.EndedAt = tsunagu.ContactAbandoned, &now
					if typ == tsunagu.EventContactEnded {
						c.State = tsunagu.ContactEnded
					}
					return nil
				}); err != nil {
					return err
				}
			}
			d.log().Warn("dispatch: closed contacts left open by the last run", "tenant_id", tid, "state", state, "count", len(cs))
		}
	}
	return nil
}

// Wait waits for the engines and workers to stop after Start's ctx ended.
func (d *Dispatcher) Wait() { d.wg.Wait() }

// tenant returns the tenant's engine, starting it on first use: queues are
// loaded, and agents who were in the store as logged in are logged in again
// (not ready, except those who were available and whose phone can ring) —
// calls do not survive a restart, so nobody is still on one.
func (d *Dispatcher) tenant(id tsunagu.TenantID) (*tenant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil || d.ctx.Err() != nil {
		return nil, errNotRunning
	}
	if t, ok := d.tenants[id]; ok {
		return t, nil
	}
	ctx := d.ctx
	info, err := d.Store.FindTenant(ctx, id)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(info.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	e := acd.New(acd.Config{Location: loc})
	t := &tenant{id: id, jobs: make(chan func(), 4096)}
	t.runner = acd.NewRunner(e, d.now, func(ds []acd.Decision) {
		select {
		case t.jobs <- func() { d.apply(ctx, t, ds) }:
		default:
			// The worker is 4,096 batches behind: something is badly stuck.
			// Dropping keeps the engine alive; the store catches up at the
			// agents' next state changes.
			d.log().Error("dispatch: decision queue full; decisions dropped", "tenant_id", id, "count", len(ds))
		}
	})
	now := d.now()
	qs, err := d.Store.ListQueues(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range qs {
		if _, err := e.SetQueue(now, d.queueConfig(&qs[i])); err != nil {
			return nil, fmt.Errorf("queue %s: %w", qs[i].ID, err)
		}
	}
	agents, err := d.Store.ListAgents(ctx, id)
	if err != nil {
		return nil, err
	}
	var resync []tsunagu.AgentID
	for i := range agents {
		a := &agents[i]
		if a.State == tsunagu.AgentOffline {
			continue
		}
		if _, err := e.Login(now, acd.AgentFrom(a)); err != nil {
			return nil, err
		}
		// Available again only with a phone that can ring: after a restart
		// no softphone is connected yet, so the agent chooses again.
		if a.State == tsunagu.AgentAvailable && (d.Phone == nil || d.Phone.Reachable(a.ID)) {
			if _, err := e.Ready(now, a.ID); err != nil {
				return nil, err
			}
		}
		resync = append(resync, a.ID)
	}
	d.tenants[id] = t
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		t.runner.Run(ctx)
	}()
	go func() {
		defer d.wg.Done()
		for {
			select {
			case job := <-t.jobs:
				job()
			case <-ctx.Done():
				return
			}
		}
	}()
	for _, a := range resync {
		t.jobs <- func() { d.syncAgent(ctx, t, a) }
	}
	return t, nil
}

func (d *Dispatcher) queueConfig(q *tsunagu.Queue) acd.QueueConfig {
	cfg := acd.QueueFrom(q)
	// queuecallback.go: the callback offer.
	d.qcb.note(q)
	cfg.Overflow = d.voicemailOverflow(q, cfg.Overflow) // voicemail.go
	switch {
	case q.OfferTimeoutSeconds > 0:
		cfg.OfferTimeout = time.Duration(q.OfferTimeoutSeconds) * time.Second
	case d.OfferTimeout > 0:
		cfg.OfferTimeout = d.OfferTimeout
	default:
		cfg.OfferTimeout = DefaultOfferTimeout
	}
	return cfg
}

// do runs f on the tenant's engine, then runs after on the tenant's worker
// (where every store write happens, in order) and waits for it.
func (d *Dispatcher) do(ctx context.Context, tid tsunagu.TenantID, f func(e *acd.Engine, now time.Time) ([]acd.Decision, error), after func(ctx context.Context, t *tenant) error) error {
	t, err := d.tenant(tid)
	if err != nil {
		return err
	}
	if err := t.runner.Do(ctx, f); err != nil {
		if errors.Is(err, acd.ErrStopped) {
			return errNotRunning
		}
		return err
	}
	if after == nil {
		return nil
	}
	done := make(chan error, 1)
	select {
	case t.jobs <- func() { done <- after(ctx, t) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// syncAgent writes the engine's view of an agent to the store (which appends
// agent:state_changed only when something changed).
func (d *Dispatcher) syncAgent(ctx context.Context, t *tenant, id tsunagu.AgentID) {
	var st acd.AgentStatus
	err := t.runner.Do(ctx, func(e *acd.Engine, _ time.Time) ([]acd.Decision, error) {
		s, err := e.Agent(id)
		st = s
		return nil, err
	})
	state, reason := tsunagu.AgentOffline, ""
	switch {
	case err == nil:
		state, reason = st.State.Root(), string(st.Reason)
	case tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND:
	default:
		d.log().Warn("dispatch: read agent", "agent_id", id, "err", err)
		return
	}
	if _, err := d.Store.SetAgentState(ctx, t.id, id, state, reason, d.now()); err != nil && ctx.Err() == nil {
		d.log().Error("dispatch: store agent state", "agent_id", id, "state", state, "err", err)
	}
}
