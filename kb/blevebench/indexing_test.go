package blevebench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/registry"

	"tsunagu/kb"
	"tsunagu/sqlite"
)

// indexEngine builds one engine's index of articles in dir and returns its
// indexing rate (articles/s) and its size on disk (bytes).
type indexEngine struct {
	name  string
	build func(tb testing.TB, dir string, articles []kb.Article) (float64, int64)
}

var indexEngines = []indexEngine{
	{"ours", indexOurs},
	{"trigram", indexTrigram},
	{"bleve", func(tb testing.TB, dir string, articles []kb.Article) (float64, int64) {
		return indexBleve(tb, filepath.Join(dir, "kb.bleve"), articles)
	}},
}

// indexOurs is sqlite.KBIndex.Rebuild into a new file: analysis on every
// core, one transaction, the WAL checkpointed into the file. The clock
// runs from the call to Rebuild to its return.
func indexOurs(tb testing.TB, dir string, articles []kb.Article) (float64, int64) {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "kb-index.db")
	x, err := sqlite.OpenKBIndex(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if err := x.Rebuild(ctx, articles); err != nil {
		x.Close()
		tb.Fatal(err)
	}
	rate := float64(len(articles)) / time.Since(start).Seconds()
	if err := x.Close(); err != nil {
		tb.Fatal(err)
	}
	return rate, dirSize(tb, dir)
}

// indexTrigram is the baseline of issue 7 as sqlite's tests build it
// (openKBTrigram): an FTS5 table with the trigram tokenizer over title and
// plain text, every article inserted in one transaction, then the WAL
// checkpointed into the file as our Rebuild does. The clock runs from the
// first insert to the end of the checkpoint.
func indexTrigram(tb testing.TB, dir string, articles []kb.Article) (float64, int64) {
	tb.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "trigram.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE VIRTUAL TABLE tri USING fts5(id UNINDEXED, title, body, tokenize='trigram')`); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO tri(id, title, body) VALUES (?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range articles {
		if _, err := st.ExecContext(ctx, a.ID, a.Title, kb.StripMarkdown(a.Body)); err != nil {
			tb.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
	rate := float64(len(articles)) / time.Since(start).Seconds()
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	return rate, dirSize(tb, dir)
}

// indexRounds is how many times BenchmarkIndexing builds each index:
// KB_BENCH_ROUNDS, 3 by default (medians of 3).
func indexRounds(b *testing.B) int {
	if s := os.Getenv("KB_BENCH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("KB_BENCH_ROUNDS=%q: want a number ≥ 1", s)
		}
		return n
	}
	return 3
}

// loadAverage returns the first three fields of /proc/loadavg.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkIndexing builds the same generated corpus (kb.BenchCorpus:
// 100,000 articles by default, KB_BENCH_N to shrink it) with our index, the
// FTS5 trigram baseline and bleve + kagome, in one process, each
// KB_BENCH_ROUNDS times (3 by default). The engines take turns within a
// round, starting with a different one each round, so that on a shared
// machine no engine always meets the same moment of load. Each build writes
// a new directory, removed after it is measured. It reports each engine's
// median rate and size, and our rate as a fraction of the others' (the
// figure that survives a noisy machine):
//
//	KB_BENCH_N=10000 go test ./kb/blevebench/ -run '^$' -bench Indexing -benchtime 1x
//
// The IPA dictionary is loaded before any clock starts, for both analyzers.
func BenchmarkIndexing(b *testing.B) {
	articles := kb.BenchCorpus(benchSize(b))
	rounds := indexRounds(b)
	kb.Warm()
	if _, err := registry.NewCache().AnalyzerNamed(analyzerName); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d articles, %d rounds, GOMAXPROCS %d, load average at start %s", len(articles), rounds, runtime.GOMAXPROCS(0), loadAverage())
	rates := map[string][]float64{}
	sizes := map[string][]float64{}
	for r := range rounds {
		var line []string
		for i := range indexEngines {
			e := indexEngines[(i+r)%len(indexEngines)]
			dir, err := os.MkdirTemp(b.TempDir(), e.name)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			rate, size := e.build(b, dir, articles)
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
			rates[e.name] = append(rates[e.name], rate)
			sizes[e.name] = append(sizes[e.name], float64(size)/1e6)
			line = append(line, fmt.Sprintf("%s %.0f articles/s %.1f MB", e.name, rate, float64(size)/1e6))
		}
		b.Logf("round %d (load %s): %s", r+1, loadAverage(), strings.Join(line, "; "))
	}
	for _, e := range indexEngines {
		b.ReportMetric(median(rates[e.name]), e.name+"-articles/s")
		b.ReportMetric(median(sizes[e.name]), e.name+"-MB")
	}
	// Ratios per round (the engines ran minutes apart at most), then
	// their median.
	for _, other := range []string{"trigram", "bleve"} {
		var ratio []float64
		for r := range rounds {
			ratio = append(ratio, rates["ours"][r]/rates[other][r])
		}
		b.ReportMetric(median(ratio), "ours/"+other+"-rate")
	}
	b.Logf("load average at end %s", loadAverage())
}
