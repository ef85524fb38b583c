package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tsunagu"
	"tsunagu/kb"
)

// Scoped implements kb.TenantIndex: the published articles scoped to queue
// (articles for every queue are left out: they say nothing about this
// queue), most solved first, then most recently edited.
func (x *KBIndex) Scoped(ctx context.Context, queue string, limit int) ([]kb.Result, error) {
	if queue == "" {
		return nil, nil
	}
	rows, err := x.r.QueryContext(ctx, `SELECT id, title, plain, solved, updated FROM kb_articles
		WHERE status = 'published' AND instr(queues, ?) > 0 ORDER BY solved DESC, updated DESC, n LIMIT ?`,
		"|"+queue+"|", kb.NormLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("kb scoped: %w", err)
	}
	return x.kbResults(rows)
}

// Lookup implements kb.TenantIndex: the published articles among ids, in
// the order of ids.
func (x *KBIndex) Lookup(ctx context.Context, ids []string) ([]kb.Result, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := x.r.QueryContext(ctx, `SELECT id, title, plain, solved, updated FROM kb_articles
		WHERE status = 'published' AND id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("kb lookup: %w", err)
	}
	rs, err := x.kbResults(rows)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		if _, ok := at[id]; !ok {
			at[id] = i
		}
	}
	out := make([]kb.Result, 0, len(rs))
	byID := make(map[string]kb.Result, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
	}
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
			delete(byID, id)
		}
	}
	return out, nil
}

// kbResults reads rows of (id, title, plain, solved, updated) as results
// with the start of the text as snippet and the boosted score of a match
// of relevance 1, so that they sort like search results would.
func (x *KBIndex) kbResults(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]kb.Result, error) {
	defer rows.Close()
	now := x.Now()
	var out []kb.Result
	for rows.Next() {
		var r kb.Result
		var plain string
		var solved int
		var updated int64
		if err := rows.Scan(&r.ID, &r.Title, &plain, &solved, &updated); err != nil {
			return nil, fmt.Errorf("kb results: %w", err)
		}
		var ut time.Time
		if updated != 0 {
			ut = time.UnixMilli(updated)
		}
		r.Score = kb.Score(1, solved, ut, now)
		r.Snippet = kb.MakeExcerpt(plain, nil, kb.SnippetRunes).HTML()
		out = append(out, r)
	}
	return out, rows.Err()
}

// SolvedArticles counts "solved with this" marks since a time on contacts
// of a queue and on contacts with a reason, most first: what solved calls
// like this one lately (GET /api/v1/kb/suggest). The article:solved events
// carry the contact; the contact carries its queue and reason. Either of
// queue and reason may be empty.
func (db *DB) SolvedArticles(ctx context.Context, tenant tsunagu.TenantID, queue tsunagu.QueueID, reason tsunagu.ReasonID, since time.Time, limit int) ([]kb.SolvedCount, error) {
	if queue == "" && reason == "" {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT e.subject,
			sum(?2 <> '' AND c.queue_id = ?2) AS q, sum(?3 <> '' AND c.reason_id = ?3) AS r
		FROM events e JOIN contacts c ON c.tenant_id = e.tenant_id AND c.id = e.contact_id
		WHERE e.tenant_id = ?1 AND e.type = ?4 AND e.time >= ?5 AND e.contact_id <> ''
			AND ((?2 <> '' AND c.queue_id = ?2) OR (?3 <> '' AND c.reason_id = ?3))
		GROUP BY e.subject ORDER BY q + r DESC, max(e.seq) DESC LIMIT ?6`,
		tenant, queue, reason, tsunagu.EventArticleSolved, ms(since), limit)
	if err != nil {
		return nil, fmt.Errorf("solved articles: %w", err)
	}
	defer rows.Close()
	var out []kb.SolvedCount
	for rows.Next() {
		var c kb.SolvedCount
		if err := rows.Scan(&c.ArticleID, &c.Queue, &c.Reason); err != nil {
			return nil, fmt.Errorf("solved articles: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
