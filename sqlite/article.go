package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"tsunagu"
)

// ListTenants lists every tenant.
func (db *DB) ListTenants(ctx context.Context) ([]tsunagu.Tenant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, time_zone FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Tenant{}
	for rows.Next() {
		var t tsunagu.Tenant
		if err := rows.Scan(&t.ID, &t.Name, &t.TimeZone); err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateArticle stores version 1 of an article.
func (db *DB) CreateArticle(ctx context.Context, a *tsunagu.Article) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if a.ID == "" {
			a.ID = tsunagu.ArticleID(newID("art_", tx.now))
		}
		a.Version, a.SolvedCount = 1, 0
		a.CreatedAt = fromMS(ms(tx.now))
		a.UpdatedAt = a.CreatedAt
		if p := tsunagu.FromContext(ctx); p != nil {
			a.UpdatedBy = p.UserID
		}
		tags, queues := jsonOf(a.Tags), jsonOf(a.QueueIDs)
		_, err := tx.ExecContext(ctx, `INSERT INTO articles(tenant_id, id, title, body, category, tags, queue_ids, status, version, updated_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`, a.TenantID, a.ID, a.Title, a.Body, a.Category, tags, queues, a.Status, a.UpdatedBy, ms(a.CreatedAt), ms(a.UpdatedAt))
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Article %s exists.", a.ID)
		} else if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		} else if err != nil {
			return fmt.Errorf("create article: %w", err)
		}
		return tx.articleVersion(a)
	})
}

// articleVersion records the current state of a as its version and appends
// article:changed.
func (tx *tx) articleVersion(a *tsunagu.Article) error {
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO article_versions(tenant_id, article_id, version, title, body, category, tags, queue_ids, status, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.TenantID, a.ID, a.Version, a.Title, a.Body, a.Category, jsonOf(a.Tags), jsonOf(a.QueueIDs),
		a.Status, a.UpdatedBy, ms(a.UpdatedAt)); err != nil {
		return fmt.Errorf("article version: %w", err)
	}
	e := tsunagu.NewEvent(a.TenantID, tsunagu.EventArticleChanged, tx.now, map[string]any{"version": a.Version, "status": a.Status, "title": a.Title})
	e.Subject = string(a.ID)
	return tx.appendEvent(e)
}

// UpdateArticle stores a new version, refusing a stale base version.
func (db *DB) UpdateArticle(ctx context.Context, a *tsunagu.Article) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		var current, solved int
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT version, solved_count, created_at FROM articles WHERE tenant_id = ? AND id = ?`, a.TenantID, a.ID).Scan(&current, &solved, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Article")
		} else if err != nil {
			return fmt.Errorf("update article: %w", err)
		}
		if a.Version != current {
			return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "version",
				Message: fmt.Sprintf("Someone saved version %d after the version %d you edited; reload and apply your change again.", current, a.Version)}
		}
		a.Version = current + 1
		a.SolvedCount = solved
		a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(ms(tx.now))
		if p := tsunagu.FromContext(ctx); p != nil {
			a.UpdatedBy = p.UserID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET title = ?, body = ?, category = ?, tags = ?, queue_ids = ?, status = ?, version = ?,
			updated_by = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`, a.Title, a.Body, a.Category, jsonOf(a.Tags), jsonOf(a.QueueIDs), a.Status,
			a.Version, a.UpdatedBy, ms(a.UpdatedAt), a.TenantID, a.ID); err != nil {
			return fmt.Errorf("update article: %w", err)
		}
		return tx.articleVersion(a)
	})
}

const articleColumns = `tenant_id, id, title, body, category, tags, queue_ids, status, version, solved_count, updated_by, created_at, updated_at`

func scanArticle(s interface{ Scan(...any) error }) (*tsunagu.Article, error) {
	var a tsunagu.Article
	var tags, queues string
	var created, updated int64
	if err := s.Scan(&a.TenantID, &a.ID, &a.Title, &a.Body, &a.Category, &tags, &queues, &a.Status, &a.Version, &a.SolvedCount,
		&a.UpdatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("article %s tags: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(queues), &a.QueueIDs); err != nil {
		return nil, fmt.Errorf("article %s queues: %w", a.ID, err)
	}
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

// FindArticle returns the latest version of an article.
func (db *DB) FindArticle(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ArticleID) (*tsunagu.Article, error) {
	a, err := scanArticle(db.r.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Article")
	} else if err != nil {
		return nil, fmt.Errorf("find article: %w", err)
	}
	return a, nil
}

// ListArticles returns a tenant's articles, most recently changed first.
func (db *DB) ListArticles(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Article, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE tenant_id = ? ORDER BY updated_at DESC, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Article{}
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// ArticleVersions returns every version of an article, newest first.
func (db *DB) ArticleVersions(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ArticleID) ([]tsunagu.Article, error) {
	cur, err := db.FindArticle(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT version, title, body, category, tags, queue_ids, status, updated_by, updated_at
		FROM article_versions WHERE tenant_id = ? AND article_id = ? ORDER BY version DESC`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("article versions: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Article{}
	for rows.Next() {
		a := tsunagu.Article{ID: id, TenantID: tenant, CreatedAt: cur.CreatedAt}
		var tags, queues string
		var updated int64
		if err := rows.Scan(&a.Version, &a.Title, &a.Body, &a.Category, &tags, &queues, &a.Status, &a.UpdatedBy, &updated); err != nil {
			return nil, fmt.Errorf("article versions: %w", err)
		}
		_ = json.Unmarshal([]byte(tags), &a.Tags)
		_ = json.Unmarshal([]byte(queues), &a.QueueIDs)
		a.UpdatedAt = fromMS(updated)
		out = append(out, a)
	}
	return out, rows.Err()
}

// RecordSolved counts one "solved with this".
func (db *DB) RecordSolved(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ArticleID, contact tsunagu.ContactID) (*tsunagu.Article, error) {
	var n int
	err := db.write(ctx, func(tx *tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE articles SET solved_count = solved_count + 1 WHERE tenant_id = ? AND id = ? RETURNING solved_count`, tenant, id).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Article")
		} else if err != nil {
			return fmt.Errorf("record solved: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventArticleSolved, tx.now, map[string]any{"solved_count": n})
		e.Subject, e.ContactID = string(id), contact
		if p := tsunagu.FromContext(ctx); p != nil {
			e.AgentID = p.AgentID
		}
		return tx.appendEvent(e)
	})
	if err != nil {
		return nil, err
	}
	return db.FindArticle(ctx, tenant, id)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
