package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

// ImportArticles creates new articles and replaces existing ones (matched by
// ID) as new versions, in one transaction: an import lands whole or not at
// all.
func (db *DB) ImportArticles(ctx context.Context, tenant tsunagu.TenantID, as []tsunagu.Article) (created, updated int, err error) {
	for i := range as {
		as[i].TenantID = tenant
		if err := as[i].Validate(); err != nil {
			e := err.(*tsunagu.Error)
			e.Message = fmt.Sprintf("Article %d (%s): %s", i+1, as[i].ID, e.Message)
			return 0, 0, e
		}
	}
	err = db.write(ctx, func(tx *tx) error {
		created, updated = 0, 0
		var by tsunagu.UserID
		if p := tsunagu.FromContext(ctx); p != nil {
			by = p.UserID
		}
		for i := range as {
			a := &as[i]
			a.UpdatedBy, a.UpdatedAt = by, fromMS(ms(tx.now))
			var version, solved int
			var createdAt int64
			err := tx.QueryRowContext(ctx, `SELECT version, solved_count, created_at FROM articles WHERE tenant_id = ? AND id = ?`, tenant, a.ID).
				Scan(&version, &solved, &createdAt)
			switch {
			case errors.Is(err, sql.ErrNoRows) || a.ID == "":
				if a.ID == "" {
					a.ID = tsunagu.ArticleID(newID("art_", tx.now))
				}
				a.Version, a.SolvedCount, a.CreatedAt = 1, 0, a.UpdatedAt
				if _, err := tx.ExecContext(ctx, `INSERT INTO articles(tenant_id, id, title, body, category, tags, queue_ids, status, version, updated_by, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`, tenant, a.ID, a.Title, a.Body, a.Category, jsonOf(a.Tags), jsonOf(a.QueueIDs), a.Status, by, ms(a.CreatedAt), ms(a.UpdatedAt)); err != nil {
					return fmt.Errorf("import article %s: %w", a.ID, err)
				}
				created++
			case err != nil:
				return fmt.Errorf("import article %s: %w", a.ID, err)
			default:
				a.Version, a.SolvedCount, a.CreatedAt = version+1, solved, fromMS(createdAt)
				if _, err := tx.ExecContext(ctx, `UPDATE articles SET title = ?, body = ?, category = ?, tags = ?, queue_ids = ?, status = ?, version = ?,
					updated_by = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`, a.Title, a.Body, a.Category, jsonOf(a.Tags), jsonOf(a.QueueIDs), a.Status,
					a.Version, by, ms(a.UpdatedAt), tenant, a.ID); err != nil {
					return fmt.Errorf("import article %s: %w", a.ID, err)
				}
				updated++
			}
			if err := tx.articleVersion(a); err != nil {
				return err
			}
		}
		return nil
	})
	return created, updated, err
}

// CreateFeedback stores an agent's feedback to the editors.
func (db *DB) CreateFeedback(ctx context.Context, f *tsunagu.ArticleFeedback) error {
	if err := f.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if f.ArticleID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM articles WHERE tenant_id = ? AND id = ?`, f.TenantID, f.ArticleID).Scan(&n); err != nil {
				return fmt.Errorf("create feedback: %w", err)
			}
			if n == 0 {
				return tsunagu.FieldError("article_id", "Unknown article.")
			}
		}
		f.ID = tsunagu.FeedbackID(newID("fbk_", tx.now))
		f.CreatedAt, f.Open = fromMS(ms(tx.now)), true
		var agent tsunagu.AgentID
		if p := tsunagu.FromContext(ctx); p != nil {
			f.UserID, agent = p.UserID, p.AgentID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_feedback(tenant_id, id, article_id, kind, note, query, contact_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.TenantID, f.ID, f.ArticleID, f.Kind, f.Note, f.Query, f.ContactID, f.UserID, ms(f.CreatedAt)); err != nil {
			return fmt.Errorf("create feedback: %w", err)
		}
		e := tsunagu.NewEvent(f.TenantID, tsunagu.EventArticleFeedback, tx.now, map[string]any{"kind": f.Kind, "article_id": f.ArticleID})
		e.Subject, e.ContactID, e.AgentID = string(f.ID), f.ContactID, agent
		return tx.appendEvent(e)
	})
}

const feedbackColumns = `tenant_id, id, article_id, kind, note, query, contact_id, user_id, open, resolved_by, created_at, resolved_at`

func scanFeedback(s interface{ Scan(...any) error }) (*tsunagu.ArticleFeedback, error) {
	var f tsunagu.ArticleFeedback
	var created int64
	var resolved sql.NullInt64
	if err := s.Scan(&f.TenantID, &f.ID, &f.ArticleID, &f.Kind, &f.Note, &f.Query, &f.ContactID, &f.UserID, &f.Open, &f.ResolvedBy, &created, &resolved); err != nil {
		return nil, err
	}
	f.CreatedAt, f.ResolvedAt = fromMS(created), ptrMS(resolved)
	return &f, nil
}

// ListFeedback lists feedback newest first.
func (db *DB) ListFeedback(ctx context.Context, tenant tsunagu.TenantID, open bool) ([]tsunagu.ArticleFeedback, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+feedbackColumns+` FROM article_feedback WHERE tenant_id = ? AND (? = 0 OR open = 1) ORDER BY id DESC LIMIT 1000`, tenant, open)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.ArticleFeedback{}
	for rows.Next() {
		f, err := scanFeedback(rows)
		if err != nil {
			return nil, fmt.Errorf("list feedback: %w", err)
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// ResolveFeedback closes an open feedback entry.
func (db *DB) ResolveFeedback(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.FeedbackID) (*tsunagu.ArticleFeedback, error) {
	var out *tsunagu.ArticleFeedback
	err := db.write(ctx, func(tx *tx) error {
		var by tsunagu.UserID
		if p := tsunagu.FromContext(ctx); p != nil {
			by = p.UserID
		}
		f, err := scanFeedback(tx.QueryRowContext(ctx, `UPDATE article_feedback SET open = 0, resolved_by = ?, resolved_at = ?
			WHERE tenant_id = ? AND id = ? AND open = 1 RETURNING `+feedbackColumns, by, ms(tx.now), tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return tsunagu.Errorf(tsunagu.ENOTFOUND, "No open feedback %s.", id)
		} else if err != nil {
			return fmt.Errorf("resolve feedback: %w", err)
		}
		out = f
		e := tsunagu.NewEvent(tenant, tsunagu.EventFeedbackResolved, tx.now, nil)
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
	return out, err
}

// Synonyms returns the tenant's synonym dictionary source.
func (db *DB) Synonyms(ctx context.Context, tenant tsunagu.TenantID) (string, error) {
	var src string
	err := db.r.QueryRowContext(ctx, `SELECT source FROM kb_synonyms WHERE tenant_id = ?`, tenant).Scan(&src)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("synonyms: %w", err)
	}
	return src, nil
}

// SetSynonyms replaces the tenant's synonym dictionary source.
func (db *DB) SetSynonyms(ctx context.Context, tenant tsunagu.TenantID, source string) error {
	return db.write(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kb_synonyms(tenant_id, source, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`, tenant, source, ms(tx.now)); err != nil {
			if isForeignKey(err) {
				return tsunagu.FieldError("tenant_id", "Unknown tenant.")
			}
			return fmt.Errorf("set synonyms: %w", err)
		}
		return tx.appendEvent(tsunagu.NewEvent(tenant, tsunagu.EventSynonymsChanged, tx.now, nil))
	})
}
