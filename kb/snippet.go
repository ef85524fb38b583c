package kb

import (
	"html"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SnippetRunes is the length of a snippet in characters: about two lines of
// the knowledge panel beside the call.
const SnippetRunes = 110

// Span is a highlighted byte range [Start, End) of an Excerpt's Text.
type Span struct{ Start, End int }

// Excerpt is a piece of plain text with the ranges that matched the query.
// Keeping text and ranges apart lets any client render highlights safely.
type Excerpt struct {
	Text       string
	Highlights []Span
}

// HTML renders the excerpt as HTML-escaped text with <mark> around the
// highlights: article text is never interpreted as markup, so an article
// containing "<script>" shows those characters and runs nothing.
func (e Excerpt) HTML() string {
	var b strings.Builder
	at := 0
	for _, h := range e.Highlights {
		b.WriteString(html.EscapeString(e.Text[at:h.Start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(e.Text[h.Start:h.End]))
		b.WriteString("</mark>")
		at = h.End
	}
	b.WriteString(html.EscapeString(e.Text[at:]))
	return b.String()
}

// MakeExcerpt cuts the window of about maxRunes characters of text that shows
// the most marks (folded strings from Query.Marks) and highlights them.
// Matching is done on folded text, so the mark "ろぐいん" highlights ログイン.
func MakeExcerpt(text string, marks []string, maxRunes int) Excerpt {
	src := []rune(strings.Join(strings.Fields(text), " "))
	// Fold rune by rune, remembering where each folded rune came from.
	// A base character and the combining marks after it (ﾊﾟ is two runes
	// that NFKC composes into パ) are folded together.
	folded := make([]rune, 0, len(src))
	from, to := make([]int, 0, len(src)), make([]int, 0, len(src))
	for i := 0; i < len(src); {
		j := i + 1
		for j < len(src) && isCombining(src[j]) {
			j++
		}
		if j == i+1 && nfkcStable(src[i]) {
			// Most of an article (kana, kanji, ASCII) is its own NFKC
			// form: no string to build and normalise per character.
			if f, ok := foldRune(src[i]); ok {
				folded = append(folded, f)
				from = append(from, i)
				to = append(to, j)
			}
			i = j
			continue
		}
		for _, nr := range norm.NFKC.String(string(src[i:j])) {
			if f, ok := foldRune(nr); ok {
				folded = append(folded, f)
				from = append(from, i)
				to = append(to, j)
			}
		}
		i = j
	}
	type match struct{ s, e int } // in src runes
	var ms []match
	for _, m := range marks {
		mr := []rune(m)
		if len(mr) == 0 || (len(mr) == 1 && allKana(m)) {
			continue // one kana matches everywhere; highlighting it is noise
		}
		for i := 0; i+len(mr) <= len(folded); i++ {
			if folded[i] == mr[0] && runesEqual(folded[i:i+len(mr)], mr) {
				ms = append(ms, match{from[i], to[i+len(mr)-1]})
			}
		}
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].s != ms[j].s {
			return ms[i].s < ms[j].s
		}
		return ms[i].e > ms[j].e
	})
	// Merge overlapping matches.
	var merged []match
	for _, m := range ms {
		if n := len(merged); n > 0 && m.s <= merged[n-1].e {
			if m.e > merged[n-1].e {
				merged[n-1].e = m.e
			}
			continue
		}
		merged = append(merged, m)
	}
	// Choose the window that covers the most highlighted characters,
	// starting a little before a match so the reader sees its context.
	start := 0
	if len(src) > maxRunes && len(merged) > 0 {
		best := -1
		for _, m := range merged {
			s := max(0, m.s-maxRunes/5)
			s = min(s, len(src)-maxRunes)
			covered := 0
			for _, o := range merged {
				if o.s >= s && o.e <= s+maxRunes {
					covered += o.e - o.s
				}
			}
			if covered > best {
				best, start = covered, s
			}
		}
	}
	end := min(len(src), start+maxRunes)
	var b strings.Builder
	var hs []Span
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, m := range merged {
		if m.s < start || m.e > end {
			continue
		}
		b.WriteString(string(src[at:m.s]))
		hs = append(hs, Span{Start: b.Len()})
		b.WriteString(string(src[m.s:m.e]))
		hs[len(hs)-1].End = b.Len()
		at = m.e
	}
	b.WriteString(string(src[at:end]))
	if end < len(src) {
		b.WriteString("…")
	}
	return Excerpt{Text: b.String(), Highlights: hs}
}

// nfkcStable reports whether r is unchanged by NFKC on its own: ASCII,
// hiragana, full-width katakana, the long vowel mark and the common CJK
// ideographs (the compatibility ideographs are elsewhere).
func nfkcStable(r rune) bool {
	return r < 0x80 || (r >= 0x3041 && r <= 0x3096) || (r >= 0x30A1 && r <= 0x30FA) || r == 0x30FC || (r >= 0x4E00 && r <= 0x9FFF)
}

// isCombining reports whether r attaches to the rune before it: combining
// marks and the half-width voiced sound marks ﾞ and ﾟ.
func isCombining(r rune) bool {
	if r < 0x300 || (r >= 0x3041 && r <= 0x3096) || (r >= 0x30A1 && r <= 0x30FA) || (r >= 0x4E00 && r <= 0x9FFF) {
		return false // ASCII and Latin-1, kana, kanji: the bulk of an article
	}
	return r == 'ﾞ' || r == 'ﾟ' || unicode.Is(unicode.Mn, r)
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
