package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tsunagu"
	"tsunagu/kb"
)

// KnowledgeBase answers knowledge searches for a tenant (kb.Indexer).
type KnowledgeBase interface {
	Search(ctx context.Context, tenant tsunagu.TenantID, query string, opts kb.SearchOptions) ([]kb.Result, error)
	// Scoped returns the published articles scoped to a queue, most solved first.
	Scoped(ctx context.Context, tenant tsunagu.TenantID, queue string, limit int) ([]kb.Result, error)
	// Lookup returns the published articles among ids, in that order.
	Lookup(ctx context.Context, tenant tsunagu.TenantID, ids []string) ([]kb.Result, error)
}

// solvedCounter is the store's count of recent "solved with this" marks by
// the solved contact's queue and reason (sqlite.DB). A store without it
// gives no "solved-often" suggestions.
type solvedCounter interface {
	SolvedArticles(ctx context.Context, tenant tsunagu.TenantID, queue tsunagu.QueueID, reason tsunagu.ReasonID, since time.Time, limit int) ([]kb.SolvedCount, error)
}

// SuggestResults is the answer of GET /api/v1/kb/suggest.
type SuggestResults struct {
	Results []kb.Suggestion `json:"results"`
}

// suggestWindow is how far back "solved with this" marks count for
// suggestions: long enough to have a few marks in a small center, short
// enough that last season's campaign fades.
const suggestWindow = 90 * 24 * time.Hour

// kbSuggest offers articles for a contact before the operator types
// anything: those that solved contacts of the same queue or reason lately,
// then matches for the contact reason and for the phone-menu choice the
// caller made, then the articles scoped to the queue. Each says why. An
// agent asks only about a call offered or connected to them; leaders about
// any.
func (s *Server) kbSuggest(w http.ResponseWriter, r *http.Request) error {
	if s.kb == nil {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Knowledge search is not configured on this server.")
	}
	p := principal(r)
	q := r.URL.Query()
	id := tsunagu.ContactID(q.Get("contact_id"))
	if id == "" {
		return tsunagu.FieldError("contact_id", "Say which contact to suggest articles for.")
	}
	limit := 5
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			return tsunagu.FieldError("limit", "limit must be 1–20.")
		}
		limit = n
	}
	ctx := r.Context()
	c, err := s.store.FindContact(ctx, p.TenantID, id)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		return &tsunagu.Error{Code: tsunagu.ENOTFOUND, Field: "contact_id", Message: "No such call."}
	} else if err != nil {
		return err
	}
	if !p.Role.AtLeast(tsunagu.RoleSupervisor) &&
		(c.AgentID == "" || c.AgentID != p.AgentID || (c.State != tsunagu.ContactOffered && c.State != tsunagu.ContactConnected)) {
		return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "contact_id", Message: "This call is not yours."}
	}

	out := []kb.Suggestion{}
	seen := map[string]bool{}
	add := func(rs []kb.Result, why string) {
		for _, res := range rs {
			if len(out) < limit && !seen[res.ID] {
				seen[res.ID] = true
				out = append(out, kb.Suggestion{Result: res, Why: why})
			}
		}
	}
	// Slot for incidents: articles pinned to an active incident
	// (kb.WhyIncident) go first here. There is no incident model yet, so
	// nothing is added.

	if sc, ok := s.store.(solvedCounter); ok && (c.QueueID != "" || c.ReasonID != "") {
		counts, err := sc.SolvedArticles(ctx, p.TenantID, c.QueueID, c.ReasonID, s.now().Add(-suggestWindow), limit)
		if err != nil {
			return err
		}
		ids := make([]string, len(counts))
		for i, n := range counts {
			ids[i] = n.ArticleID
		}
		rs, err := s.kb.Lookup(ctx, p.TenantID, ids)
		if err != nil {
			return err
		}
		add(rs, kb.WhySolvedOften)
	}
	search := func(text, why string, opts kb.SearchOptions) error {
		if text == "" || len(out) >= limit {
			return nil
		}
		opts.Limit = limit
		rs, err := s.kb.Search(ctx, p.TenantID, text, opts)
		if err != nil {
			return err
		}
		add(rs, why)
		return nil
	}
	if c.ReasonID != "" {
		reasons, err := s.store.ListReasons(ctx, p.TenantID)
		if err != nil {
			return err
		}
		for _, rs := range reasons {
			if rs.ID == c.ReasonID {
				if err := search(rs.Name, kb.WhyReason, kb.SearchOptions{QueueID: string(c.QueueID)}); err != nil {
					return err
				}
			}
		}
	}
	label, err := s.menuLabel(ctx, c)
	if err != nil {
		return err
	}
	if err := search(label, kb.WhyMenu, kb.SearchOptions{QueueID: string(c.QueueID)}); err != nil {
		return err
	}
	if c.QueueID != "" && len(out) < limit {
		rs, err := s.kb.Scoped(ctx, p.TenantID, string(c.QueueID), limit)
		if err != nil {
			return err
		}
		add(rs, kb.WhyQueue)
	}
	return reply(w, http.StatusOK, SuggestResults{Results: out})
}

// menuLabel returns the label of the phone-menu option the caller chose
// (一般のお問い合わせ, 料金・解約 …), "" when they chose none. The contact
// records the digit and queue (contact:ivr_done), the trunk the label.
func (s *Server) menuLabel(ctx context.Context, c *tsunagu.Contact) (string, error) {
	evs, err := s.store.ContactEvents(ctx, c.TenantID, c.ID)
	if err != nil {
		return "", err
	}
	var done struct {
		Choice  string          `json:"choice"`
		QueueID tsunagu.QueueID `json:"queue_id"`
	}
	for _, e := range evs {
		if e.Type == tsunagu.EventContactIVRDone {
			_ = json.Unmarshal(e.Payload, &done)
		}
	}
	if done.Choice == "" {
		return "", nil
	}
	trunks, err := s.store.ListTrunks(ctx, c.TenantID)
	if err != nil {
		return "", err
	}
	for _, t := range trunks {
		for _, d := range t.Numbers {
			for _, o := range d.Menu {
				if o.Digit == done.Choice && o.QueueID == done.QueueID {
					return o.Label, nil
				}
			}
		}
	}
	return "", nil
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
