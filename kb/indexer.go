package kb

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"tsunagu"
)

// TenantIndex is one tenant's node-local index with the event-log position it
// has applied (sqlite.KBIndex).
type TenantIndex interface {
	Index
	Cursor(ctx context.Context) (int64, error)
	SetCursor(ctx context.Context, seq int64) error
	NeedsRebuild() bool
	SetSynonyms(s *Synonyms)
	// Scoped returns the published articles scoped to a queue (not those
	// for every queue), most solved first.
	Scoped(ctx context.Context, queue string, limit int) ([]Result, error)
	// Lookup returns the published articles among ids, in the order given.
	Lookup(ctx context.Context, ids []string) ([]Result, error)
	Close() error
}

// IndexerStore is what the indexer reads: articles, the tenant's synonyms
// and the event log.
type IndexerStore interface {
	tsunagu.ArticleStore
	tsunagu.EventLog
	Synonyms(ctx context.Context, tenant tsunagu.TenantID) (string, error)
}

// Indexer keeps one search index per tenant in step with the event log and
// answers searches. Each node runs its own: the index is a projection of the
// log, so in scaled-out mode every node builds the same one from the shared
// store. A new or outdated index is rebuilt from the articles; after that
// only article:* events are applied, from the position the index recorded,
// so a restart or a dropped bus subscription loses nothing.
type Indexer struct {
	Store IndexerStore
	Bus   tsunagu.Bus
	// Open opens (creating if needed) a tenant's index.
	Open func(ctx context.Context, tenant tsunagu.TenantID) (TenantIndex, error)
	Log  *slog.Logger

	mu      sync.Mutex
	indexes map[tsunagu.TenantID]TenantIndex
	applied map[tsunagu.TenantID]int64
	changed chan struct{} // closed and replaced whenever applied moves
}

// FromArticle is the index's view of a stored article.
func FromArticle(a tsunagu.Article) Article {
	qs := make([]string, len(a.QueueIDs))
	for i, q := range a.QueueIDs {
		qs[i] = string(q)
	}
	return Article{ID: string(a.ID), Title: a.Title, Body: a.Body, Category: a.Category, Tags: a.Tags, QueueIDs: qs,
		Status: Status(a.Status), SolvedCount: a.SolvedCount, UpdatedAt: a.UpdatedAt}
}

func (x *Indexer) log() *slog.Logger {
	if x.Log == nil {
		return slog.Default()
	}
	return x.Log
}

// Run brings every tenant's index up to date and follows the log until ctx
// ends, then closes the indexes.
func (x *Indexer) Run(ctx context.Context) error {
	defer x.closeAll()
	for {
		live, cancel := x.Bus.Subscribe(1024)
		tenants, err := x.Store.ListTenants(ctx)
		if err != nil {
			cancel()
			return err
		}
		for _, t := range tenants {
			if err := x.catchUp(ctx, t.ID); err != nil {
				cancel()
				return err
			}
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
				switch e.Type {
				case tsunagu.EventArticleChanged, tsunagu.EventArticleSolved, tsunagu.EventTenantCreated, tsunagu.EventSynonymsChanged:
					if err := x.catchUp(ctx, e.TenantID); err != nil {
						x.log().Error("kb index: catch up", "tenant_id", e.TenantID, "err", err)
					}
				}
			}
		}
		cancel()
	}
}

// index returns the tenant's index, opening it and rebuilding it when new.
// The caller holds x.mu.
func (x *Indexer) index(ctx context.Context, tenant tsunagu.TenantID) (TenantIndex, error) {
	x.lazyInit()
	if idx, ok := x.indexes[tenant]; ok {
		return idx, nil
	}
	idx, err := x.Open(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("open kb index for %s: %w", tenant, err)
	}
	if err := x.loadSynonyms(ctx, tenant, idx); err != nil {
		idx.Close()
		return nil, err
	}
	cursor, err := idx.Cursor(ctx)
	if err != nil {
		idx.Close()
		return nil, err
	}
	if idx.NeedsRebuild() || cursor == 0 {
		if cursor, err = x.rebuild(ctx, tenant, idx); err != nil {
			idx.Close()
			return nil, err
		}
	}
	x.indexes[tenant] = idx
	x.applied[tenant] = cursor
	return idx, nil
}

// loadSynonyms gives the index the built-in dictionary merged with the
// tenant's own. Synonyms are expanded at query time, so no reindex is needed.
// A stored dictionary that no longer parses (it was checked when saved) is
// logged and the built-in one used, rather than failing every search.
func (x *Indexer) loadSynonyms(ctx context.Context, tenant tsunagu.TenantID, idx TenantIndex) error {
	src, err := x.Store.Synonyms(ctx, tenant)
	if err != nil {
		return err
	}
	syn := DefaultSynonyms()
	if src != "" {
		own, err := ParseSynonyms(strings.NewReader(src))
		if err != nil {
			x.log().Error("kb synonyms do not parse; using the built-in ones", "tenant_id", tenant, "err", err)
		} else {
			syn = syn.Merge(own)
		}
	}
	idx.SetSynonyms(syn)
	return nil
}

// rebuild fills idx from every article and returns the log position it
// reflects. The position is read first: events after it are replayed by
// catchUp, which is harmless (Upsert is idempotent).
func (x *Indexer) rebuild(ctx context.Context, tenant tsunagu.TenantID, idx TenantIndex) (int64, error) {
	seq, err := x.Store.LastSeq(ctx)
	if err != nil {
		return 0, err
	}
	arts, err := x.Store.ListArticles(ctx, tenant)
	if err != nil {
		return 0, err
	}
	docs := make([]Article, len(arts))
	for i, a := range arts {
		docs[i] = FromArticle(a)
	}
	if err := idx.Rebuild(ctx, docs); err != nil {
		return 0, err
	}
	if err := idx.SetCursor(ctx, seq); err != nil {
		return 0, err
	}
	x.log().Info("kb index rebuilt", "tenant_id", tenant, "articles", len(docs), "seq", seq)
	return seq, nil
}

// Rebuild rebuilds one tenant's index from the store now (tsunagu kb reindex).
func (x *Indexer) Rebuild(ctx context.Context, tenant tsunagu.TenantID) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	idx, err := x.index(ctx, tenant)
	if err != nil {
		return 0, err
	}
	seq, err := x.rebuild(ctx, tenant, idx)
	if err != nil {
		return 0, err
	}
	x.advance(tenant, seq)
	arts, err := x.Store.ListArticles(ctx, tenant)
	return len(arts), err
}

// catchUp applies the tenant's article events after the index's position.
func (x *Indexer) catchUp(ctx context.Context, tenant tsunagu.TenantID) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	idx, err := x.index(ctx, tenant)
	if err != nil {
		return err
	}
	for {
		evs, err := x.Store.ListEvents(ctx, tenant, x.applied[tenant], 500)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		for _, e := range evs {
			if e.Type == tsunagu.EventSynonymsChanged {
				if err := x.loadSynonyms(ctx, tenant, idx); err != nil {
					return err
				}
				continue
			}
			if e.Type != tsunagu.EventArticleChanged && e.Type != tsunagu.EventArticleSolved {
				continue
			}
			a, err := x.Store.FindArticle(ctx, tenant, tsunagu.ArticleID(e.Subject))
			if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
				if err := idx.Delete(ctx, e.Subject); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
			if err := idx.Upsert(ctx, FromArticle(*a)); err != nil {
				return err
			}
		}
		last := evs[len(evs)-1].Seq
		if err := idx.SetCursor(ctx, last); err != nil {
			return err
		}
		x.advance(tenant, last)
	}
}

// lazyInit makes the maps on first use; the caller holds x.mu.
func (x *Indexer) lazyInit() {
	if x.indexes == nil {
		x.indexes, x.applied, x.changed = map[tsunagu.TenantID]TenantIndex{}, map[tsunagu.TenantID]int64{}, make(chan struct{})
	}
}

// advance records the applied position and wakes WaitFor callers.
func (x *Indexer) advance(tenant tsunagu.TenantID, seq int64) {
	x.applied[tenant] = seq
	close(x.changed)
	x.changed = make(chan struct{})
}

// WaitFor blocks until the tenant's index reflects the log up to seq, so a
// caller that just saved an article can search for it.
func (x *Indexer) WaitFor(ctx context.Context, tenant tsunagu.TenantID, seq int64) error {
	for {
		x.mu.Lock()
		x.lazyInit()
		done, wake := x.applied[tenant] >= seq, x.changed
		x.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Search searches a tenant's articles.
func (x *Indexer) Search(ctx context.Context, tenant tsunagu.TenantID, query string, opts SearchOptions) ([]Result, error) {
	x.mu.Lock()
	idx, err := x.index(ctx, tenant)
	x.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return idx.Search(ctx, query, opts)
}

// Scoped returns a tenant's published articles scoped to queue, most
// solved first (suggestions for a contact of that queue).
func (x *Indexer) Scoped(ctx context.Context, tenant tsunagu.TenantID, queue string, limit int) ([]Result, error) {
	x.mu.Lock()
	idx, err := x.index(ctx, tenant)
	x.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return idx.Scoped(ctx, queue, limit)
}

// Lookup returns a tenant's published articles among ids, as results
// (title and the start of the text), in the order given.
func (x *Indexer) Lookup(ctx context.Context, tenant tsunagu.TenantID, ids []string) ([]Result, error) {
	x.mu.Lock()
	idx, err := x.index(ctx, tenant)
	x.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return idx.Lookup(ctx, ids)
}

// Close closes the indexes (Run does this itself when it returns).
func (x *Indexer) Close() error {
	x.closeAll()
	return nil
}

func (x *Indexer) closeAll() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for t, idx := range x.indexes {
		if err := idx.Close(); err != nil {
			x.log().Warn("kb index close", "tenant_id", t, "err", err)
		}
	}
	x.indexes = nil
	x.changed = nil
}
