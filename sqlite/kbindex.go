package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tsunagu/kb"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ kb.Index = (*KBIndex)(nil)

// KBIndex is the node-local knowledge-base search index: an SQLite file of
// its own (not the main store), holding an FTS5 table of the terms package kb
// produces. It is derived data: delete the file and Rebuild from the articles
// at any time. In scaled-out mode every node keeps its own copy, fed from the
// event log, so a search never crosses the network.
//
// The FTS5 table uses the plain unicode61 tokenizer over terms that kb has
// already analysed (kagome base forms, character bigrams, kana readings),
// separated by spaces. Doing the Japanese analysis in Go keeps the SQL
// portable (Postgres can store the same terms in a tsvector) and avoids the
// trigram tokenizer, which cannot match the two-character queries (解約) that
// operators type most.
type KBIndex struct {
	path string
	w    *sql.DB // one connection: a single writer
	r    *sql.DB // read pool
	wmu  sync.Mutex

	stale atomic.Bool
	syn   atomic.Pointer[kb.Synonyms]

	// Now is the clock used for the freshness boost; replaceable in tests.
	Now func() time.Time
}

// Column weights for FTS5's bm25(), in the order of the kb_fts columns.
// A word in the title says far more about an article than one in its body;
// bigrams and readings are fallbacks for typos, unknown words and kana
// input, so they count, but less than a real word match.
const (
	kbWeightTitle      = 8.0
	kbWeightBody       = 2.0
	kbWeightTitleGrams = 3.0
	kbWeightBodyGrams  = 1.0
	kbWeightYomi       = 0.5
)

// kbSchemaVersion changes with kbSchema; together with kb.AnalyzerVersion it
// decides whether an existing file can be used or must be rebuilt.
const kbSchemaVersion = 6

// kbSchema is applied when the file is new or was built by another analyzer
// or schema version. content=” with contentless_delete keeps the index
// small (the terms are not stored a second time) while allowing deletes.
// The filters (status, queue, category) are not in the FTS table at all: an
// UNINDEXED column is read for every matching row, and a filter token such as
// "published" makes bm25() count its whole posting list on every query;
// both cost milliseconds at 100k articles. Filters are applied to the
// top-ranked candidates instead (see Search). kb_df keeps each term's
// document frequency, used to leave out terms too common to be worth
// scanning; FTS5's own fts5vocab table counts them by walking the posting
// list, ~0.1 ms per common term at 100k articles, too slow for every query.
const kbSchema = `
CREATE TABLE kb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE kb_articles (
	n        INTEGER PRIMARY KEY,
	id       TEXT NOT NULL UNIQUE,
	title    TEXT NOT NULL,
	plain    TEXT NOT NULL, -- body as plain text, for snippets (the store keeps the Markdown)
	category TEXT NOT NULL,
	tags     TEXT NOT NULL,
	queues   TEXT NOT NULL,
	status   TEXT NOT NULL,
	solved   INTEGER NOT NULL,
	updated  INTEGER NOT NULL
);
CREATE VIRTUAL TABLE kb_fts USING fts5(
	title, body, tgrams, grams, yomi,
	content='', contentless_delete=1,
	tokenize='unicode61 remove_diacritics 0'
);
CREATE TABLE kb_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
`

// kbVersion is the value of kb_meta's "analyzer" row for this build.
var kbVersion = strconv.Itoa(kb.AnalyzerVersion) + "." + strconv.Itoa(kbSchemaVersion)

// OpenKBIndex opens or creates the index file at path (e.g.
// <data>/kb-index.db). If the file was built by a different analyzer
// version its contents are dropped and NeedsRebuild reports true; the caller
// then calls Rebuild with every article from the store.
func OpenKBIndex(ctx context.Context, path string) (*KBIndex, error) {
	w, r, _, err := openPair(path, []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "temp_store(MEMORY)", "cache_size(-32000)"})
	if err != nil {
		return nil, fmt.Errorf("kb index: %w", err)
	}
	x := &KBIndex{path: path, w: w, r: r, Now: time.Now}
	x.syn.Store(kb.DefaultSynonyms())
	if err := x.init(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open kb index %s: %w", path, err)
	}
	return x, nil
}

// init creates the schema, or recreates it when the analyzer changed.
func (x *KBIndex) init(ctx context.Context) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	var version string
	err := x.w.QueryRowContext(ctx, `SELECT value FROM kb_meta WHERE key = 'analyzer'`).Scan(&version)
	if err == nil && version == kbVersion {
		var built string
		_ = x.w.QueryRowContext(ctx, `SELECT value FROM kb_meta WHERE key = 'built'`).Scan(&built)
		x.stale.Store(built != "1")
		return nil
	}
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The shadow tables are named too: files from schema version 1 used
	// contentless_unindexed, and SQLite 3.54 leaves that table's
	// kb_fts_content behind when the virtual table is dropped.
	for _, t := range []string{"kb_vocab", "kb_df", "kb_fts", "kb_fts_data", "kb_fts_idx", "kb_fts_content", "kb_fts_docsize", "kb_fts_config", "kb_articles", "kb_meta"} {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, kbSchema); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO kb_meta(key, value) VALUES ('analyzer', ?), ('built', '0'), ('cursor', '0')`, kbVersion); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	x.stale.Store(true)
	return nil
}

// Close closes the index.
func (x *KBIndex) Close() error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	return errors.Join(x.r.Close(), x.w.Close())
}

// Path returns the index file's path.
func (x *KBIndex) Path() string { return x.path }

// NeedsRebuild reports whether the index is new or was built by another
// analyzer version, and has not been rebuilt since: searches will miss
// articles until Rebuild is called.
func (x *KBIndex) NeedsRebuild() bool { return x.stale.Load() }

// SetSynonyms replaces the synonym dictionary used by later searches. No
// reindex is needed: synonyms are expanded in the query.
func (x *KBIndex) SetSynonyms(s *kb.Synonyms) {
	if s == nil {
		s = kb.NewSynonyms(nil)
	}
	x.syn.Store(s)
}

// Cursor returns the event sequence number recorded by SetCursor: where a
// node resumes reading the event log after a restart.
func (x *KBIndex) Cursor(ctx context.Context) (int64, error) {
	var v string
	if err := x.r.QueryRowContext(ctx, `SELECT value FROM kb_meta WHERE key = 'cursor'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("kb index cursor: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

// SetCursor records the sequence number of the last event applied. Record it
// after applying the event: a crash in between replays the event, which is
// harmless because Upsert and Delete are idempotent.
func (x *KBIndex) SetCursor(ctx context.Context, seq int64) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	_, err := x.w.ExecContext(ctx, `UPDATE kb_meta SET value = ? WHERE key = 'cursor'`, strconv.FormatInt(seq, 10))
	if err != nil {
		return fmt.Errorf("kb index set cursor: %w", err)
	}
	return nil
}

// Count returns the number of indexed articles.
func (x *KBIndex) Count(ctx context.Context) (int, error) {
	var n int
	err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM kb_articles`).Scan(&n)
	return n, err
}

// kbDoc is an article with its analysed terms, ready to insert.
type kbDoc struct {
	a        kb.Article
	t        kb.Terms
	plain    string
	distinct []string // every distinct term, for kb_df
}

func kbAnalyze(a kb.Article) kbDoc {
	t := kb.AnalyzeArticle(a)
	return kbDoc{a: a, t: t, plain: kb.StripMarkdown(a.Body), distinct: kbDistinct(t)}
}

// kbDistinct returns the distinct terms of all columns.
func kbDistinct(t kb.Terms) []string {
	seen := map[string]bool{}
	var out []string
	for _, col := range [][]string{t.Title, t.Body, t.TitleGrams, t.BodyGrams, t.Yomi} {
		for _, w := range col {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// kbDFAdd adds delta to the document frequency of terms.
func kbDFAdd(ctx context.Context, tx *sql.Tx, terms []string, delta int) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO kb_df(term, df) VALUES (?1, max(?2, 0))
		ON CONFLICT(term) DO UPDATE SET df = max(df + ?2, 0)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, t := range terms {
		if _, err := st.ExecContext(ctx, t, delta); err != nil {
			return err
		}
	}
	return nil
}

// Upsert adds or replaces one article. The analysis runs before the write
// lock is taken, so a long article does not hold up other writers.
func (x *KBIndex) Upsert(ctx context.Context, a kb.Article) error {
	if a.ID == "" {
		return errors.New("kb index upsert: empty article id")
	}
	d := kbAnalyze(a)
	x.wmu.Lock()
	defer x.wmu.Unlock()
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	defer tx.Rollback()
	if err := kbDelete(ctx, tx, a.ID); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	if err := kbInsert(ctx, tx, d); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	if err := kbDFAdd(ctx, tx, d.distinct, +1); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	return nil
}

// Delete removes an article; an unknown id is not an error.
func (x *KBIndex) Delete(ctx context.Context, id string) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kb index delete %s: %w", id, err)
	}
	defer tx.Rollback()
	if err := kbDelete(ctx, tx, id); err != nil {
		return fmt.Errorf("kb index delete %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index delete %s: %w", id, err)
	}
	return nil
}

// kbDelete removes an article and its document frequencies. The FTS table
// is contentless, so the old terms are recomputed from the stored text; the
// plain text analyses to the same terms as the Markdown it came from, up to
// Markdown corner cases, and kb_df is only an estimate for query planning.
func kbDelete(ctx context.Context, tx *sql.Tx, id string) error {
	var n int64
	var old kb.Article
	var tags string
	err := tx.QueryRowContext(ctx, `SELECT n, title, plain, category, tags FROM kb_articles WHERE id = ?`, id).Scan(&n, &old.Title, &old.Body, &old.Category, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if tags != "" {
		old.Tags = strings.Split(tags, "|")
	}
	if err := kbDFAdd(ctx, tx, kbDistinct(kb.AnalyzeArticle(old)), -1); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kb_fts WHERE rowid = ?`, n); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM kb_articles WHERE n = ?`, n)
	return err
}

// kbQueues encodes queue IDs as "|a|b|" for the articles table.
func kbQueues(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return "|" + strings.Join(ids, "|") + "|"
}

func kbStatus(s kb.Status) string {
	if s == "" {
		return string(kb.StatusPublished)
	}
	return string(s)
}

func kbInsert(ctx context.Context, tx *sql.Tx, d kbDoc) error {
	a := d.a
	var updated int64
	if !a.UpdatedAt.IsZero() {
		updated = a.UpdatedAt.UnixMilli()
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO kb_articles(id, title, plain, category, tags, queues, status, solved, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Title, d.plain, a.Category, strings.Join(a.Tags, "|"), kbQueues(a.QueueIDs), kbStatus(a.Status), a.SolvedCount, updated)
	if err != nil {
		return err
	}
	n, err := res.LastInsertId()
	if err != nil {
		return err
	}
	j := func(s []string) string { return strings.Join(s, " ") }
	_, err = tx.ExecContext(ctx, `INSERT INTO kb_fts(rowid, title, body, tgrams, grams, yomi)
		VALUES (?, ?, ?, ?, ?, ?)`,
		n, j(d.t.Title), j(d.t.Body), j(d.t.TitleGrams), j(d.t.BodyGrams), j(d.t.Yomi))
	return err
}

// Rebuild replaces the whole index with articles in one transaction, so
// searches see the old index until the new one is complete. Analysis, the
// expensive part, runs on every core while one goroutine writes. When an ID
// occurs twice the later article wins, as it would replaying events.
func (x *KBIndex) Rebuild(ctx context.Context, articles []kb.Article) error {
	last := make(map[string]int, len(articles))
	for i, a := range articles {
		if a.ID == "" {
			return fmt.Errorf("kb index rebuild: article %d has no id", i)
		}
		last[a.ID] = i
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	docs := make(chan kbDoc, 64)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				select {
				case docs <- kbAnalyze(articles[i]):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i, a := range articles {
			if last[a.ID] != i {
				continue
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(docs) }()
	// Whatever happens below, cancel and drain so the workers exit before
	// Rebuild returns.
	defer func() {
		cancel()
		for range docs {
		}
	}()

	x.wmu.Lock()
	defer x.wmu.Unlock()
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	defer tx.Rollback()
	for _, stmt := range []string{`DELETE FROM kb_fts`, `DELETE FROM kb_articles`, `DELETE FROM kb_df`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("kb index rebuild: %w", err)
		}
	}
	df := map[string]int{}
	for d := range docs {
		if err := kbInsert(ctx, tx, d); err != nil {
			return fmt.Errorf("kb index rebuild %s: %w", d.a.ID, err)
		}
		for _, t := range d.distinct {
			df[t]++
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO kb_df(term, df) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	for t, n := range df {
		if _, err := st.ExecContext(ctx, t, n); err != nil {
			st.Close()
			return fmt.Errorf("kb index rebuild: %w", err)
		}
	}
	st.Close()
	// Merge the FTS b-trees into one: smaller file, fewer seeks per query.
	if _, err := tx.ExecContext(ctx, `INSERT INTO kb_fts(kb_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("kb index rebuild optimize: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kb_meta SET value = '1' WHERE key = 'built'`); err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	x.stale.Store(false)
	// Fold the WAL back into the file so that its size is the index size.
	_, _ = x.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
}

// kbBudget bounds how many documents one query makes FTS5 score. bm25()
// costs about a microsecond per matching document (it reads each one's
// length), so an OR of common bigrams over 100k articles took tens of
// milliseconds; terms are therefore taken rarest first until their document
// frequencies add up to the budget. Rare terms carry most of the bm25 weight
// anyway, and on a small knowledge base nothing is left out.
const kbBudget = 600

// kbQuote quotes a term or phrase for FTS5. Terms contain only letters and
// digits, but quotes are doubled anyway so that no input can inject syntax.
func kbQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// kbClause is one OR operand of the MATCH expression and its estimated
// document count.
type kbClause struct {
	expr string
	text string // the term, prefix or phrase, unquoted
	df   int
}

// kbStep is one MATCH expression to try. A bounded step scores only the
// kbBudget most recently indexed matches: it is used when every clause is
// too common for the budget, where scoring every match would cost tens of
// milliseconds for a query too vague to rank well anyway.
type kbStep struct {
	expr    string
	bounded bool
}

// kbPlan chooses the MATCH expressions to try, in order: the budgeted OR of
// the rarest clauses, or, when even the rarest clause is over budget, the
// AND of the two rarest unrelated clauses and then the rarest alone, both
// bounded.
func (x *KBIndex) kbPlan(ctx context.Context, q kb.Query) ([]kbStep, error) {
	words := append([]string(nil), q.Terms...)
	for _, ph := range q.Phrases {
		words = append(words, ph...)
	}
	df := make(map[string]int, len(words))
	if len(words) > 0 {
		args := make([]any, len(words))
		for i, w := range words {
			args[i] = w
		}
		rows, err := x.r.QueryContext(ctx, `SELECT term, df FROM kb_df WHERE term IN (?`+strings.Repeat(",?", len(words)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t string
			var n int
			if err := rows.Scan(&t, &n); err != nil {
				rows.Close()
				return nil, err
			}
			df[t] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var cs []kbClause
	for _, t := range q.Terms {
		if n := df[t]; n > 0 {
			cs = append(cs, kbClause{kbQuote(t), t, n})
		}
	}
	for _, ph := range q.Phrases {
		est := -1
		for _, w := range ph {
			if est < 0 || df[w] < est {
				est = df[w]
			}
		}
		if est > 0 {
			cs = append(cs, kbClause{kbQuote(strings.Join(ph, " ")), strings.Join(ph, " "), est})
		}
	}
	for _, p := range q.Prefixes {
		var n int
		err := x.r.QueryRowContext(ctx, `SELECT coalesce(sum(df), 0) FROM kb_df WHERE term >= ? AND term < ?`, p, p+"\U0010FFFF").Scan(&n)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			cs = append(cs, kbClause{kbQuote(p) + "*", p, n})
		}
	}
	if len(cs) == 0 {
		return nil, nil
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].df < cs[j].df })
	var or []string
	total := 0
	for _, c := range cs {
		if total+c.df > kbBudget && len(or) > 0 {
			break
		}
		if total+c.df > kbBudget {
			// Even the rarest clause is over budget: intersect it with the
			// next clause that is not part of it (ぷらん AND its own
			// bigram ぷら would narrow nothing).
			// The window is most useful when it holds articles with the
			// term in the title, so those steps come first.
			title := "({title tgrams} : " + cs[0].expr + ")"
			for _, d := range cs[1:] {
				if !strings.Contains(cs[0].text, d.text) && !strings.Contains(d.text, cs[0].text) {
					return []kbStep{{title + " AND " + d.expr, true}, {cs[0].expr + " AND " + d.expr, true}, {title, true}, {cs[0].expr, true}}, nil
				}
			}
			return []kbStep{{title, true}, {cs[0].expr, true}}, nil
		}
		or = append(or, c.expr)
		total += c.df
	}
	return []kbStep{{strings.Join(or, " OR "), false}}, nil
}

// kbFilter renders the search options as SQL conditions on kb_articles.
func kbFilter(opts kb.SearchOptions) (string, []any) {
	var where string
	var args []any
	if !opts.IncludeUnpublished {
		where += ` AND status = 'published'`
	}
	if opts.Category != "" {
		where += ` AND category = ?`
		args = append(args, opts.Category)
	}
	if opts.QueueID != "" {
		where += ` AND (queues = '' OR instr(queues, ?) > 0)`
		args = append(args, "|"+opts.QueueID+"|")
	}
	return where, args
}

// kbCandidates is how many FTS5 hits are re-ranked with the boosts: enough
// that a much-used article on page two can rise, few enough to stay cheap.
func kbCandidates(limit int) int { return max(40, 4*limit) }

// kbCand is a candidate article with its relevance and final score.
type kbCand struct {
	n          int64
	rel, score float64
}

// Search implements kb.Index: FTS5 finds and scores candidates by bm25; the
// filters and the solved-count and freshness boosts, which FTS5 cannot see,
// are applied to the top candidates in kb_articles; the snippets are cut in
// Go. If the filters leave too few, the candidate window grows (×8) until it
// covers every match, which the term budget keeps bounded.
func (x *KBIndex) Search(ctx context.Context, query string, opts kb.SearchOptions) ([]kb.Result, error) {
	q := kb.ParseQuery(query, x.syn.Load(), opts.Prefix)
	if q.Empty() {
		return nil, nil
	}
	limit := kb.NormLimit(opts.Limit)
	plan, err := x.kbPlan(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("kb search: %w", err)
	}
	var cands []kbCand
	for _, step := range plan {
		var all []kbCand // a bounded step's whole window, best first
		if step.bounded {
			if all, err = x.kbWindow(ctx, step.expr); err != nil {
				return nil, fmt.Errorf("kb search: %w", err)
			}
		}
		for k := kbCandidates(limit); ; k *= 8 {
			var top []kbCand
			if step.bounded {
				top = all[:min(k, len(all))]
			} else if top, err = x.kbTop(ctx, step.expr, k); err != nil {
				return nil, fmt.Errorf("kb search: %w", err)
			}
			cands, err = x.kbBoost(ctx, top, opts)
			if err != nil {
				return nil, fmt.Errorf("kb search: %w", err)
			}
			if len(cands) >= limit || len(top) < k {
				break
			}
		}
		if len(cands) > 0 {
			break
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].n < cands[j].n
	})
	if len(cands) > limit {
		cands = cands[:limit]
	}
	if len(cands) == 0 {
		return nil, nil
	}
	at := make(map[int64]int, len(cands))
	args := make([]any, len(cands))
	for i, c := range cands {
		at[c.n] = i
		args[i] = c.n
	}
	rows, err := x.r.QueryContext(ctx, `SELECT n, id, title, plain FROM kb_articles WHERE n IN (?`+strings.Repeat(",?", len(cands)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("kb search: %w", err)
	}
	defer rows.Close()
	out := make([]kb.Result, len(cands))
	for rows.Next() {
		var n int64
		var r kb.Result
		var plain string
		if err := rows.Scan(&n, &r.ID, &r.Title, &plain); err != nil {
			return nil, fmt.Errorf("kb search: %w", err)
		}
		i := at[n]
		r.Score = cands[i].score
		r.Snippet = kb.MakeExcerpt(plain, q.Marks, kb.SnippetRunes).HTML()
		out[i] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb search: %w", err)
	}
	return out, nil
}

// kbTop returns the k best matches of an FTS5 expression by bm25.
func (x *KBIndex) kbTop(ctx context.Context, expr string, k int) ([]kbCand, error) {
	rows, err := x.r.QueryContext(ctx, `SELECT rowid, bm25(kb_fts, ?, ?, ?, ?, ?) AS r FROM kb_fts WHERE kb_fts MATCH ? ORDER BY r LIMIT ?`,
		kbWeightTitle, kbWeightBody, kbWeightTitleGrams, kbWeightBodyGrams, kbWeightYomi, expr, k)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var top []kbCand
	for rows.Next() {
		var c kbCand
		var r float64
		if err := rows.Scan(&c.n, &r); err != nil {
			return nil, err
		}
		c.rel = -r // bm25() is negative, more negative is better
		top = append(top, c)
	}
	return top, rows.Err()
}

// kbWindow scores the kbBudget most recently indexed matches of an
// expression and returns them best first. FTS5 walks the matches in rowid
// order and stops at the limit, so the cost is bounded however common the
// terms are.
func (x *KBIndex) kbWindow(ctx context.Context, expr string) ([]kbCand, error) {
	rows, err := x.r.QueryContext(ctx, `SELECT rowid, bm25(kb_fts, ?, ?, ?, ?, ?) FROM kb_fts WHERE kb_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
		kbWeightTitle, kbWeightBody, kbWeightTitleGrams, kbWeightBodyGrams, kbWeightYomi, expr, kbBudget)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []kbCand
	for rows.Next() {
		var c kbCand
		var r float64
		if err := rows.Scan(&c.n, &r); err != nil {
			return nil, err
		}
		c.rel = -r
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].rel > all[j].rel })
	return all, rows.Err()
}

// kbBoost keeps the candidates that pass the filters and scores them.
func (x *KBIndex) kbBoost(ctx context.Context, top []kbCand, opts kb.SearchOptions) ([]kbCand, error) {
	if len(top) == 0 {
		return nil, nil
	}
	rel := make(map[int64]float64, len(top))
	args := make([]any, 0, len(top)+2)
	for _, c := range top {
		rel[c.n] = c.rel
		args = append(args, c.n)
	}
	where, fargs := kbFilter(opts)
	args = append(args, fargs...)
	rows, err := x.r.QueryContext(ctx, `SELECT n, solved, updated FROM kb_articles WHERE n IN (?`+strings.Repeat(",?", len(top)-1)+`)`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := x.Now()
	out := make([]kbCand, 0, len(top))
	for rows.Next() {
		var c kbCand
		var updated int64
		var solved int
		if err := rows.Scan(&c.n, &solved, &updated); err != nil {
			return nil, err
		}
		var ut time.Time
		if updated != 0 {
			ut = time.UnixMilli(updated)
		}
		c.rel = rel[c.n]
		c.score = kb.Score(c.rel, solved, ut, now)
		out = append(out, c)
	}
	return out, rows.Err()
}
