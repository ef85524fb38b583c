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
// its own (not the main store), holding the articles' posting lists
// (kbindex_post.go). It is derived data: delete the file and Rebuild from
// the articles at any time. In scaled-out mode every node keeps its own
// copy, fed from the event log, so a search never crosses the network.
//
// The terms are those package kb produces (kagome base forms, character
// bigrams, kana readings). Doing the Japanese analysis in Go keeps the
// storage portable (Postgres can hold the same terms in a tsvector) and
// avoids the trigram tokenizer, which cannot match the two-character queries
// (解約) that operators type most.
type KBIndex struct {
	path string
	w    *sql.DB // one connection: a single writer
	r    *sql.DB // read pool
	wmu  sync.Mutex

	stale atomic.Bool
	syn   atomic.Pointer[kb.Synonyms]
	// next is the document number the next indexed article gets; numbers
	// are never reused, so a stale posting cannot point at a new article.
	next atomic.Int64
	// avg is the average length of each column measured by the last
	// Rebuild, used to compute impacts.
	avg atomic.Pointer[kbLens]
	// live is the number of indexed articles (BM25's N); base the highest
	// document number any of kb_post's blobs may hold (an article above it
	// has all its postings in kb_delta; see kbRetire); pending the rows of
	// kb_dead and kb_delta, which compaction folds into kb_post.
	live, base, pending atomic.Int64

	// Background compaction (kbindex_compact.go): a write that brings
	// pending to kbCompactAt puts a token in due; the goroutine started by
	// OpenKBIndex then compacts in chunks of at most chunkTerms terms, each
	// its own transaction. Close cancels it (stop) and waits for done.
	due         chan struct{}
	stop        context.CancelFunc
	done        chan struct{}
	closeOnce   sync.Once
	chunkTerms  int
	compactHook atomic.Pointer[func(roundDone bool)] // tests: before each background chunk, after each round

	// Now is the clock used for the freshness boost; replaceable in tests.
	Now func() time.Time
}

// kbSchemaVersion changes with kbSchema; together with kb.AnalyzerVersion it
// decides whether an existing file can be used or must be rebuilt.
const kbSchemaVersion = 10

// kbSchema is applied when the file is new or was built by another analyzer
// or schema version. kb_post holds the posting list of every term as built
// by Rebuild and Compact, one blob per term with its document frequency; kb_delta the
// postings of articles upserted since, one row per term and article (a
// posting blob is not rewritten for every edit). The filters (status, queue,
// category) and boost inputs are in kb_articles and are applied to the
// best-scored candidates only. kb_dead holds a tombstone for every posting
// in kb_post of an article replaced or deleted since (see kbRetire).
// kb_articles keeps head (title and tags, one a line) and plain exactly as
// analysed, so that an article's terms can be recomputed to retire them.
const kbSchema = `
CREATE TABLE kb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE kb_articles (
	n        INTEGER PRIMARY KEY,
	id       TEXT NOT NULL UNIQUE,
	title    TEXT NOT NULL,
	plain    TEXT NOT NULL, -- body as plain text, for snippets (the store keeps the Markdown)
	category TEXT NOT NULL,
	tags     TEXT NOT NULL, -- one a line: title + "\n" + tags is the analysed head
	queues   TEXT NOT NULL,
	status   TEXT NOT NULL,
	solved   INTEGER NOT NULL,
	updated  INTEGER NOT NULL
);
CREATE TABLE kb_post (term TEXT PRIMARY KEY, df INTEGER NOT NULL, post BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE kb_delta (term TEXT NOT NULL, n INTEGER NOT NULL, impact INTEGER NOT NULL, PRIMARY KEY (term, n)) WITHOUT ROWID;
CREATE INDEX kb_delta_n ON kb_delta(n);
CREATE TABLE kb_dead (term TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (term, n)) WITHOUT ROWID;
`

// kbVersion is the value of kb_meta's "analyzer" row for this build.
var kbVersion = strconv.Itoa(kb.AnalyzerVersion) + "." + strconv.Itoa(kbSchemaVersion)

// OpenKBIndex opens or creates the index file at path (e.g.
// <data>/kb-index.db). If the file was built by a different analyzer
// version its contents are dropped and NeedsRebuild reports true; the caller
// then calls Rebuild with every article from the store.
func OpenKBIndex(ctx context.Context, path string) (*KBIndex, error) {
	// mmap: searches read the posting blobs through the OS page cache,
	// shared by the pool's connections, instead of a pread per page into
	// each connection's own cache (22% less CPU per search among 100k).
	w, r, _, err := openPair(path, []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "temp_store(MEMORY)", "cache_size(-32000)", "mmap_size(268435456)"})
	if err != nil {
		return nil, fmt.Errorf("kb index: %w", err)
	}
	x := &KBIndex{path: path, w: w, r: r, Now: time.Now, due: make(chan struct{}, 1), done: make(chan struct{}), chunkTerms: kbCompactChunkTerms}
	x.syn.Store(kb.DefaultSynonyms())
	loop, stop := context.WithCancel(context.WithoutCancel(ctx))
	x.stop = stop
	go x.compactLoop(loop)
	if err := x.init(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open kb index %s: %w", path, err)
	}
	// Edits left uncompacted by the last process (closed mid-round) are
	// picked up now rather than at the next edit.
	x.markCompactDue()
	return x, nil
}

// init creates the schema, or recreates it when the analyzer changed.
func (x *KBIndex) init(ctx context.Context) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	var version string
	err := x.w.QueryRowContext(ctx, `SELECT value FROM kb_meta WHERE key = 'analyzer'`).Scan(&version)
	if err == nil && version == kbVersion {
		meta := map[string]string{}
		rows, err := x.w.QueryContext(ctx, `SELECT key, value FROM kb_meta`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			meta[k] = v
		}
		rows.Close()
		next, _ := strconv.ParseInt(meta["next"], 10, 64)
		avg := parseKBLens(meta["avgdl"])
		x.next.Store(max(next, 1))
		x.avg.Store(&avg)
		x.stale.Store(meta["built"] != "1")
		base, _ := strconv.ParseInt(meta["base"], 10, 64)
		x.base.Store(base)
		var live, pending int64
		if err := x.w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM kb_articles), (SELECT count(*) FROM kb_dead) + (SELECT count(*) FROM kb_delta)`).Scan(&live, &pending); err != nil {
			return err
		}
		x.live.Store(live)
		x.pending.Store(pending)
		return nil
	}
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Schema version 6 and older kept an FTS5 table; its shadow tables are
	// named because SQLite leaves some behind when the virtual table is
	// dropped.
	for _, t := range []string{"kb_vocab", "kb_df", "kb_fts", "kb_fts_data", "kb_fts_idx", "kb_fts_content", "kb_fts_docsize", "kb_fts_config",
		"kb_post", "kb_delta", "kb_dead", "kb_articles", "kb_meta"} {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, kbSchema); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO kb_meta(key, value) VALUES ('analyzer', ?), ('built', '0'), ('cursor', '0'), ('next', '1'), ('avgdl', ''), ('base', '0')`, kbVersion); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	x.next.Store(1)
	x.live.Store(0)
	x.base.Store(0)
	x.pending.Store(0)
	x.avg.Store(&kbDefaultLens)
	x.stale.Store(true)
	return nil
}

// Close stops the background compaction (a chunk in progress is rolled
// back: the edits stay readable from kb_delta and kb_dead) and closes the
// index.
func (x *KBIndex) Close() error {
	x.closeOnce.Do(func() {
		x.stop()
		<-x.done
	})
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
	a     kb.Article
	t     kb.Terms
	plain string
}

func kbAnalyze(a kb.Article) kbDoc {
	return kbDoc{a: a, t: kb.AnalyzeArticle(a), plain: kb.StripMarkdown(a.Body)}
}

// Upsert adds or replaces one article. The analysis runs before the write
// lock is taken, so a long article does not hold up other writers. The
// article gets a new document number and its postings go to kb_delta; the
// old number's postings are retired in the same transaction (kbRetire), so
// the next search no longer finds the old text nor counts it in BM25's
// statistics.
func (x *KBIndex) Upsert(ctx context.Context, a kb.Article) error {
	if a.ID == "" {
		return errors.New("kb index upsert: empty article id")
	}
	d := kbAnalyze(a)
	impacts, _ := kbImpacts(d.t, *x.avg.Load())
	x.wmu.Lock()
	defer x.wmu.Unlock()
	n := x.next.Load()
	tx, err := x.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	defer tx.Rollback()
	existed, rows, err := x.kbRetire(ctx, tx, a.ID)
	if err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	if err := kbInsert(ctx, tx, n, d); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO kb_delta(term, n, impact) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	defer st.Close()
	for term, imp := range impacts {
		if _, err := st.ExecContext(ctx, term, n, int(imp)); err != nil {
			return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kb_meta SET value = ? WHERE key = 'next'`, strconv.FormatInt(n+1, 10)); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index upsert %s: %w", a.ID, err)
	}
	x.next.Store(n + 1)
	if !existed {
		x.live.Add(1)
	}
	x.pending.Add(rows + int64(len(impacts)))
	x.markCompactDue()
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
	existed, rows, err := x.kbRetire(ctx, tx, id)
	if err != nil {
		return fmt.Errorf("kb index delete %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index delete %s: %w", id, err)
	}
	if existed {
		x.live.Add(-1)
	}
	x.pending.Add(rows)
	x.markCompactDue()
	return nil
}

// kbRetire removes an article's row and its postings, in the caller's
// transaction (holding the write lock). Each posting of the article is in
// exactly one place: a row of kb_delta (upserted since its term was last
// compacted) or its term's blob in kb_post. Rows of kb_delta are deleted;
// postings in blobs get a tombstone in kb_dead (a blob is not rewritten
// per edit), found by recomputing the article's terms from the stored head
// and plain text, which are exactly what was analysed. A search skips
// tombstoned postings and subtracts them from the document frequencies, so
// scores are those of an index without the old text. It reports whether the
// article was there and how many rows kb_delta and kb_dead changed by
// (negative when postings left kb_delta).
//
// An article numbered above base has never had a posting compacted into a
// blob, so deleting its kb_delta rows is enough; below, the background
// compaction may have moved some of its terms into blobs and not others.
func (x *KBIndex) kbRetire(ctx context.Context, tx *sql.Tx, id string) (bool, int64, error) {
	var n int64
	var title, tags, plain, category string
	err := tx.QueryRowContext(ctx, `SELECT n, title, tags, plain, category FROM kb_articles WHERE id = ?`, id).Scan(&n, &title, &tags, &plain, &category)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	} else if err != nil {
		return false, 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kb_articles WHERE n = ?`, n); err != nil {
		return false, 0, err
	}
	inDelta := map[string]bool{}
	if n <= x.base.Load() {
		rows, err := tx.QueryContext(ctx, `SELECT term FROM kb_delta WHERE n = ?`, n)
		if err != nil {
			return false, 0, err
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return false, 0, err
			}
			inDelta[t] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, 0, err
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM kb_delta WHERE n = ?`, n)
	if err != nil {
		return false, 0, err
	}
	change, _ := res.RowsAffected()
	change = -change
	if n > x.base.Load() {
		return true, change, nil
	}
	terms, _ := kbImpacts(kb.AnalyzeText(title+"\n"+tags, plain+"\n"+category), kbDefaultLens)
	st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO kb_dead(term, n) VALUES (?, ?)`)
	if err != nil {
		return false, 0, err
	}
	defer st.Close()
	for t := range terms {
		if inDelta[t] {
			continue
		}
		res, err := st.ExecContext(ctx, t, n)
		if err != nil {
			return false, 0, err
		}
		k, _ := res.RowsAffected()
		change += k
	}
	return true, change, nil
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

func kbInsert(ctx context.Context, tx *sql.Tx, n int64, d kbDoc) error {
	a := d.a
	var updated int64
	if !a.UpdatedAt.IsZero() {
		updated = a.UpdatedAt.UnixMilli()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO kb_articles(n, id, title, plain, category, tags, queues, status, solved, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n, a.ID, a.Title, d.plain, a.Category, strings.Join(a.Tags, "\n"), kbQueues(a.QueueIDs), kbStatus(a.Status), a.SolvedCount, updated)
	return err
}

// kbAvgSample is how many articles a Rebuild analyses before fixing the
// average length that impacts are computed with: the impacts are written as
// the articles stream through, and an estimate from a thousand articles is
// as good as the exact mean for BM25's length normalisation.
const kbAvgSample = 1000

// Rebuild replaces the whole index with articles in one transaction, so
// searches see the old index until the new one is complete. Analysis, the
// expensive part, runs on every core while one goroutine writes the
// articles and accumulates the posting lists in memory, written sorted by
// term at the end. When an ID occurs twice the later article wins, as it
// would replaying events.
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
	for _, stmt := range []string{`DELETE FROM kb_articles`, `DELETE FROM kb_post`, `DELETE FROM kb_delta`, `DELETE FROM kb_dead`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("kb index rebuild: %w", err)
		}
	}
	post := map[string]*kbPostBuf{}
	var n int64
	var avg kbLens
	measured := false
	var sample []kbDoc
	add := func(d kbDoc) error {
		n++
		if err := kbInsert(ctx, tx, n, d); err != nil {
			return fmt.Errorf("kb index rebuild %s: %w", d.a.ID, err)
		}
		impacts, _ := kbImpacts(d.t, avg)
		for term, imp := range impacts {
			p := post[term]
			if p == nil {
				p = &kbPostBuf{}
				post[term] = p
			}
			p.add(uint32(n), imp)
		}
		return nil
	}
	flushSample := func() error {
		for _, d := range sample {
			_, l := kbImpacts(d.t, kbDefaultLens)
			for c := range avg {
				avg[c] += l[c] / float64(len(sample))
			}
		}
		for c := range avg {
			avg[c] = max(avg[c], 1)
		}
		measured = true
		for _, d := range sample {
			if err := add(d); err != nil {
				return err
			}
		}
		sample = nil
		return nil
	}
	for d := range docs {
		if !measured {
			if sample = append(sample, d); len(sample) == kbAvgSample {
				if err := flushSample(); err != nil {
					return err
				}
			}
			continue
		}
		if err := add(d); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	if !measured {
		if err := flushSample(); err != nil {
			return err
		}
	}
	terms := make([]string, 0, len(post))
	for t := range post {
		terms = append(terms, t)
	}
	sort.Strings(terms)
	st, err := tx.PrepareContext(ctx, `INSERT INTO kb_post(term, df, post) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	for _, t := range terms {
		p := post[t]
		if _, err := st.ExecContext(ctx, t, p.df, p.bytes()); err != nil {
			st.Close()
			return fmt.Errorf("kb index rebuild: %w", err)
		}
	}
	st.Close()
	for k, v := range map[string]string{"built": "1", "next": strconv.FormatInt(n+1, 10), "avgdl": avg.String(), "base": strconv.FormatInt(n, 10)} {
		if _, err := tx.ExecContext(ctx, `UPDATE kb_meta SET value = ? WHERE key = ?`, v, k); err != nil {
			return fmt.Errorf("kb index rebuild: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kb index rebuild: %w", err)
	}
	x.next.Store(n + 1)
	x.live.Store(n)
	x.base.Store(n)
	x.pending.Store(0)
	x.avg.Store(&avg)
	x.stale.Store(false)
	// Fold the WAL back into the file so that its size is the index size.
	_, _ = x.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
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

// kbExhaustive turns MaxScore pruning off, and kbPruned counts the searches
// it pruned: tests check that pruning changes nothing and does happen.
var (
	kbExhaustive bool
	kbPruned     atomic.Int64
)

// kbPrefixTerms bounds how many indexed terms one prefix stands for: a
// single kanji (喪, 電) begins hundreds of bigrams. The most frequent are
// taken, since they cover the most articles.
const kbPrefixTerms = 24

// kbPostings reads the posting lists of terms (base and delta) in one read
// transaction, so that a concurrent Upsert is seen entirely or not at all.
// Prefixes are expanded to the indexed terms they begin.
func (x *KBIndex) kbPostings(ctx context.Context, terms []string, prefixes []string) (map[string]*kbPosting, map[string][]string, []uint32, error) {
	tx, err := x.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, nil, err
	}
	defer tx.Rollback()
	expand := map[string][]string{}
	want := append([]string(nil), terms...)
	for _, p := range prefixes {
		seen := map[string]bool{}
		for _, q := range []string{
			`SELECT term FROM kb_post WHERE term >= ?1 AND term < ?2 ORDER BY df DESC LIMIT ?3`,
			`SELECT DISTINCT term FROM kb_delta WHERE term >= ?1 AND term < ?2 LIMIT ?3`,
		} {
			rows, err := tx.QueryContext(ctx, q, p, p+"\U0010FFFF", kbPrefixTerms)
			if err != nil {
				return nil, nil, nil, err
			}
			for rows.Next() {
				var t string
				if err := rows.Scan(&t); err != nil {
					rows.Close()
					return nil, nil, nil, err
				}
				if !seen[t] && len(seen) < kbPrefixTerms {
					seen[t] = true
					expand[p] = append(expand[p], t)
					want = append(want, t)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	out := make(map[string]*kbPosting, len(want))
	var args []any
	for _, t := range want {
		if out[t] == nil {
			out[t] = &kbPosting{}
			args = append(args, t)
		}
	}
	if len(args) == 0 {
		return out, expand, nil, nil
	}
	in := `(?` + strings.Repeat(",?", len(args)-1) + `)`
	rows, err := tx.QueryContext(ctx, `SELECT term, df, post FROM kb_post WHERE term IN `+in, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var t string
		var df int
		var b []byte
		if err := rows.Scan(&t, &df, &b); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		if p := out[t]; p != nil {
			p.setBase(b)
			p.df += df
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	// Tombstones: the postings of replaced and deleted articles still in
	// the blobs. They are not documents of the term any more.
	var dead []uint32
	rows, err = tx.QueryContext(ctx, `SELECT term, n FROM kb_dead WHERE term IN `+in, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		if p := out[t]; p != nil {
			p.df--
			dead = append(dead, uint32(n))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT term, n, impact FROM kb_delta WHERE term IN `+in, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int64
		var imp int
		if err := rows.Scan(&t, &n, &imp); err != nil {
			return nil, nil, nil, err
		}
		if p := out[t]; p != nil {
			p.delta = append(p.delta, kbDeltaPost{uint32(n), uint8(imp)})
			p.df++
		}
	}
	return out, expand, dead, rows.Err()
}

// Search implements kb.Index: every posting of every query term is scored
// (BM25 with precomputed impacts, kbindex_post.go); the filters and the
// solved-count and freshness boosts are applied to the best candidates in
// kb_articles; the snippets are cut in Go. Postings of replaced and deleted
// articles are skipped (kb_dead) and not counted in BM25's statistics. If
// the filters leave too few, the candidate window grows ×8 until it covers
// every match.
func (x *KBIndex) Search(ctx context.Context, query string, opts kb.SearchOptions) ([]kb.Result, error) {
	q := kb.ParseQuery(query, x.syn.Load(), opts.Prefix)
	if q.Empty() {
		return nil, nil
	}
	limit := kb.NormLimit(opts.Limit)
	words := append([]string(nil), q.Terms...)
	for _, ph := range q.Phrases {
		words = append(words, ph...)
	}
	posts, expand, dead, err := x.kbPostings(ctx, words, q.Prefixes)
	if err != nil {
		return nil, fmt.Errorf("kb search: %w", err)
	}
	var terms []*kbPosting
	var phrases [][]*kbPosting
	for _, t := range q.Terms {
		terms = append(terms, posts[t])
	}
	for _, p := range q.Prefixes {
		for _, t := range expand[p] {
			terms = append(terms, posts[t])
		}
	}
	for _, ph := range q.Phrases {
		var g []*kbPosting
		seen := map[string]bool{}
		ok := true
		for _, w := range ph {
			if seen[w] {
				continue
			}
			seen[w] = true
			if p := posts[w]; p.df > 0 {
				g = append(g, p)
			} else {
				ok = false // a word no article has: the phrase matches nothing
			}
		}
		if ok && len(g) > 0 {
			// The rarest word first: kbScore walks it to collect matches.
			sort.Slice(g, func(i, j int) bool { return g[i].df < g[j].df })
			phrases = append(phrases, g)
		}
	}
	// Document numbers run to next; BM25's N counts the live articles only.
	size := int(x.next.Load())
	for _, n := range dead {
		size = max(size, int(n)+1)
	}
	for _, p := range posts {
		for _, d := range p.delta {
			size = max(size, int(d.n)+1) // upserted after next was read
		}
	}
	total := int(x.live.Load())
	acc := kbAccPool.Get().(*kbAcc)
	defer kbAccPool.Put(acc)
	k := kbCandidates(limit)
	acc.reset(size, len(phrases) > 0)
	acc.kill(dead)
	prune := k
	if kbExhaustive {
		prune = 0
	}
	docs := kbScore(acc, total, terms, phrases, prune)
	if len(docs) < len(acc.touched) {
		kbPruned.Add(1)
	}
	var cands []kbCand
	for ; ; k *= 8 {
		if len(docs) < len(acc.touched) && k > kbCandidates(limit) {
			// The pruned scoring is exact for the first window only;
			// when the filters need more, score everything.
			acc.reset(size, len(phrases) > 0)
			acc.kill(dead)
			docs = kbScore(acc, total, terms, phrases, 0)
		}
		top := kbTopK(acc.score, docs, k)
		cands, err = x.kbBoost(ctx, top, opts)
		if err != nil {
			return nil, fmt.Errorf("kb search: %w", err)
		}
		if len(cands) >= limit || len(top) < k {
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
