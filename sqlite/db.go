// Package sqlite is the embedded store: SQLite through the CGO-free
// modernc.org/sqlite driver, in WAL mode, with one writer connection and a
// pool of readers. It implements every store interface of package tsunagu and
// appends each change's events in the same transaction as the change.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tsunagu"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

var _ tsunagu.Store = (*DB)(nil)

// DB is an open store. The zero value is not usable; call Open.
type DB struct {
	path string
	dsn  string
	w    *sql.DB // exactly one connection: SQLite allows one writer at a time
	// insertEvent is prepared once on the writer's single connection; a
	// transaction reuses it (Tx.StmtContext on the same connection), which
	// saves compiling the INSERT for every event.
	insertEvent *sql.Stmt
	// savepoint, release and rollbackTo frame each request of a group
	// (prepared for the same reason).
	savepoint, release, rollbackTo *sql.Stmt
	r                              *reader // read pool; WAL lets readers run beside the writer (stmtcache.go)
	// stmts keeps the statements of write functions compiled (stmtcache.go).
	stmts stmtCache

	// published is the highest sequence handed to Publish; owned by the
	// writer goroutine.
	published int64
	// queue feeds write requests to the writer goroutine, the only user of
	// w after Open; it serialises writes in Go rather than in SQLite's busy
	// handler and keeps publishing in commit order.
	queue      chan *writeReq
	stop       chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once

	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// publish receives committed events (see SetPublish).
	publish atomic.Pointer[func(events ...tsunagu.Event)]
}

// Open opens (creating if needed) the database at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	// Pragmas in PocketBase's order: busy_timeout first so that the others
	// can wait for a lock; WAL so readers never block the writer;
	// synchronous=NORMAL is durable across application crashes in WAL and
	// loses at most the last transactions on power loss; foreign keys on.
	pragmas := []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"journal_size_limit(200000000)",
		"synchronous(NORMAL)",
		"foreign_keys(ON)",
		"temp_store(MEMORY)",
		"cache_size(-32000)",
	}
	w, r, dsn, err := openPair(path, pragmas)
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, dsn: dsn, w: w, r: newReader(r), Now: time.Now,
		queue: make(chan *writeReq), stop: make(chan struct{}), writerDone: make(chan struct{})}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.insertEvent, err = db.w.PrepareContext(ctx, `INSERT INTO events(tenant_id, type, time, actor_id, agent_id, contact_id, subject, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{{&db.savepoint, `SAVEPOINT w`}, {&db.release, `RELEASE w`}, {&db.rollbackTo, `ROLLBACK TO w`}} {
		if *p.stmt, err = db.w.PrepareContext(ctx, p.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	if db.published, err = db.LastSeq(ctx); err != nil {
		db.Close()
		return nil, err
	}
	go db.writer()
	return db, nil
}

// openPair opens a database file twice over the CGO-free driver: a writer
// limited to one connection (SQLite has one writer; serialising in Go beats
// waiting in its busy handler, and BEGIN IMMEDIATE takes the write lock up
// front so no reader-turned-writer deadlocks), and a query_only read pool
// that WAL lets run beside it. The store and the search index share it.
func openPair(path string, pragmas []string) (w, r *sql.DB, dsn string, err error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn = "file:" + path + "?" + q.Encode()
	if w, err = sql.Open("sqlite", dsn); err != nil {
		return nil, nil, "", fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if r, err = sql.Open("sqlite", dsn+"&_pragma=query_only(ON)"); err != nil {
		w.Close()
		return nil, nil, "", fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.NumCPU()))
	r.SetMaxIdleConns(max(4, 2*runtime.NumCPU()))
	return w, r, dsn, nil
}

// Close stops the writer after the group it is committing, then folds the
// WAL into the main file so that a copy of the file alone is complete.
// Writes after Close fail with an error.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		close(db.stop)
		if db.rollbackTo != nil { // the writer was started
			<-db.writerDone
		}
		db.stmts.close()
		for _, st := range []*sql.Stmt{db.insertEvent, db.savepoint, db.release, db.rollbackTo} {
			if st != nil {
				st.Close()
			}
		}
		_, _ = db.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		err = errors.Join(db.r.Close(), db.w.Close())
	})
	return err
}

// SetPublish makes f receive every committed event after commit, in
// sequence order, including events other processes append to the same file.
// f runs on the writer goroutine while the next write waits, so it must not
// block: the in-process bus drops a slow subscriber instead. Events committed
// before SetPublish are not replayed; subscribers read those from the log.
func (db *DB) SetPublish(f func(events ...tsunagu.Event)) {
	db.publish.Store(&f)
}

// Path returns the database file path.
func (db *DB) Path() string { return db.path }

// Ping reports whether both the writer and the readers answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction together with its row in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %s", base)
		}
		var n int
		if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
			v, base, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// Backup writes a consistent copy of the database to path while the store
// keeps serving: VACUUM INTO reads one snapshot, so concurrent writes are
// either wholly in the copy or not at all. path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	// A connection of its own: the readers are query_only (VACUUM INTO
	// writes the new file) and the writer must stay free for the center.
	c, err := sql.Open("sqlite", db.dsn)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// tx is one write request's view of the shared transaction and the events
// it appends.
type tx struct {
	*sql.Tx
	ctx         context.Context
	now         time.Time
	events      []tsunagu.Event
	insertEvent *sql.Stmt
	cache       *stmtCache // the writer's compiled statements (stmtcache.go)
}

// writeReq is one call of write waiting for the writer goroutine.
type writeReq struct {
	ctx  context.Context
	fn   func(*tx) error
	done chan error
}

// maxGroup caps how many write requests share one transaction.
const maxGroup = 128

// errClosed is returned by writes after Close.
var errClosed = errors.New("sqlite: store closed")

// write runs fn as one atomic unit of work and publishes its events after
// commit. Requests are group-committed: the writer goroutine takes every
// request waiting at that moment (up to maxGroup) into one transaction, each
// inside its own SAVEPOINT, so a failing request is rolled back alone while
// the others commit together. One commit per group instead of per request is
// what lets many agents' state changes land at tens of thousands a second on
// one SQLite writer.
func (db *DB) write(ctx context.Context, fn func(tx *tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.queue <- r:
	case <-db.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, a request is always answered, so its outcome is known.
	return <-r.done
}

// writer owns the writer connection until stop is closed.
func (db *DB) writer() {
	defer close(db.writerDone)
	poll := time.NewTicker(foreignPoll)
	defer poll.Stop()
	for {
		var first *writeReq
		select {
		case first = <-db.queue:
		case <-poll.C:
			db.publishForeign(math.MaxInt64)
			continue
		case <-db.stop:
			return
		}
		group := []*writeReq{first}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-db.queue:
				group = append(group, r)
			default:
				break gather
			}
		}
		db.commitGroup(group)
	}
}

// foreignPoll is how often an idle writer looks for events that another
// process (the tsunagu CLI: user add, kb import) appended to the same file.
const foreignPoll = time.Second

// publishForeign publishes events with published < seq < before that this
// process did not write: the bus then carries every committed event, whoever
// wrote it. Only the writer goroutine calls it, so published needs no lock.
func (db *DB) publishForeign(before int64) {
	publish := db.publish.Load()
	for publish != nil && db.published+1 < before {
		rows, err := db.w.Query(`SELECT `+eventColumns+` FROM events WHERE seq > ? AND seq < ? ORDER BY seq LIMIT 1000`, db.published, before)
		if err != nil {
			return // the next poll retries; subscribers also resume from the log
		}
		evs, err := scanEvents(rows)
		if err != nil || len(evs) == 0 {
			return
		}
		(*publish)(evs...)
		db.published = evs[len(evs)-1].Seq
	}
}

// commitGroup runs a group of requests in one transaction.
func (db *DB) commitGroup(group []*writeReq) {
	errs := make([]error, len(group))
	txs := make([]*tx, len(group))
	fail := func(err error) {
		for i, r := range group {
			if errs[i] == nil {
				errs[i] = err
			}
			r.done <- errs[i]
		}
	}
	sqlTx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	stmt := sqlTx.Stmt(db.insertEvent)
	savepoint, release, rollbackTo := sqlTx.Stmt(db.savepoint), sqlTx.Stmt(db.release), sqlTx.Stmt(db.rollbackTo)
	now := db.Now()
	// A lone request needs no savepoint: if it fails, the whole transaction
	// is rolled back. Savepoints only keep a failing request of a group from
	// taking the others down with it.
	framed := len(group) > 1
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if framed {
			if _, err := savepoint.Exec(); err != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		t := &tx{Tx: sqlTx, ctx: r.ctx, now: now, insertEvent: stmt, cache: &db.stmts}
		err := r.fn(t)
		switch {
		case err != nil && !framed:
			sqlTx.Rollback()
			errs[i] = err
			fail(err)
			return
		case err != nil:
			errs[i] = err
			if _, rerr := rollbackTo.Exec(); rerr != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", rerr))
				return
			}
		default:
			txs[i] = t
		}
		if framed {
			if _, err := release.Exec(); err != nil {
				sqlTx.Rollback()
				fail(fmt.Errorf("release savepoint: %w", err))
				return
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	db.stmts.prepareWanted(db.w) // the connection is free between transactions
	// Publish in commit order before answering, and before the next group
	// begins, so subscribers see sequence numbers in order. Events another
	// process committed before ours go first.
	for _, t := range txs {
		if t != nil && len(t.events) > 0 {
			db.publishForeign(t.events[0].Seq)
			if publish := db.publish.Load(); publish != nil {
				(*publish)(t.events...)
			}
			db.published = t.events[len(t.events)-1].Seq
		}
	}
	for i, r := range group {
		r.done <- errs[i]
	}
}

// appendEvent writes e to the log inside the transaction and records the
// assigned sequence. The actor is taken from the principal in ctx.
func (t *tx) appendEvent(e tsunagu.Event) error {
	if e.Time.IsZero() {
		e.Time = t.now
	}
	if e.ActorID == "" {
		if p := tsunagu.FromContext(t.ctx); p != nil {
			e.ActorID = p.UserID
		}
	}
	if len(e.Payload) == 0 {
		e.Payload = []byte(`{}`)
	}
	err := t.insertEvent.QueryRowContext(t.ctx, e.TenantID, e.Type, e.Time.UnixMilli(), e.ActorID, e.AgentID, e.ContactID, e.Subject, string(e.Payload)).Scan(&e.Seq)
	if err != nil {
		return fmt.Errorf("append event %s: %w", e.Type, err)
	}
	e.Time = time.UnixMilli(e.Time.UnixMilli()).UTC() // as stored
	t.events = append(t.events, e)
	return nil
}

// newID returns prefix + a ULID-style identifier: 48 bits of milliseconds and
// 80 random bits in Crockford base32, so IDs sort by creation time.
func newID(prefix string, now time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure is unrecoverable
	}
	// 128 bits -> 26 base32 characters, most significant first.
	out := make([]byte, 26)
	var acc uint64
	var bits uint
	j := 0
	// the first character carries the top 3 bits (ULID's 130-bit padding)
	acc, bits = 0, 2
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[j] = alphabet[(acc>>bits)&31]
			j++
		}
	}
	return prefix + string(out[:j])
}

// ms converts a time to stored milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored milliseconds to UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS converts an optional time for storage.
func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// ptrMS converts an optional stored time.
func ptrMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		strings.Contains(err.Error(), "PRIMARY KEY"))
}

// notFound builds the ENOTFOUND error for kind.
func notFound(kind string) error {
	return tsunagu.Errorf(tsunagu.ENOTFOUND, "%s not found.", kind)
}

// Check runs SQLite's integrity check and returns an error naming the first
// problems if the database file is damaged.
func (db *DB) Check(ctx context.Context) error {
	rows, err := db.r.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" && len(problems) < 5 {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

// trimPage cuts a query that asked for limit+1 rows down to limit and
// returns the cursor for the next page ("" when this is the last).
func trimPage[T any](items []T, limit int, key func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[limit-1])
}
