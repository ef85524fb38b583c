package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"tsunagu"
	"tsunagu/kb"
)

// KnowledgeBase answers knowledge searches for a tenant (kb.Indexer).
type KnowledgeBase interface {
	Search(ctx context.Context, tenant tsunagu.TenantID, query string, opts kb.SearchOptions) ([]kb.Result, error)
}

// SearchResults is the answer of GET /api/v1/kb/search.
type SearchResults struct {
	Results []kb.Result `json:"results"`
}

// kbSearch searches while the caller waits on hold: typeahead with
// ?prefix=1, filters by category and queue. Agents search published
// articles; editors may include drafts and archived ones.
func (s *Server) kbSearch(w http.ResponseWriter, r *http.Request) error {
	if s.kb == nil {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Knowledge search is not configured on this server.")
	}
	p := principal(r)
	q := r.URL.Query()
	query := q.Get("q")
	if utf8.RuneCountInString(query) > 200 {
		return tsunagu.FieldError("q", "A search is at most 200 characters.")
	}
	opts := kb.SearchOptions{Category: q.Get("category"), QueueID: q.Get("queue_id"), Prefix: q.Get("prefix") == "1" || q.Get("prefix") == "true"}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > kb.MaxLimit {
			return tsunagu.FieldError("limit", "limit must be 1–%d.", kb.MaxLimit)
		}
		opts.Limit = n
	}
	if v := q.Get("include_unpublished"); v == "1" || v == "true" {
		if !p.Role.AtLeast(tsunagu.RoleSupervisor) {
			return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "include_unpublished", Message: "Only editors search drafts."}
		}
		opts.IncludeUnpublished = true
	}
	res, err := s.kb.Search(r.Context(), p.TenantID, query, opts)
	if err != nil {
		return err
	}
	if res == nil {
		res = []kb.Result{}
	}
	return reply(w, http.StatusOK, SearchResults{Results: res})
}

// articleRequest is what an editor sends; version is the one they edited.
type articleRequest struct {
	Title    string            `json:"title"`
	Body     string            `json:"body"`
	Category string            `json:"category"`
	Tags     []string          `json:"tags"`
	QueueIDs []tsunagu.QueueID `json:"queue_ids"`
	Status   string            `json:"status"`
	Version  int               `json:"version"`
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	as, err := s.store.ListArticles(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	out := as[:0]
	for _, a := range as {
		if a.Status == tsunagu.ArticlePublished || p.Role.AtLeast(tsunagu.RoleSupervisor) {
			out = append(out, a)
		}
	}
	return reply(w, http.StatusOK, List[tsunagu.Article]{Items: out})
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	a, err := s.store.FindArticle(r.Context(), p.TenantID, tsunagu.ArticleID(r.PathValue("id")))
	if err != nil {
		return err
	}
	if a.Status != tsunagu.ArticlePublished && !p.Role.AtLeast(tsunagu.RoleSupervisor) {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "Article not found.")
	}
	return reply(w, http.StatusOK, a)
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) error {
	var req articleRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Version != 0 {
		return tsunagu.FieldError("version", "A new article has no version.")
	}
	a := &tsunagu.Article{TenantID: principal(r).TenantID, Title: req.Title, Body: req.Body, Category: req.Category, Tags: req.Tags, QueueIDs: req.QueueIDs, Status: req.Status}
	if err := s.store.CreateArticle(r.Context(), a); err != nil {
		return err
	}
	return created(w, a)
}

func (s *Server) updateArticle(w http.ResponseWriter, r *http.Request) error {
	var req articleRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Version < 1 {
		return tsunagu.FieldError("version", "Send the version you edited.")
	}
	a := &tsunagu.Article{ID: tsunagu.ArticleID(r.PathValue("id")), TenantID: principal(r).TenantID, Title: req.Title, Body: req.Body,
		Category: req.Category, Tags: req.Tags, QueueIDs: req.QueueIDs, Status: req.Status, Version: req.Version}
	if err := s.store.UpdateArticle(r.Context(), a); err != nil {
		return err
	}
	return reply(w, http.StatusOK, a)
}

func (s *Server) articleVersions(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.store.ArticleVersions(r.Context(), principal(r).TenantID, tsunagu.ArticleID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.Article]{Items: vs})
}

// articleSolved records "solved with this", on the contact when given.
func (s *Server) articleSolved(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ContactID tsunagu.ContactID `json:"contact_id"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	if req.ContactID != "" {
		if _, err := s.store.FindContact(r.Context(), p.TenantID, req.ContactID); err != nil {
			if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
				return tsunagu.FieldError("contact_id", "Unknown contact.")
			}
			return err
		}
	}
	a, err := s.store.RecordSolved(r.Context(), p.TenantID, tsunagu.ArticleID(r.PathValue("id")), req.ContactID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, a)
}

// rollbackArticle saves an earlier version's content as a new version; the
// caller names the version they are looking at, so a concurrent edit is not
// silently overwritten.
func (s *Server) rollbackArticle(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ToVersion int `json:"to_version"`
		Version   int `json:"version"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	id := tsunagu.ArticleID(r.PathValue("id"))
	vs, err := s.store.ArticleVersions(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Version == req.ToVersion {
			a := &tsunagu.Article{ID: id, TenantID: p.TenantID, Title: v.Title, Body: v.Body, Category: v.Category, Tags: v.Tags,
				QueueIDs: v.QueueIDs, Status: v.Status, Version: req.Version}
			if err := s.store.UpdateArticle(r.Context(), a); err != nil {
				return err
			}
			return reply(w, http.StatusOK, a)
		}
	}
	return tsunagu.FieldError("to_version", "Article %s has no version %d.", id, req.ToVersion)
}

// createFeedback: an agent tells the editors an article is wrong, outdated
// or missing (with what they searched for).
func (s *Server) createFeedback(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ArticleID tsunagu.ArticleID `json:"article_id"`
		Kind      string            `json:"kind"`
		Note      string            `json:"note"`
		Query     string            `json:"query"`
		ContactID tsunagu.ContactID `json:"contact_id"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	f := &tsunagu.ArticleFeedback{TenantID: principal(r).TenantID, ArticleID: req.ArticleID, Kind: req.Kind, Note: req.Note, Query: req.Query, ContactID: req.ContactID}
	if err := s.store.CreateFeedback(r.Context(), f); err != nil {
		return err
	}
	return created(w, f)
}

func (s *Server) listFeedback(w http.ResponseWriter, r *http.Request) error {
	open := true
	switch r.URL.Query().Get("status") {
	case "", "open":
	case "all":
		open = false
	default:
		return tsunagu.FieldError("status", "status is open or all.")
	}
	fs, err := s.store.ListFeedback(r.Context(), principal(r).TenantID, open)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.ArticleFeedback]{Items: fs})
}

func (s *Server) resolveFeedback(w http.ResponseWriter, r *http.Request) error {
	f, err := s.store.ResolveFeedback(r.Context(), principal(r).TenantID, tsunagu.FeedbackID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, f)
}

// Synonyms is the tenant's own synonym dictionary: one group a line, members
// separated by "=" or ",", "#" for comments. The built-in groups always apply.
type Synonyms struct {
	Source string     `json:"source"`
	Groups [][]string `json:"groups"`
}

func (s *Server) getSynonyms(w http.ResponseWriter, r *http.Request) error {
	src, err := s.store.Synonyms(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	out := Synonyms{Source: src, Groups: [][]string{}}
	if syn, err := kb.ParseSynonyms(strings.NewReader(src)); err == nil {
		out.Groups = syn.Groups()
	}
	return reply(w, http.StatusOK, out)
}

// setSynonyms checks every line before storing: a bad line is reported with
// its number and nothing changes.
func (s *Server) setSynonyms(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Source string `json:"source"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	syn, err := kb.ParseSynonyms(strings.NewReader(req.Source))
	if err != nil {
		var ie *kb.ImportError
		if errors.As(err, &ie) {
			return &tsunagu.Error{Code: tsunagu.EINVALID, Field: "source", Message: ie.Error()}
		}
		return err
	}
	if err := s.store.SetSynonyms(r.Context(), principal(r).TenantID, req.Source); err != nil {
		return err
	}
	return reply(w, http.StatusOK, Synonyms{Source: req.Source, Groups: syn.Groups()})
}
