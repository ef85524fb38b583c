package floor

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"tsunagu"
)

// Store is what a Board reads: the event log, the tenants (their time
// zones) and the queues and agents that name the figures.
type Store interface {
	tsunagu.EventLog
	FindTenant(ctx context.Context, id tsunagu.TenantID) (*tsunagu.Tenant, error)
	ListQueues(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Queue, error)
	ListAgents(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Agent, error)
}

// replayPage is how many events one store read returns while catching up.
const replayPage = 5000

// Board keeps one Fold per tenant in step with the event log: at start it
// replays the log (the fold needs the agents' last states, however old, and
// today's events), then it follows the bus, catching up from the store
// whenever the bus drops it — the same resumable pattern as the event
// stream and the knowledge index. Figures are computed here, on the server,
// so every screen shows the same numbers by the same rules.
type Board struct {
	Store      Store
	Bus        tsunagu.Bus
	Log        *slog.Logger
	Thresholds Thresholds

	mu      sync.Mutex
	folds   map[tsunagu.TenantID]*Fold
	applied int64         // last sequence applied, store-wide
	changed chan struct{} // closed and replaced whenever applied moves
}

func (b *Board) log() *slog.Logger {
	if b.Log == nil {
		return slog.Default()
	}
	return b.Log
}

func (b *Board) init() {
	if b.folds == nil {
		b.folds = map[tsunagu.TenantID]*Fold{}
		b.changed = make(chan struct{})
	}
}

// Run replays the log and follows it until ctx ends.
func (b *Board) Run(ctx context.Context) error {
	b.mu.Lock()
	b.init()
	b.mu.Unlock()
	for {
		live, cancel := b.Bus.Subscribe(4096)
		if err := b.catchUp(ctx); err != nil {
			cancel()
			return err
		}
	follow:
		for {
			select {
			case <-ctx.Done():
				cancel()
				return nil
			case e, ok := <-live:
				if !ok {
					break follow // dropped for lagging: catch up from the log
				}
				b.mu.Lock()
				if e.Seq == b.applied+1 {
					err := b.apply(ctx, e, true)
					b.mu.Unlock()
					if err != nil {
						cancel()
						return err
					}
					continue
				}
				b.mu.Unlock()
				// A gap (events another process appended, or ones this
				// subscription missed): the log has them in order.
				if e.Seq > b.Applied() {
					if err := b.catchUp(ctx); err != nil {
						cancel()
						return err
					}
				}
			}
		}
		cancel()
	}
}

// catchUp applies every event after the last applied, from the store.
func (b *Board) catchUp(ctx context.Context) error {
	dirty := map[tsunagu.TenantID]bool{}
	for {
		b.mu.Lock()
		after := b.applied
		b.mu.Unlock()
		evs, err := b.Store.ListEvents(ctx, "", after, replayPage)
		if err != nil {
			return err
		}
		b.mu.Lock()
		for _, e := range evs {
			if e.Seq <= b.applied {
				continue
			}
			if configEvent(e.Type) {
				dirty[e.TenantID] = true
			}
			if err := b.apply(ctx, e, false); err != nil {
				b.mu.Unlock()
				return err
			}
		}
		// The configuration read from the store is today's, whatever
		// the replayed events say: read it once per tenant, after.
		for tenant := range dirty {
			if err := b.reload(ctx, tenant); err != nil {
				b.mu.Unlock()
				return err
			}
			delete(dirty, tenant)
		}
		b.mu.Unlock()
		if len(evs) < replayPage {
			return nil
		}
	}
}

// configEvent reports whether events of type t may change what names the
// figures: queues, users and agents (names, skills, teams), reference data.
// Logins and state changes, the frequent ones, do not.
func configEvent(t tsunagu.EventType) bool {
	noun, verb, _ := strings.Cut(string(t), ":")
	switch noun {
	case "queue", "reference", "team", "tenant":
		return true
	case "user":
		return verb != "logged_in" && verb != "logged_out" && verb != "login_failed" && verb != "password_changed"
	case "agent":
		return verb != "state_changed"
	}
	return false
}

// reload reads a tenant's configuration again; b.mu is held.
func (b *Board) reload(ctx context.Context, tenant tsunagu.TenantID) error {
	f, err := b.fold(ctx, tenant)
	if err != nil {
		return err
	}
	cfg, err := b.config(ctx, tenant)
	if err != nil {
		return err
	}
	f.SetConfig(cfg)
	return nil
}

// apply folds e into its tenant's fold; b.mu is held. A live event that
// changes what names the figures (a queue or an agent created or changed)
// reloads the tenant's configuration first.
func (b *Board) apply(ctx context.Context, e tsunagu.Event, live bool) error {
	f, err := b.fold(ctx, e.TenantID)
	if err != nil {
		return err
	}
	if live && configEvent(e.Type) {
		if err := b.reload(ctx, e.TenantID); err != nil {
			return err
		}
	}
	f.Apply(e)
	b.applied = e.Seq
	close(b.changed)
	b.changed = make(chan struct{})
	return nil
}

// fold returns the tenant's fold, creating it with the tenant's
// configuration; b.mu is held.
func (b *Board) fold(ctx context.Context, tenant tsunagu.TenantID) (*Fold, error) {
	b.init()
	if f, ok := b.folds[tenant]; ok {
		return f, nil
	}
	cfg, err := b.config(ctx, tenant)
	if err != nil {
		return nil, err
	}
	f := New(cfg)
	b.folds[tenant] = f
	return f, nil
}

// config reads a tenant's queues, agents and time zone.
func (b *Board) config(ctx context.Context, tenant tsunagu.TenantID) (Config, error) {
	return LoadConfig(ctx, b.Store, tenant, b.Thresholds)
}

// LoadConfig reads what names a tenant's figures from the store.
func LoadConfig(ctx context.Context, s Store, tenant tsunagu.TenantID, th Thresholds) (Config, error) {
	cfg := Config{Location: time.UTC, Thresholds: th}
	t, err := s.FindTenant(ctx, tenant)
	if err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		return cfg, err
	}
	if t != nil {
		if loc, err := time.LoadLocation(t.TimeZone); err == nil {
			cfg.Location = loc
		}
	}
	if cfg.Queues, err = s.ListQueues(ctx, tenant); err != nil {
		return cfg, err
	}
	if cfg.Agents, err = s.ListAgents(ctx, tenant); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Applied is the sequence number of the last event the board has applied.
func (b *Board) Applied() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.applied
}

// Snapshot returns the tenant's floor at now, once the board has applied
// every event up to at least after (a screen that saw event N on its stream
// asks for a snapshot that includes it). It waits for that until ctx ends.
func (b *Board) Snapshot(ctx context.Context, tenant tsunagu.TenantID, after int64, now time.Time) (Snapshot, error) {
	for {
		b.mu.Lock()
		b.init()
		if b.applied >= after {
			f, err := b.fold(ctx, tenant)
			if err != nil {
				b.mu.Unlock()
				return Snapshot{}, err
			}
			s := f.Snapshot(now)
			s.Seq = b.applied // the tenant's figures include everything up to here
			b.mu.Unlock()
			return s, nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Snapshot{}, ctx.Err()
		}
	}
}
