// Package kb is the knowledge base's pure core: the article and result types,
// Japanese normalisation and analysis, synonyms, ranking boosts, snippets, the
// Markdown/CSV importers, the demo corpus and a synthetic corpus generator.
//
// It imports no database or network code (ARCHITECTURE.md §1): the full-text
// index lives behind the Index interface, implemented by sqlite.KBIndex, so the
// same analysis can feed SQLite FTS5 today and a Postgres tsvector later.
package kb

import (
	"context"
	"time"
)

// Status is an article's editorial state. Only published articles are offered
// to agents; drafts and archived articles stay searchable for editors.
type Status string

// The article statuses of issue 7.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusDraft, StatusPublished, StatusArchived:
		return true
	}
	return false
}

// Article is what the index needs to know about one knowledge-base article.
// The main store keeps the full record (versions, authors); this is the
// projection the search index is built from.
type Article struct {
	ID       string
	Title    string
	Body     string // Markdown
	Category string
	Tags     []string
	// QueueIDs scopes the article to queues; empty means every queue.
	QueueIDs    []string
	Status      Status // empty is treated as published
	SolvedCount int    // times agents marked "solved with this"
	UpdatedAt   time.Time
}

// Published reports whether agents may see the article.
func (a Article) Published() bool { return a.Status == "" || a.Status == StatusPublished }

// Result is one search hit, shaped for GET /api/v1/kb/search.
type Result struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Snippet is HTML: the article text, escaped, with the matched words
	// wrapped in <mark>…</mark>. It is safe to insert with innerHTML.
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

// Why an article is suggested without typing (GET /api/v1/kb/suggest).
const (
	WhySolvedOften = "solved-often" // it solved contacts of this queue or reason recently
	WhyReason      = "reason"       // it matches the contact reason
	WhyMenu        = "menu"         // it matches the phone-menu choice the caller made
	WhyQueue       = "queue"        // it is scoped to the contact's queue
	// WhyIncident is reserved for articles pinned to an active incident,
	// shown first once incidents exist (not built yet).
	WhyIncident = "incident"
)

// Suggestion is an article offered for a contact before the operator types.
type Suggestion struct {
	Result
	Why string `json:"why"`
}

// SolvedCount is how often an article was marked "solved with this" on
// recent contacts of a queue and of a contact reason.
type SolvedCount struct {
	ArticleID string
	Queue     int // contacts of the queue asked about
	Reason    int // contacts with the reason asked about
}

// SearchOptions narrows and shapes a search.
type SearchOptions struct {
	Limit    int    // results to return; 0 means DefaultLimit, capped at MaxLimit
	Category string // only this category when not empty
	QueueID  string // only articles scoped to this queue or to every queue
	// Prefix treats the last word of the query as unfinished (typeahead):
	// "パスワ" finds パスワード.
	Prefix bool
	// IncludeUnpublished also returns drafts and archived articles, for editors.
	IncludeUnpublished bool
}

// Search limits.
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// NormLimit returns the effective result count for a requested limit.
func NormLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Index is a full-text index of articles. Implementations are node-local and
// rebuildable from the articles at any time; Upsert and Delete are idempotent
// so that replaying the event log after a crash is harmless.
type Index interface {
	// Search returns the best articles for a free-text query, best first.
	// An empty query returns no results and no error.
	Search(ctx context.Context, query string, opts SearchOptions) ([]Result, error)
	// Upsert adds or replaces one article.
	Upsert(ctx context.Context, a Article) error
	// Delete removes an article; deleting an unknown ID is not an error.
	Delete(ctx context.Context, id string) error
	// Rebuild replaces the whole index with articles, atomically: searches
	// see the old index until the new one is complete.
	Rebuild(ctx context.Context, articles []Article) error
}
