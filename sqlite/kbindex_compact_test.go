package sqlite

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagu/kb"
)

// kbEvalScores returns, for every evaluation query, id → score of the
// first 10 results as an editor sees them (unpublished included).
func kbEvalScores(t *testing.T, x *KBIndex, cases []kbEvalCase) []map[string]float64 {
	t.Helper()
	out := make([]map[string]float64, len(cases))
	for i, c := range cases {
		out[i] = kbScores(t, x, c.query, kb.SearchOptions{Limit: 10, IncludeUnpublished: true})
	}
	return out
}

// kbSameScores reports every query whose answers differ between got and
// want: another number of results, or an article scored differently. The
// last place may be a tie broken by document number, and float32 sums in
// another order differ in the last bits, hence the tolerance.
func kbSameScores(t *testing.T, label string, cases []kbEvalCase, got, want []map[string]float64) {
	t.Helper()
	bad := 0
	for i, c := range cases {
		g, w := got[i], want[i]
		if len(g) != len(w) {
			t.Errorf("%s: %q: %d results, want %d", label, c.query, len(g), len(w))
			bad++
			continue
		}
		low := math.Inf(1)
		for _, v := range w {
			low = min(low, v)
		}
		for id, v := range w {
			if v > low*(1+1e-4) && math.Abs(g[id]-v) > 1e-4*v {
				t.Errorf("%s: %q: %s scores %.4f, want %.4f", label, c.query, id, g[id], v)
				bad++
			}
		}
		if bad > 10 {
			t.Fatalf("%s: too many differences", label)
		}
	}
}

// kbFreshIndex is the reference: a new index holding only articles, filled
// by Upsert as the tests' edited indexes are (same average lengths) and
// compacted.
func kbFreshIndex(t *testing.T, articles []kb.Article) *KBIndex {
	t.Helper()
	ctx := context.Background()
	ref := openKBTest(t)
	for _, a := range articles {
		if err := ref.Upsert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := ref.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	return ref
}

// kbPendingRows counts the rows of kb_delta and kb_dead in the file.
func kbPendingRows(t *testing.T, x *KBIndex) (delta, dead int) {
	t.Helper()
	if err := x.r.QueryRow(`SELECT (SELECT count(*) FROM kb_delta), (SELECT count(*) FROM kb_dead)`).Scan(&delta, &dead); err != nil {
		t.Fatal(err)
	}
	return delta, dead
}

// kbSomeCases returns every k-th evaluation query: the comparisons below
// search an index many times over, which the race detector makes slow.
func kbSomeCases(t *testing.T, k int) []kbEvalCase {
	var some []kbEvalCase
	for i, c := range readKBEval(t) {
		if i%k == 0 {
			some = append(some, c)
		}
	}
	return some
}

// kbCompactGoroutines counts the goroutines running compactLoop.
func kbCompactGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "(*KBIndex).compactLoop(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// kbSetCompactAt sets the compaction threshold for one test.
func kbSetCompactAt(t *testing.T, v int64) {
	old := kbCompactAt
	kbCompactAt = v
	t.Cleanup(func() { kbCompactAt = old })
}

// kbRevise returns a with a revised body: its old postings must be retired.
func kbRevise(a kb.Article, note string) kb.Article {
	a.Body += "\n\n改訂(" + note + "):手順と窓口の案内を見直しました。"
	return a
}

// kbEditedIndex returns an index of 60 demo articles and kbFixed, compacted
// (every posting in a blob), then edited — every third article revised, one
// archived, one deleted — leaving tombstones and delta rows; and the final
// articles.
func kbEditedIndex(t *testing.T, x *KBIndex, stopAt func() bool) []kb.Article {
	t.Helper()
	ctx := context.Background()
	final := append(slices.Clone(kb.Demo()[:60]), kbFixed)
	for _, a := range final {
		if err := x.Upsert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(final)-1; i += 3 {
		final[i] = kbRevise(final[i], "1")
		if err := x.Upsert(ctx, final[i]); err != nil {
			t.Fatal(err)
		}
		if stopAt != nil && stopAt() {
			return final
		}
	}
	final[4].Status = kb.StatusArchived
	if err := x.Upsert(ctx, final[4]); err != nil {
		t.Fatal(err)
	}
	if err := x.Delete(ctx, final[10].ID); err != nil {
		t.Fatal(err)
	}
	return slices.Delete(final, 10, 11)
}

// TestKBIndex_CompactChunks: compaction in chunks, each its own
// transaction, answers every evaluation query exactly as before it started
// after every chunk, also when articles are edited, deleted and added
// between two chunks (an edited article then has some postings in blobs
// and some in kb_delta); and as a fresh index of the final articles does.
func TestKBIndex_CompactChunks(t *testing.T) {
	ctx := context.Background()
	kbSetCompactAt(t, math.MaxInt64) // chunks driven by hand only
	x := openKBTest(t)
	final := kbEditedIndex(t, x, nil)
	var terms int
	if err := x.r.QueryRow(`SELECT count(*) FROM (SELECT term FROM kb_dead UNION SELECT term FROM kb_delta)`).Scan(&terms); err != nil {
		t.Fatal(err)
	}
	x.chunkTerms = max(1, terms/4)
	cases := kbSomeCases(t, 2)
	kbSameScores(t, "edited, not compacted, against a fresh index", cases, kbEvalScores(t, x, cases), kbEvalScores(t, kbFreshIndex(t, final), cases))
	// After every chunk, against the answers before compaction.
	some := kbSomeCases(t, 5)
	want := kbEvalScores(t, x, some)

	chunks := 0
	for after, more := "", true; more; {
		var err error
		if after, more, err = x.compactChunk(ctx, after); err != nil {
			t.Fatal(err)
		}
		chunks++
		kbSameScores(t, fmt.Sprintf("after chunk %d", chunks), some, kbEvalScores(t, x, some), want)
		if chunks != 2 {
			continue
		}
		// Between two chunks: a revised article revised again, another
		// deleted, a new one added.
		var n int64
		if err := x.r.QueryRow(`SELECT n FROM kb_articles WHERE id = ?`, final[0].ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var inDelta int
		if err := x.r.QueryRow(`SELECT count(*) FROM kb_delta WHERE n = ?`, n).Scan(&inDelta); err != nil {
			t.Fatal(err)
		}
		terms, _ := kbImpacts(kb.AnalyzeArticle(final[0]), kbDefaultLens)
		if n > x.base.Load() || inDelta == 0 || inDelta >= len(terms) {
			t.Fatalf("article %s (n %d, base %d) has %d of its %d postings in kb_delta: want some in blobs and some not", final[0].ID, n, x.base.Load(), inDelta, len(terms))
		}
		final[0] = kbRevise(final[0], "2")
		if err := x.Upsert(ctx, final[0]); err != nil {
			t.Fatal(err)
		}
		if err := x.Delete(ctx, final[3].ID); err != nil {
			t.Fatal(err)
		}
		added := kb.Article{ID: "new-1", Title: "光回線の開通工事の立ち会い", Category: "接続", Body: "開通工事には立ち会いが必要です。工事日は訪問の三日前までに変更できます。"}
		if err := x.Upsert(ctx, added); err != nil {
			t.Fatal(err)
		}
		final = append(slices.Delete(final, 3, 4), added)
		kbSameScores(t, "edits between chunks, against a fresh index", cases, kbEvalScores(t, x, cases), kbEvalScores(t, kbFreshIndex(t, final), cases))
		want = kbEvalScores(t, x, some)
	}
	if chunks < 4 {
		t.Fatalf("compaction took %d chunks; the test needs several", chunks)
	}
	// The edits made between chunks to terms already passed wait for the
	// next round.
	if err := x.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if delta, dead := kbPendingRows(t, x); delta != 0 || dead != 0 || x.pending.Load() != 0 {
		t.Errorf("after Compact: %d delta rows, %d tombstones, pending %d", delta, dead, x.pending.Load())
	}
	kbSameScores(t, "compacted", some, kbEvalScores(t, x, some), want)
}

// TestKBIndex_CompactBackground: the write that brings the pending rows to
// the threshold returns without compacting; the store's goroutine compacts
// in chunks while searches and other writes go on between them (a fix
// saved mid-compaction is seen by the next search); the result equals a
// fresh index; and Close stops the goroutine.
func TestKBIndex_CompactBackground(t *testing.T) {
	ctx := context.Background()
	before := kbCompactGoroutines()
	x := openKBTest(t)
	if got := kbCompactGoroutines(); got != before+1 {
		t.Fatalf("%d compaction goroutines after Open, %d before", got, before)
	}
	events, proceed, quit := make(chan bool), make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(quit) }) // runs before x.Close: nothing stays parked
	hook := func(roundDone bool) {
		select {
		case events <- roundDone:
		case <-quit:
			return
		}
		if !roundDone {
			select {
			case <-proceed:
			case <-quit:
			}
		}
	}
	x.compactHook.Store(&hook)
	x.chunkTerms = 64
	kbSetCompactAt(t, math.MaxInt64)
	crossed := false
	final := kbEditedIndex(t, x, func() bool {
		if crossed {
			return false
		}
		// The threshold: crossed by the next revision.
		if kbCompactAt == math.MaxInt64 && x.pending.Load() > 1000 {
			kbCompactAt = x.pending.Load() + 1
			return false
		}
		crossed = x.pending.Load() >= kbCompactAt
		return crossed
	})
	if !crossed {
		t.Fatal("the edits never crossed the threshold")
	}
	// The revision that crossed it has returned; the goroutine is parked
	// before its first chunk, and every row is still there.
	if done := <-events; done {
		t.Fatal("a round ended before its first chunk")
	}
	if delta, dead := kbPendingRows(t, x); int64(delta+dead) < kbCompactAt {
		t.Fatalf("%d rows pending after the triggering write, threshold %d: the write compacted", delta+dead, kbCompactAt)
	}
	kbSetCompactAt(t, math.MaxInt64) // the writes below do not start another round
	cases := kbSomeCases(t, 2)
	chunks := 0
	for done := false; !done; done = <-events {
		if chunks == 2 {
			// The supervisor's fix, saved while the goroutine waits
			// between two chunks: it returns, and is searchable at once.
			if err := x.Upsert(ctx, kbFixedV2()); err != nil {
				t.Fatal(err)
			}
			final[len(final)-1] = kbFixedV2()
		}
		if chunks >= 2 {
			if got := kbScores(t, x, "Q-7731", kb.SearchOptions{}); got["fix-1"] == 0 {
				t.Errorf("after chunk %d the fix is not found by its new code", chunks)
			}
			if got := kbScores(t, x, "Z-9917", kb.SearchOptions{}); got["fix-1"] != 0 {
				t.Errorf("after chunk %d the old code still finds the fix", chunks)
			}
		}
		chunks++
		proceed <- struct{}{}
	}
	if chunks < 4 {
		t.Fatalf("the round took %d chunks; the test needs several", chunks)
	}
	if err := x.Compact(ctx); err != nil { // the fix's rows for terms already passed
		t.Fatal(err)
	}
	if delta, dead := kbPendingRows(t, x); delta != 0 || dead != 0 {
		t.Errorf("after the round and Compact: %d delta rows, %d tombstones", delta, dead)
	}
	kbSameScores(t, "compacted in the background", cases, kbEvalScores(t, x, cases), kbEvalScores(t, kbFreshIndex(t, final), cases))

	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if got := kbCompactGoroutines(); got != before+1 { // the fresh index's
		t.Errorf("%d compaction goroutines after Close, want %d", got, before+1)
	}
}

// TestKBIndex_CompactClose: Close during a round stops it (rolling back the
// chunk in progress) and leaves no goroutine; the reopened index answers as
// a fresh index of the final articles, and compacts the rest.
func TestKBIndex_CompactClose(t *testing.T) {
	ctx := context.Background()
	before := kbCompactGoroutines()
	path := filepath.Join(t.TempDir(), "kb-index.db")
	x, err := OpenKBIndex(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	now := kb.DemoUpdated.Add(30 * 24 * time.Hour)
	x.Now = func() time.Time { return now }
	kbSetCompactAt(t, math.MaxInt64)
	final := kbEditedIndex(t, x, nil)
	// One more edit, with the threshold at 1, starts a round of one-term
	// chunks.
	x.chunkTerms = 1
	started := make(chan struct{})
	var once sync.Once
	hook := func(bool) { once.Do(func() { close(started) }) }
	x.compactHook.Store(&hook)
	kbCompactAt = 1
	final[0] = kbRevise(final[0], "2")
	if err := x.Upsert(ctx, final[0]); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if got := kbCompactGoroutines(); got != before {
		t.Fatalf("%d compaction goroutines after Close, %d before Open", got, before)
	}

	kbSetCompactAt(t, math.MaxInt64) // the reopened index waits for Compact
	y, err := OpenKBIndex(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	y.Now = x.Now
	if y.pending.Load() == 0 {
		t.Error("nothing left to compact after Close: Close waited for the whole round")
	}
	cases := kbSomeCases(t, 2)
	want := kbEvalScores(t, kbFreshIndex(t, final), cases)
	kbSameScores(t, "reopened mid-compaction", cases, kbEvalScores(t, y, cases), want)
	if err := y.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if delta, dead := kbPendingRows(t, y); delta != 0 || dead != 0 {
		t.Errorf("after Compact: %d delta rows, %d tombstones", delta, dead)
	}
	kbSameScores(t, "reopened and compacted", cases, kbEvalScores(t, y, cases), want)
}
