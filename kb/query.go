package kb

import (
	"strings"
	"unicode/utf8"
)

// maxQueryTerms bounds the work one query can cause: a pasted paragraph
// must not turn into an OR of hundreds of posting lists.
const maxQueryTerms = 48

// Query is a search string analysed into index terms. An index matches an
// article when any term, prefix or phrase matches (OR); relevance ranking
// then prefers articles matching more and rarer terms, which is what makes
// typos and partial words still find the right article.
type Query struct {
	Terms    []string   // exact terms: content words, whole kana runs, bigrams
	Prefixes []string   // terms that match any indexed term they begin
	Phrases  [][]string // synonym expansions: word sequences matched in order
	Marks    []string   // folded strings to highlight in snippets
}

// Empty reports whether the query can match nothing.
func (q Query) Empty() bool {
	return len(q.Terms) == 0 && len(q.Prefixes) == 0 && len(q.Phrases) == 0
}

// ParseQuery analyses what an operator typed. syn may be nil. With prefix set
// the last run is also treated as the beginning of a word (typeahead).
func ParseQuery(text string, syn *Synonyms, prefix bool) Query {
	var q Query
	seen := map[string]bool{}
	add := func(dst *[]string, s string) {
		k := s
		if dst == &q.Prefixes {
			k = "*" + s // a prefix is a different match from the term
		}
		if s == "" || seen[k] || len(q.Terms)+len(q.Prefixes) >= maxQueryTerms {
			return
		}
		seen[k] = true
		*dst = append(*dst, s)
	}
	marked := map[string]bool{}
	mark := func(s string) {
		if s != "" && !marked[s] {
			marked[s] = true
			q.Marks = append(q.Marks, s)
		}
	}

	n := Normalize(text)
	folded := Fold(n)
	ms := morphs(n)
	// Content words first: they are the most precise terms and must survive
	// the term cap.
	for _, m := range ms {
		if m.word == "" {
			continue
		}
		add(&q.Terms, m.word)
		mark(cleanWord(Fold(m.surface)))
	}
	rs := runs(folded)
	for _, r := range rs {
		if allKana(r) || isASCII(r) {
			// The dictionary segments kana-only input unreliably (ぱすわーど
			// is not in it), so the whole run is a term and its bigrams are
			// matched against both the text and the readings of kanji.
			if utf8.RuneCountInString(r) > 1 {
				add(&q.Terms, r)
			}
			mark(r)
		}
	}
	// Bigrams of the content words, and of kana runs, tolerate typos and
	// words the dictionary splits differently from the article.
	for _, m := range ms {
		if m.word == "" {
			continue
		}
		for _, g := range bigrams(nil, cleanWord(Fold(m.surface))) {
			if utf8.RuneCountInString(g) == 2 {
				add(&q.Terms, g)
			}
		}
	}
	for _, r := range rs {
		c := utf8.RuneCountInString(r)
		switch {
		case c == 1 && !allKana(r):
			// A single kanji or letter: any bigram it begins, which is how
			// one character finds articles without a unigram index.
			add(&q.Prefixes, r)
			mark(r)
		case allKana(r):
			for _, g := range bigrams(nil, r) {
				if utf8.RuneCountInString(g) == 2 {
					add(&q.Terms, g)
				}
			}
		}
	}
	if prefix && len(rs) > 0 && !strings.HasSuffix(text, " ") {
		last := rs[len(rs)-1]
		if utf8.RuneCountInString(last) >= 2 {
			add(&q.Prefixes, last)
			mark(last)
		}
	}
	for _, c := range appendCodes(nil, folded) {
		add(&q.Terms, c)
	}
	if syn != nil {
		// Synonyms match on token boundaries only, so that 出来ない does
		// not count as 来ない.
		var key strings.Builder
		bounds := map[int]bool{0: true}
		for _, m := range ms {
			key.WriteString(cleanWord(Fold(m.surface)))
			bounds[key.Len()] = true
		}
		for _, m := range syn.expand(key.String(), bounds) {
			if len(m.words) > 0 {
				q.Phrases = append(q.Phrases, m.words)
			}
			for _, s := range m.marks {
				// Short kana such as でき (from 接続できない) would light
				// up every sentence; longer marks are worth showing.
				if !allKana(s) || utf8.RuneCountInString(s) > 2 {
					mark(s)
				}
			}
		}
	}
	return q
}

// allKana reports whether a folded run is hiragana only.
func allKana(s string) bool {
	for _, r := range s {
		if !(r >= 'ぁ' && r <= 'ゖ') {
			return false
		}
	}
	return s != ""
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
