package kb

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/ikawaha/kagome/v2/tokenizer"
)

// demoFS holds the demo center's articles, one Markdown file per article,
// written for Tsunagu (an ISP with an online shop, a mobile plan and a
// New-Year-card program, つなぐ年賀). Queues: support, billing, tech, nenga.
//
//go:embed demo/*.md
var demoFS embed.FS

// DemoUpdated is the edit time given to demo articles without "updated", so
// that demo ranking does not depend on the day the demo is started.
var DemoUpdated = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

var (
	demoOnce     sync.Once
	demoArticles []Article
)

// Demo returns the demo corpus (about 100 articles), sorted by ID. The
// slice is shared: callers must not modify it.
func Demo() []Article {
	demoOnce.Do(func() {
		as, err := ImportMarkdown(demoFS, "demo")
		if err != nil {
			// The files are embedded and checked by TestDemo.
			panic(fmt.Sprintf("kb: demo corpus: %v", err))
		}
		for i := range as {
			if as[i].UpdatedAt.IsZero() {
				as[i].UpdatedAt = DemoUpdated
			}
			if as[i].Status == "" {
				as[i].Status = StatusPublished
			}
		}
		demoArticles = as
	})
	return demoArticles
}

// Generate returns n synthetic articles for benchmarks, deterministic for a
// seed; IDs are "gen-000001"…
//
// Words are drawn from a Zipf distribution over a vocabulary of the demo
// corpus's nouns mixed with invented kanji compounds, katakana words and
// product codes, and set into sentence patterns of the demo articles, with
// an occasional verbatim demo sentence. A real knowledge base has a long tail
// of rare words (product names, error codes, procedures) beside a few very
// common ones; building articles only from the demo's ~700 sentences would
// instead make every word appear in thousands of articles.
func Generate(n int, seed uint64) []Article {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	demo := Demo()
	sentences := demoSentences()
	vocab := genVocabulary(r)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed+1, seed)), 1.07, 2, uint64(len(vocab)-1))
	word := func() string { return vocab[zipf.Uint64()] }
	patterns := []string{
		"%sの%sを確認してください。", "%sが%sできない場合は、%sから%sを行います。", "%sは%sの%sに記載されています。",
		"%sを変更すると、%sも%sされます。", "%sの%sは%sまでです。", "お客様の%sが%sになっている場合は、%sを案内します。",
		"%sと%sは同時に使えません。", "%sでエラーが出る場合は、%sを再起動していただきます。", "%sの%sには%sが必要です。",
		"%sについてのお問い合わせは、%sへエスカレーションしてください。", "%sを%sに切り替えると改善することがあります。",
		"%sの手続きは%sから%sで受け付けます。", "%sが届かない場合は%sの設定を確認していただく。", "%sに%sを入力すると%sが表示されます。",
	}
	issues := []string{"の設定方法", "でエラーが出る", "の料金について", "の解約", "が使えない", "の初期設定", "の不具合", "の申し込み", "のよくある質問", "の仕様変更", "について", "の確認方法"}
	queues := []string{"support", "billing", "tech", "nenga"}
	out := make([]Article, n)
	base := DemoUpdated.AddDate(-3, 0, 0)
	for i := range out {
		d := demo[r.IntN(len(demo))]
		var b strings.Builder
		for k := 5 + r.IntN(12); k > 0; k-- {
			if r.IntN(6) == 0 {
				b.WriteString(sentences[r.IntN(len(sentences))])
			} else {
				p := patterns[r.IntN(len(patterns))]
				args := make([]any, strings.Count(p, "%s"))
				for j := range args {
					args[j] = word()
				}
				fmt.Fprintf(&b, p, args...)
			}
			if r.IntN(3) == 0 {
				b.WriteString("\n\n")
			}
		}
		var qs []string
		if r.IntN(3) > 0 {
			qs = []string{queues[r.IntN(len(queues))]}
		}
		t1, t2 := word(), word()
		out[i] = Article{
			ID:          fmt.Sprintf("gen-%06d", i+1),
			Title:       t1 + "の" + t2 + issues[r.IntN(len(issues))],
			Body:        b.String(),
			Category:    d.Category,
			Tags:        []string{t1, word()},
			QueueIDs:    qs,
			Status:      StatusPublished,
			SolvedCount: r.IntN(50),
			UpdatedAt:   base.Add(time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour)))),
		}
	}
	return out
}

// demoSentences splits the demo bodies into sentences.
func demoSentences() []string {
	var out []string
	for _, a := range Demo() {
		for _, s := range strings.FieldsFunc(StripMarkdown(a.Body), func(r rune) bool { return r == '\n' || r == '。' }) {
			if s = strings.TrimSpace(s); len(s) > 6 {
				out = append(out, s+"。")
			}
		}
	}
	return out
}

// genVocabulary returns a shuffled vocabulary: the demo corpus's nouns, plus
// invented kanji compounds, katakana words and product codes (~60,000 words),
// so that demo words land at every rank of the Zipf distribution.
func genVocabulary(r *rand.Rand) []string {
	seen := map[string]bool{}
	var vocab, kanji []string
	kanjiSeen := map[rune]bool{}
	for _, a := range Demo() {
		text := Normalize(a.Title + "\n" + StripMarkdown(a.Body))
		for _, t := range analyzer().Analyze(text, tokenizer.Normal) {
			if pos := t.POS(); len(pos) > 1 && pos[0] == "名詞" && (pos[1] == "一般" || pos[1] == "サ変接続" || pos[1] == "固有名詞") && !seen[t.Surface] {
				seen[t.Surface] = true
				vocab = append(vocab, t.Surface)
			}
		}
		for _, c := range text {
			if isHan(c) && !kanjiSeen[c] {
				kanjiSeen[c] = true
				kanji = append(kanji, string(c))
			}
		}
	}
	kana := []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロガギグゲゴザジズゼゾダデドバビブベボパピプペポャュョッン")
	for len(vocab) < 60000 {
		var w string
		switch r.IntN(3) {
		case 0:
			w = kanji[r.IntN(len(kanji))] + kanji[r.IntN(len(kanji))]
			if r.IntN(2) == 0 {
				w += kanji[r.IntN(len(kanji))]
			}
		case 1:
			k := make([]rune, 3+r.IntN(4))
			for j := range k {
				k[j] = kana[r.IntN(len(kana))]
			}
			if k[0] == 'ャ' || k[0] == 'ュ' || k[0] == 'ョ' || k[0] == 'ッ' || k[0] == 'ン' {
				k[0] = 'ア'
			}
			w = string(k)
		default:
			w = fmt.Sprintf("%c%c-%d", 'A'+r.IntN(26), 'A'+r.IntN(26), 100+r.IntN(9900))
		}
		if !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	r.Shuffle(len(vocab), func(i, j int) { vocab[i], vocab[j] = vocab[j], vocab[i] })
	return vocab
}

// BenchCorpus returns n articles for benchmarks: Generate(n-100, 1) with the
// demo articles spread evenly among them, so that no demo article gains from
// its position (bounded queries prefer the most recently indexed matches) and
// recall of the demo answers among n is comparable across engines.
func BenchCorpus(n int) []Article {
	demo := Demo()
	gen := Generate(n-len(demo), 1)
	out := make([]Article, 0, n)
	step := len(gen) / len(demo)
	for i, a := range demo {
		out = append(out, gen[i*step:(i+1)*step]...)
		out = append(out, a)
	}
	return append(out, gen[len(demo)*step:]...)
}
