package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// kbCompactAt is how many rows kb_delta and kb_dead may hold before an
// Upsert or Delete folds them into kb_post: enough that a day of editing
// rewrites the blobs of the affected terms a few times only, few enough
// that the rows a search reads beside the blobs stay cheap and the blocks'
// largest impacts (MaxScore's bounds) stay tight.
var kbCompactAt int64 = 50000

// maybeCompact compacts when enough edits have piled up; the caller holds
// the write lock.
func (x *KBIndex) maybeCompact(ctx context.Context) error {
	if x.pending.Load() < kbCompactAt {
		return nil
	}
	return x.compact(ctx)
}

// Compact folds the postings of articles upserted since the last Rebuild or
// Compact (kb_delta) into the posting blobs and drops the postings of
// replaced and deleted articles (kb_dead), rewriting only the terms they
// touch, in one transaction. Searches give the same results before and
// after; it saves them reading rows beside the blobs.
func (x *KBIndex) Compact(ctx context.Context) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	return x.compact(ctx)
}

func (x *KBIndex) compact(ctx context.Context) error {
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	defer tx.Rollback()
	dead := map[string]map[uint32]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT term, n FROM kb_dead`)
	if err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return fmt.Errorf("kb index compact: %w", err)
		}
		if dead[t] == nil {
			dead[t] = map[uint32]bool{}
		}
		dead[t][uint32(n)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	delta := map[string][]kbDeltaPost{}
	rows, err = tx.QueryContext(ctx, `SELECT term, n, impact FROM kb_delta ORDER BY term, n`)
	if err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	for rows.Next() {
		var t string
		var n int64
		var imp int
		if err := rows.Scan(&t, &n, &imp); err != nil {
			rows.Close()
			return fmt.Errorf("kb index compact: %w", err)
		}
		delta[t] = append(delta[t], kbDeltaPost{uint32(n), uint8(imp)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	terms := map[string]bool{}
	for t := range dead {
		terms[t] = true
	}
	for t := range delta {
		terms[t] = true
	}
	get, err := tx.PrepareContext(ctx, `SELECT post FROM kb_post WHERE term = ?`)
	if err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	defer get.Close()
	put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO kb_post(term, df, post) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	defer put.Close()
	del, err := tx.PrepareContext(ctx, `DELETE FROM kb_post WHERE term = ?`)
	if err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	defer del.Close()
	for t := range terms {
		var blob []byte
		if err := get.QueryRowContext(ctx, t).Scan(&blob); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("kb index compact %q: %w", t, err)
		}
		var old kbPosting
		old.setBase(blob)
		var buf kbPostBuf
		gone := dead[t]
		old.each(func(n uint32, impact uint8) {
			if !gone[n] {
				buf.add(n, impact)
			}
		})
		// Upserted documents have numbers above every number in the blob.
		for _, d := range delta[t] {
			buf.add(d.n, d.impact)
		}
		if buf.df == 0 {
			_, err = del.ExecContext(ctx, t)
		} else {
			_, err = put.ExecContext(ctx, t, buf.df, buf.bytes())
		}
		if err != nil {
			return fmt.Errorf("kb index compact %q: %w", t, err)
		}
	}
	base := x.next.Load() - 1
	for _, q := range []string{`DELETE FROM kb_dead`, `DELETE FROM kb_delta`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("kb index compact: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kb_meta SET value = ? WHERE key = 'base'`, strconv.FormatInt(base, 10)); err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index compact: %w", err)
	}
	x.base.Store(base)
	x.pending.Store(0)
	return nil
}
