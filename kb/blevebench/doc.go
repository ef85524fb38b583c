// Package blevebench is test-only: it holds the side-by-side comparison that
// issue 7 asks for between the knowledge-base index (kb + sqlite.KBIndex) and
// bleve with a kagome analyzer, on the same corpus and the same evaluation
// set (kb/testdata/eval.tsv).
//
// It lives in a package of its own, with nothing but this comment outside
// its _test.go file, so that bleve is imported only by tests here: no
// production package imports blevebench, and bleve (≈18 MB of binary,
// DEPENDENCIES.md) never enters the tsunagu binary. Run it with
//
//	go test ./kb/blevebench/ -run Bleve -v                      # demo corpus, recall@5 / MRR
//	go test ./kb/blevebench/ -run '^$' -bench Bleve100k -benchtime 2000x -count 3
//	KB_BENCH_N=10000 go test ./kb/blevebench/ -run '^$' -bench Indexing -benchtime 1x   # indexing rate and size: ours, FTS5 trigram, bleve
package blevebench
