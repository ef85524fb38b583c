package kb

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// AnalyzerVersion changes whenever analysis produces different terms for the
// same text. An index built by another version must be rebuilt.
const AnalyzerVersion = 1

// The IPA dictionary costs ~1 s and ~150 MB to load, so it is loaded once, on
// first use, and shared: a process that never searches never pays for it.
// (UniDic would cost 650 MB; DEPENDENCIES.md.)
var (
	tokOnce sync.Once
	tok     *tokenizer.Tokenizer
)

func analyzer() *tokenizer.Tokenizer {
	tokOnce.Do(func() {
		t, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
		if err != nil {
			// The embedded dictionary is part of the binary: failing to
			// load it is a build defect, not a run-time condition.
			panic("kb: load IPA dictionary: " + err.Error())
		}
		tok = t
	})
	return tok
}

// Warm loads the dictionary now, so that the first search after start-up
// does not pay the one-second load while a caller is on hold.
func Warm() { analyzer() }

// morph is one analysed token, reduced to what indexing needs.
type morph struct {
	surface string // normalised surface
	word    string // folded base form; "" for a stop token
	reading string // folded reading, or folded surface when unknown
}

// stopVerbs are light verbs that occur in nearly every article ("…していただく")
// and carry no topic; indexing them only makes OR queries slower.
var stopVerbs = map[string]bool{
	"する": true, "ある": true, "いる": true, "なる": true, "おる": true, "いう": true,
	"くださる": true, "ござる": true, "いただく": true, "れる": true, "られる": true, "せる": true,
}

// IsStop reports whether a token with these IPA parts of speech and base
// form carries no topic (particles, auxiliaries, symbols, light verbs …).
// Exported so that comparisons with other engines use the very same rule.
func IsStop(pos []string, base string) bool {
	if len(pos) == 0 {
		return true
	}
	sub := ""
	if len(pos) > 1 {
		sub = pos[1]
	}
	switch pos[0] {
	case "助詞", "助動詞", "記号", "フィラー", "接続詞", "連体詞", "感動詞", "接頭詞", "その他":
		return true
	case "名詞":
		return sub == "非自立" || sub == "代名詞"
	case "動詞":
		return sub == "非自立" || stopVerbs[base]
	case "形容詞":
		return sub == "非自立"
	}
	return false
}

// cleanWord keeps only the word runes of a folded token, so that a term never
// contains a character the FTS tokenizer would split on.
func cleanWord(s string) string {
	for _, r := range s {
		if !isWordRune(r) {
			var b strings.Builder
			for _, r := range s {
				if isWordRune(r) {
					b.WriteRune(r)
				}
			}
			return b.String()
		}
	}
	return s
}

// morphs analyses normalised text in kagome's search mode, which also splits
// long compounds (解約手続き → 解約 / 手続き) so that either half finds them.
func morphs(normalized string) []morph {
	toks := analyzer().Analyze(normalized, tokenizer.Search)
	out := make([]morph, 0, len(toks))
	for _, t := range toks {
		m := morph{surface: t.Surface}
		pos := t.POS()
		base, ok := t.BaseForm()
		if !ok || base == "*" || base == "" {
			base = t.Surface
		}
		if !IsStop(pos, base) {
			m.word = cleanWord(Fold(base))
			if utf8.RuneCountInString(m.word) > 40 {
				m.word = "" // pasted garbage, not a word anyone searches for
			}
		}
		if r, ok := t.Reading(); ok && r != "*" && r != "" {
			m.reading = Fold(r)
		} else {
			m.reading = Fold(t.Surface)
		}
		out = append(out, m)
	}
	return out
}

// Terms is an article analysed into the term lists a full-text index stores,
// one list per column, in text order (order matters for phrase matches).
type Terms struct {
	Title      []string // base forms of the title and tags
	Body       []string // base forms of the body and category
	TitleGrams []string // character bigrams of the title and tags
	BodyGrams  []string // character bigrams of the body
	Yomi       []string // bigrams of the kana reading of runs that contain kanji
}

// AnalyzeArticle computes the index terms of an article.
func AnalyzeArticle(a Article) Terms {
	return AnalyzeText(a.Title+"\n"+strings.Join(a.Tags, "\n"), StripMarkdown(a.Body)+"\n"+a.Category)
}

// AnalyzeText computes the index terms from an article's head (title and
// tags, one a line) and plain body text (Markdown stripped, then the
// category). An index that stores these two strings can recompute an
// article's terms exactly, e.g. to retire its postings when it changes.
func AnalyzeText(head, plain string) Terms {
	title := Normalize(head)
	body := Normalize(plain)
	var t Terms
	tm, bm := morphs(title), morphs(body)
	t.Title = words(nil, tm, title)
	t.Body = words(nil, bm, body)
	t.TitleGrams = grams(nil, Fold(title))
	t.BodyGrams = grams(nil, Fold(body))
	t.Yomi = yomiGrams(t.Yomi, tm)
	t.Yomi = yomiGrams(t.Yomi, bm)
	return t
}

// words appends the content words of ms, then the joined form of codes such
// as "E-1001" or "tn-123.4" ("e1001"), which the analyser splits apart.
func words(dst []string, ms []morph, normalized string) []string {
	for _, m := range ms {
		if m.word != "" {
			dst = append(dst, m.word)
		}
	}
	return appendCodes(dst, Fold(normalized))
}

// appendCodes appends joined forms of ASCII codes with separators.
func appendCodes(dst []string, folded string) []string {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		code := strings.Trim(folded[start:end], "-_.")
		start = -1
		if !strings.ContainsAny(code, "-_.") {
			return
		}
		joined := strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r == '.' {
				return -1
			}
			return r
		}, code)
		if joined != "" {
			dst = append(dst, joined)
		}
	}
	for i := 0; i < len(folded); i++ {
		c := folded[i]
		alnum := ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
		if alnum || ((c == '-' || c == '_' || c == '.') && start >= 0) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(folded))
	return dst
}

// grams appends the bigrams of every run of folded text.
func grams(dst []string, folded string) []string {
	for _, r := range runs(folded) {
		dst = bigrams(dst, r)
	}
	return dst
}

// yomiGrams appends the bigrams of the reading of each run that contains
// kanji, so that a query typed in kana (かいやく) meets 解約 without the
// operator converting it.
func yomiGrams(dst []string, ms []morph) []string {
	var run strings.Builder
	han := false
	flush := func() {
		if han {
			dst = grams(dst, run.String())
		}
		run.Reset()
		han = false
	}
	for _, m := range ms {
		if cleanWord(m.surface) == "" {
			flush()
			continue
		}
		for _, r := range m.surface {
			if isHan(r) {
				han = true
				break
			}
		}
		run.WriteString(m.reading)
	}
	flush()
	return dst
}
