package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// Compaction folds the rows that edits leave beside the posting blobs —
// kb_delta (postings of upserted articles) and kb_dead (tombstones of
// replaced and deleted ones) — into the blobs of kb_post.
//
// It runs off the writer's path: the Upsert or Delete that brings the rows
// to kbCompactAt only marks compaction as due (markCompactDue); the
// goroutine that OpenKBIndex starts and Close stops then walks the affected
// terms in order, a chunk at a time. A chunk is one short write transaction
// taking the write lock: at most chunkTerms terms, and no more once it has
// read and written kbCompactChunkBytes of blobs, so an editor's save or the
// indexer's next event waits for one chunk at most, never for a whole
// compaction, and searches run beside it as ever (WAL).
//
// Searches stay exact at every step. For each term a chunk rewrites the
// blob without its tombstoned postings and with its kb_delta postings
// appended, and deletes those rows, in one transaction; a search reads
// blobs, tombstones and delta rows in one read transaction, so it sees the
// term either before or after, and both give the same postings, document
// frequency and impacts. Only the blocks' largest impacts change (they stop
// counting retired postings), which makes MaxScore prune more, never less
// exactly. An article edited while the round runs may have some terms in
// blobs and others still in kb_delta; kbRetire handles that case.

// kbCompactAt is how many rows kb_delta and kb_dead may hold before a
// write marks compaction as due: enough that a day of editing rewrites the
// blobs of the affected terms a few times only, few enough that the rows a
// search reads beside the blobs stay cheap and the blocks' largest impacts
// (MaxScore's bounds) stay tight.
var kbCompactAt int64 = 50000

// kbCompactChunkTerms and kbCompactChunkBytes bound one chunk of a
// compaction: a chunk stops after this many terms, or after the first term
// that brings the blob bytes it read and wrote to this many. A common
// bigram's blob among 100,000 articles is ~100 KB, so a chunk stays in the
// tens of milliseconds.
const (
	kbCompactChunkTerms = 128
	kbCompactChunkBytes = 512 << 10
)

// markCompactDue wakes the compaction goroutine when enough edits have
// piled up. It never blocks: a token already waiting stands for this one.
func (x *KBIndex) markCompactDue() {
	if x.pending.Load() < kbCompactAt {
		return
	}
	select {
	case x.due <- struct{}{}:
	default:
	}
}

// compactLoop is the compaction goroutine: one round each time compaction
// is marked due, until ctx (cancelled by Close) ends. A failed round is
// logged and left: its committed chunks stand, the rest stays readable
// from kb_delta and kb_dead, and the next write marks it due again.
func (x *KBIndex) compactLoop(ctx context.Context) {
	defer close(x.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.due:
		}
		hook := x.compactHook.Load()
		err := x.compactRound(ctx, hook)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			slog.Warn("kb index: background compaction failed", "path", x.path, "err", err)
		}
		if hook != nil {
			(*hook)(true)
		}
	}
}

// Compact folds every pending edit into the posting blobs now, in chunks
// as the background compaction does, and returns when none is left (but
// for edits made meanwhile to terms it had passed). Searches give the same
// results before, during and after.
func (x *KBIndex) Compact(ctx context.Context) error {
	return x.compactRound(ctx, nil)
}

// compactRound compacts every term with pending rows, in term order, one
// chunk per transaction. hook, if any, is called before each chunk.
func (x *KBIndex) compactRound(ctx context.Context, hook *func(bool)) error {
	after := ""
	for {
		if hook != nil {
			(*hook)(false)
		}
		last, more, err := x.compactChunk(ctx, after)
		if err != nil || !more {
			return err
		}
		after = last
	}
}

// compactChunk compacts the next terms after the term after, in one
// transaction. It returns the last term it compacted and whether there
// may be more.
func (x *KBIndex) compactChunk(ctx context.Context, after string) (string, bool, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return "", false, fmt.Errorf("kb index compact: %w", err)
	}
	defer tx.Rollback()
	limit := max(1, x.chunkTerms)
	terms, err := kbNextTerms(ctx, tx, after, limit)
	if err != nil {
		return "", false, fmt.Errorf("kb index compact: %w", err)
	}
	if len(terms) == 0 {
		return "", false, nil
	}
	var stmts [7]*sql.Stmt
	for i, q := range []string{
		`SELECT post FROM kb_post WHERE term = ?`,
		`SELECT n FROM kb_dead WHERE term = ?`,
		`SELECT n, impact FROM kb_delta WHERE term = ? ORDER BY n`,
		`INSERT OR REPLACE INTO kb_post(term, df, post) VALUES (?, ?, ?)`,
		`DELETE FROM kb_post WHERE term = ?`,
		`DELETE FROM kb_dead WHERE term = ?`,
		`DELETE FROM kb_delta WHERE term = ?`,
	} {
		if stmts[i], err = tx.PrepareContext(ctx, q); err != nil {
			return "", false, fmt.Errorf("kb index compact: %w", err)
		}
		defer stmts[i].Close()
	}
	get, getDead, getDelta, put, delPost, delDead, delDelta := stmts[0], stmts[1], stmts[2], stmts[3], stmts[4], stmts[5], stmts[6]
	base := x.base.Load()
	var removed int64
	var bytes int
	last := ""
	for _, t := range terms {
		var blob []byte
		if err := get.QueryRowContext(ctx, t).Scan(&blob); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", false, fmt.Errorf("kb index compact %q: %w", t, err)
		}
		gone := map[uint32]bool{}
		if err := kbEachRow(ctx, getDead, t, func(rows *sql.Rows) error {
			var n int64
			err := rows.Scan(&n)
			gone[uint32(n)] = true
			return err
		}); err != nil {
			return "", false, fmt.Errorf("kb index compact %q: %w", t, err)
		}
		var delta []kbDeltaPost
		if err := kbEachRow(ctx, getDelta, t, func(rows *sql.Rows) error {
			var n int64
			var imp int
			err := rows.Scan(&n, &imp)
			delta = append(delta, kbDeltaPost{uint32(n), uint8(imp)})
			return err
		}); err != nil {
			return "", false, fmt.Errorf("kb index compact %q: %w", t, err)
		}
		var old kbPosting
		old.setBase(blob)
		var buf kbPostBuf
		old.each(func(n uint32, impact uint8) {
			if !gone[n] {
				buf.add(n, impact)
			}
		})
		// Documents are numbered in the order they were indexed, and a
		// term's kb_delta rows are all newer than its blob.
		for _, d := range delta {
			buf.add(d.n, d.impact)
			base = max(base, int64(d.n))
		}
		var out []byte
		if buf.df == 0 {
			_, err = delPost.ExecContext(ctx, t)
		} else {
			out = buf.bytes()
			_, err = put.ExecContext(ctx, t, buf.df, out)
		}
		if err != nil {
			return "", false, fmt.Errorf("kb index compact %q: %w", t, err)
		}
		for _, st := range []*sql.Stmt{delDead, delDelta} {
			res, err := st.ExecContext(ctx, t)
			if err != nil {
				return "", false, fmt.Errorf("kb index compact %q: %w", t, err)
			}
			k, _ := res.RowsAffected()
			removed += k
		}
		last = t
		if bytes += len(blob) + len(out); bytes >= kbCompactChunkBytes {
			break
		}
	}
	// base is the highest document number a blob may hold: an article
	// above it has all its postings in kb_delta (kbRetire).
	if base != x.base.Load() {
		if _, err := tx.ExecContext(ctx, `UPDATE kb_meta SET value = ? WHERE key = 'base'`, strconv.FormatInt(base, 10)); err != nil {
			return "", false, fmt.Errorf("kb index compact: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", false, fmt.Errorf("kb index compact: %w", err)
	}
	x.base.Store(base)
	x.pending.Add(-removed)
	return last, last != terms[len(terms)-1] || len(terms) == limit, nil
}

// kbNextTerms returns the first limit terms after after that have rows in
// kb_dead or kb_delta, in order. Both tables are keyed by (term, n), so
// each query walks its primary key from after and stops early.
func kbNextTerms(ctx context.Context, tx *sql.Tx, after string, limit int) ([]string, error) {
	var lists [2][]string
	for i, q := range []string{
		`SELECT DISTINCT term FROM kb_dead WHERE term > ? ORDER BY term LIMIT ?`,
		`SELECT DISTINCT term FROM kb_delta WHERE term > ? ORDER BY term LIMIT ?`,
	} {
		rows, err := tx.QueryContext(ctx, q, after, limit)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return nil, err
			}
			lists[i] = append(lists[i], t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Merge the two sorted lists, without repeats.
	a, b := lists[0], lists[1]
	out := make([]string, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0] < b[0]):
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0 || b[0] < a[0]:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return out, nil
}

// kbEachRow runs the one-argument query st with arg and calls f on each row.
func kbEachRow(ctx context.Context, st *sql.Stmt, arg string, f func(*sql.Rows) error) error {
	rows, err := st.QueryContext(ctx, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
