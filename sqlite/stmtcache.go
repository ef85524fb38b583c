package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the writer's statements compiled. database/sql compiles
// every Exec/Query on a transaction afresh, and in the SIP load benchmark
// (docs/benchmarks.md) compiling the same few UPDATE/INSERT statements was a
// third of the writer goroutine's time — the one goroutine every write in
// the process waits for. A statement seen in a transaction runs unprepared
// that once and is noted; after the commit, when the writer's single
// connection is free again, the writer prepares it on that connection, and
// later transactions reuse it (Tx.StmtContext on the same connection does not
// compile again). Only the writer goroutine uses a stmtCache, so it has no
// lock.
type stmtCache struct {
	stmts  map[string]*sql.Stmt
	wanted []string
}

// maxCachedStmts bounds the cache: statements built with a variable number
// of placeholders would otherwise add entries forever.
const maxCachedStmts = 256

// get returns the prepared statement for query, or nil after noting it.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted = append(c.wanted, query)
	}
	return nil
}

// prepareWanted compiles the statements noted since the last call on w,
// whose connection no transaction holds. A statement that fails to compile
// is not retried: it stays unprepared.
func (c *stmtCache) prepareWanted(w *sql.DB) {
	if len(c.wanted) == 0 {
		return
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	for _, q := range c.wanted {
		if _, ok := c.stmts[q]; ok {
			continue
		}
		st, err := w.Prepare(q)
		if err != nil {
			st = nil
		}
		c.stmts[q] = st // nil: not preparable, run as text
	}
	c.wanted = c.wanted[:0]
}

// close releases the statements; the writer has stopped.
func (c *stmtCache) close() {
	for _, st := range c.stmts {
		if st != nil {
			st.Close()
		}
	}
	c.stmts = nil
}

// ExecContext runs query in the transaction, compiled once per process.
func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query in the transaction, compiled once per process.
func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction, compiled once per process.
func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.cache.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// reader is the read pool with its statements kept compiled, for the same
// reason as the writer's: database/sql compiles every QueryContext on a
// *sql.DB afresh, and in the SIP load benchmark compiling the same few
// SELECTs (the agent, the contact, the trunk, the caller's customer record)
// again for every call was 4–5 % of the server's CPU. A *sql.Stmt of the
// pool is compiled on each connection the first time it runs there and
// reused after (database/sql keeps one per connection). Statements built
// with a variable number of placeholders would add entries forever, so at
// most maxCachedStmts are kept; the rest run as text.
type reader struct {
	*sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newReader(db *sql.DB) *reader { return &reader{DB: db, stmts: map[string]*sql.Stmt{}} }

// stmt returns query compiled, or nil when the cache is full or it does
// not compile (then the caller runs the text and gets the error there).
func (r *reader) stmt(ctx context.Context, query string) *sql.Stmt {
	r.mu.Lock()
	st, ok := r.stmts[query]
	full := len(r.stmts) >= maxCachedStmts
	r.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := r.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil // not kept: a cancelled context must not poison the entry
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.stmts[query]; ok { // another reader prepared it meanwhile
		st.Close()
		return old
	}
	r.stmts[query] = st
	return st
}

// QueryContext runs query on the pool, compiled once per connection.
func (r *reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query on the pool, compiled once per connection.
func (r *reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.DB.QueryRowContext(ctx, query, args...)
}

// Close releases the statements and closes the pool.
func (r *reader) Close() error {
	r.mu.Lock()
	for q, st := range r.stmts {
		st.Close()
		delete(r.stmts, q)
	}
	r.mu.Unlock()
	return r.DB.Close()
}
