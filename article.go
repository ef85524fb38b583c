package tsunagu

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ArticleID identifies a knowledge-base article.
type ArticleID string

// Article statuses: only published articles are offered to agents.
const (
	ArticleDraft     = "draft"
	ArticlePublished = "published"
	ArticleArchived  = "archived"
)

// Article is a knowledge-base entry (こんな時はどうする?): what to do in a case.
// Every change makes a new version; the article carries the latest.
type Article struct {
	ID          ArticleID `json:"id"`
	TenantID    TenantID  `json:"tenant_id"`
	Title       string    `json:"title"`
	Body        string    `json:"body"` // Markdown, rendered safely by the UI
	Category    string    `json:"category"`
	Tags        []string  `json:"tags"`
	QueueIDs    []QueueID `json:"queue_ids"` // empty: every queue
	Status      string    `json:"status"`
	Version     int       `json:"version"`
	SolvedCount int       `json:"solved_count"` // times agents marked "solved with this"
	UpdatedBy   UserID    `json:"updated_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate checks and tidies an article before it is stored.
func (a *Article) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	a.Category = strings.TrimSpace(a.Category)
	if a.Title == "" || utf8.RuneCountInString(a.Title) > 200 {
		return FieldError("title", "Title is required (at most 200 characters).")
	}
	if strings.TrimSpace(a.Body) == "" || len(a.Body) > 200_000 {
		return FieldError("body", "Body is required (at most 200,000 bytes).")
	}
	if utf8.RuneCountInString(a.Category) > 100 {
		return FieldError("category", "Category is at most 100 characters.")
	}
	if len(a.Tags) > 30 {
		return FieldError("tags", "At most 30 tags.")
	}
	for i, t := range a.Tags {
		a.Tags[i] = strings.TrimSpace(t)
		if a.Tags[i] == "" || utf8.RuneCountInString(a.Tags[i]) > 50 {
			return FieldError("tags", "Tags are 1–50 characters.")
		}
	}
	switch a.Status {
	case "":
		a.Status = ArticlePublished
	case ArticleDraft, ArticlePublished, ArticleArchived:
	default:
		return FieldError("status", "Status must be draft, published or archived.")
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.QueueIDs == nil {
		a.QueueIDs = []QueueID{}
	}
	return nil
}

// ArticleStore keeps articles and their versions.
type ArticleStore interface {
	// CreateArticle stores version 1 and appends article:changed.
	CreateArticle(ctx context.Context, a *Article) error
	// UpdateArticle stores a new version. a.Version must be the version the
	// editor started from: ECONFLICT when someone else saved in between.
	UpdateArticle(ctx context.Context, a *Article) error
	FindArticle(ctx context.Context, tenant TenantID, id ArticleID) (*Article, error)
	// ListArticles returns every article of the tenant (for index rebuilds
	// and editors' lists), newest change first.
	ListArticles(ctx context.Context, tenant TenantID) ([]Article, error)
	// ArticleVersions returns every version, newest first.
	ArticleVersions(ctx context.Context, tenant TenantID, id ArticleID) ([]Article, error)
	// RecordSolved counts "solved with this" and appends article:solved,
	// linked to the contact when one is given.
	RecordSolved(ctx context.Context, tenant TenantID, id ArticleID, contact ContactID) (*Article, error)
	// ListTenants lists every tenant (for node-local indexes).
	ListTenants(ctx context.Context) ([]Tenant, error)
}

// FeedbackID identifies a knowledge-base feedback entry.
type FeedbackID string

// Feedback kinds an agent can send to the editors.
const (
	FeedbackWrong    = "wrong"    // the article says something wrong
	FeedbackOutdated = "outdated" // it was right once
	FeedbackMissing  = "missing"  // no article answers this (ArticleID may be empty)
)

// ArticleFeedback is an agent telling the editors "this article is wrong or
// missing", from the desk, often mid-call.
type ArticleFeedback struct {
	ID         FeedbackID `json:"id"`
	TenantID   TenantID   `json:"tenant_id"`
	ArticleID  ArticleID  `json:"article_id,omitempty"`
	Kind       string     `json:"kind"`
	Note       string     `json:"note"`
	Query      string     `json:"query,omitempty"` // what the agent searched for
	ContactID  ContactID  `json:"contact_id,omitempty"`
	UserID     UserID     `json:"user_id"`
	Open       bool       `json:"open"`
	ResolvedBy UserID     `json:"resolved_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// Validate checks feedback before it is stored.
func (f *ArticleFeedback) Validate() error {
	switch f.Kind {
	case FeedbackWrong, FeedbackOutdated:
		if f.ArticleID == "" {
			return FieldError("article_id", "Say which article is %s.", f.Kind)
		}
	case FeedbackMissing:
	default:
		return FieldError("kind", "Kind must be wrong, outdated or missing.")
	}
	f.Note = strings.TrimSpace(f.Note)
	if f.Note == "" && f.Query == "" {
		return FieldError("note", "Tell the editors what is wrong or what you looked for.")
	}
	if utf8.RuneCountInString(f.Note) > 2000 || utf8.RuneCountInString(f.Query) > 200 {
		return FieldError("note", "Notes are at most 2,000 characters, queries 200.")
	}
	return nil
}

// KnowledgeStore keeps what surrounds the articles: feedback, imports and the
// tenant's synonym dictionary.
type KnowledgeStore interface {
	// ImportArticles creates or (by ID) replaces articles as new versions,
	// all or nothing; it returns how many were created and updated.
	ImportArticles(ctx context.Context, tenant TenantID, as []Article) (created, updated int, err error)
	CreateFeedback(ctx context.Context, f *ArticleFeedback) error
	// ListFeedback lists feedback, open entries only when open is true.
	ListFeedback(ctx context.Context, tenant TenantID, open bool) ([]ArticleFeedback, error)
	ResolveFeedback(ctx context.Context, tenant TenantID, id FeedbackID) (*ArticleFeedback, error)
	// Synonyms returns the tenant's synonym dictionary source ("" if none).
	Synonyms(ctx context.Context, tenant TenantID) (string, error)
	// SetSynonyms stores the source (already parsed by the caller) and
	// appends kb:synonyms_changed.
	SetSynonyms(ctx context.Context, tenant TenantID, source string) error
}
