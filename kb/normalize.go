package kb

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize prepares text for morphological analysis: NFKC (full-width ASCII
// becomes half-width, half-width katakana becomes full-width, ①→1) and a
// hyphen typed between two kana becomes the long vowel mark, because "パスワ-ド"
// is a common slip for パスワード on a keyboard. Case and script are kept:
// the dictionary needs katakana to find ログイン.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	if !strings.ContainsAny(s, "-‐−―") {
		return s
	}
	rs := []rune(s)
	for i := 1; i+1 < len(rs); i++ {
		switch rs[i] {
		case '-', '‐', '−', '―':
			if isKana(rs[i-1]) && isKana(rs[i+1]) {
				rs[i] = 'ー'
			}
		}
	}
	return string(rs)
}

// Fold maps normalised text to the form stored in and looked up from the
// index: lower case, katakana as hiragana, long vowel marks dropped. Operators
// type ろぐいん, ログイン and ﾛｸﾞｲﾝ for the same word, and サーバ for サーバー;
// folding both sides makes them one term. Fold does not apply NFKC; call it on
// Normalize's output.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f, ok := foldRune(r); ok {
			b.WriteRune(f)
		}
	}
	return b.String()
}

// FoldKey is Normalize followed by Fold: the comparison key of a string.
func FoldKey(s string) string { return Fold(Normalize(s)) }

// foldRune folds one rune; ok is false when the rune is dropped.
func foldRune(r rune) (rune, bool) {
	switch {
	case r == 'ー' || r == '〜':
		return 0, false
	case r >= 'ァ' && r <= 'ヶ':
		return r - 0x60, true
	case r == 'ヽ' || r == 'ヾ':
		return r - 0x60, true
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A', true
		}
		return r, true
	case (r >= 'ぁ' && r <= 'ゖ') || (r >= 0x4E00 && r <= 0x9FFF):
		return r, true // hiragana and kanji have no case
	}
	return unicode.ToLower(r), true
}

// isKana reports whether r is hiragana, katakana or the long vowel mark.
func isKana(r rune) bool {
	return (r >= 'ぁ' && r <= 'ゖ') || (r >= 'ァ' && r <= 'ヺ') || r == 'ー'
}

// isHan reports whether r is a CJK ideograph (kanji) or the iteration mark 々.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) || r == '々' }

// isWordRune reports whether r belongs inside an indexed run; everything else
// (spaces, punctuation, symbols) separates runs, so n-grams never span "。".
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == 'ー' || unicode.Is(unicode.Mn, r)
}

// scriptClass separates ASCII letters and digits from everything else so that
// "wifiだけ" yields the runs "wifi" and "だけ": a product code stays one term.
func scriptClass(r rune) int {
	if r < utf8.RuneSelf {
		return 1
	}
	return 2
}

// runs splits folded text into maximal runs of word runes of one script class.
func runs(folded string) []string {
	var out []string
	start, prev := -1, 0
	for i, r := range folded {
		if !isWordRune(r) {
			if start >= 0 {
				out = append(out, folded[start:i])
				start = -1
			}
			continue
		}
		c := scriptClass(r)
		if start >= 0 && c != prev {
			out = append(out, folded[start:i])
			start = -1
		}
		if start < 0 {
			start = i
		}
		prev = c
	}
	if start >= 0 {
		out = append(out, folded[start:])
	}
	return out
}

// bigrams appends the character bigrams of run to dst; a one-character run is
// appended as a unigram so that it is still findable.
func bigrams(dst []string, run string) []string {
	n := utf8.RuneCountInString(run)
	if n == 0 {
		return dst
	}
	if n <= 2 {
		return append(dst, run)
	}
	i := 0
	for i < len(run) {
		_, w1 := utf8.DecodeRuneInString(run[i:])
		if i+w1 >= len(run) {
			break
		}
		_, w2 := utf8.DecodeRuneInString(run[i+w1:])
		dst = append(dst, run[i:i+w1+w2])
		i += w1
	}
	return dst
}
