package kb

import (
	"slices"
	"strings"
	"testing"
)

func TestAnalyzeArticle(t *testing.T) {
	tm := AnalyzeArticle(Article{
		Title: "解約の手続き",
		Body:  "**エラーコード E-4012** が出たらパスワードを再設定してください。",
		Tags:  []string{"ログイン"},
	})
	for _, c := range []struct {
		name  string
		terms []string
		want  string
	}{
		{"title word", tm.Title, "解約"},
		{"title base form of a compound half", tm.Title, "手続き"},
		{"tag, folded to hiragana", tm.Title, "ろぐいん"},
		{"body katakana word, long vowel dropped", tm.Body, "えらこど"},
		{"body noun after a prefix", tm.Body, "設定"},
		{"joined product code", tm.Body, "e4012"},
		{"title bigram", tm.TitleGrams, "解約"},
		{"body bigram", tm.BodyGrams, "ぱす"},
		{"reading bigram of 解約", tm.Yomi, "やく"},
	} {
		if !slices.Contains(c.terms, c.want) {
			t.Errorf("%s: %q not in %q", c.name, c.want, c.terms)
		}
	}
	for _, stop := range []string{"の", "が", "を", "する", "ください"} {
		if slices.Contains(tm.Body, stop) || slices.Contains(tm.Title, stop) {
			t.Errorf("stop word %q was indexed as a word", stop)
		}
	}
}

func TestParseQuery(t *testing.T) {
	t.Run("TwoKanji", func(t *testing.T) {
		q := ParseQuery("解約", nil, false)
		if !slices.Contains(q.Terms, "解約") {
			t.Errorf("terms %q lack 解約", q.Terms)
		}
	})
	t.Run("OneKanjiIsPrefix", func(t *testing.T) {
		q := ParseQuery("喪", nil, false)
		if !slices.Contains(q.Prefixes, "喪") {
			t.Errorf("prefixes %q lack 喪", q.Prefixes)
		}
	})
	t.Run("KanaInputKeepsWholeRun", func(t *testing.T) {
		q := ParseQuery("ぱすわーど", nil, false)
		if !slices.Contains(q.Terms, "ぱすわど") || !slices.Contains(q.Terms, "すわ") {
			t.Errorf("terms %q lack the whole run or its bigrams", q.Terms)
		}
	})
	t.Run("Typeahead", func(t *testing.T) {
		q := ParseQuery("パスワ", nil, true)
		if !slices.Contains(q.Prefixes, "ぱすわ") {
			t.Errorf("prefixes %q lack ぱすわ", q.Prefixes)
		}
		if q := ParseQuery("パスワ", nil, false); len(q.Prefixes) != 0 {
			t.Errorf("prefixes %q without typeahead", q.Prefixes)
		}
	})
	t.Run("Synonyms", func(t *testing.T) {
		syn := NewSynonyms([][]string{{"つながらない", "接続できない"}, {"届かない", "来ない"}})
		q := ParseQuery("ネット繋がらない つながらない", syn, false)
		if !slices.ContainsFunc(q.Phrases, func(p []string) bool { return slices.Equal(p, []string{"接続", "できる"}) }) {
			t.Errorf("phrases %q lack 接続 できる", q.Phrases)
		}
		// 出来ない contains 来ない, but not on a word boundary.
		if q := ParseQuery("ログイン出来ない", syn, false); len(q.Phrases) != 0 {
			t.Errorf("出来ない expanded to %q", q.Phrases)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		for _, s := range []string{"", "   ", "。、!?", "の"} {
			if q := ParseQuery(s, DefaultSynonyms(), true); !q.Empty() {
				t.Errorf("ParseQuery(%q) = %+v, want empty", s, q)
			}
		}
	})
	t.Run("TermCap", func(t *testing.T) {
		long := ""
		for range 50 {
			long += "解約手続き料金プラン変更 "
		}
		if q := ParseQuery(long, nil, true); len(q.Terms)+len(q.Prefixes) > maxQueryTerms {
			t.Errorf("%d terms, cap is %d", len(q.Terms)+len(q.Prefixes), maxQueryTerms)
		}
	})
}

func TestParseSynonyms(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s, err := ParseSynonyms(strings.NewReader("# comment\nつながらない = 接続できない, アクセスできない\n\nメアド,メールアドレス # inline\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"つながらない", "接続できない", "アクセスできない"}, {"メアド", "メールアドレス"}}
		if got := s.Groups(); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("groups = %q, want %q", got, want)
		}
	})
	t.Run("BadLines", func(t *testing.T) {
		_, err := ParseSynonyms(strings.NewReader("ok,fine\nalone\n\na,ログイン\n"))
		ie, ok := err.(*ImportError)
		if !ok {
			t.Fatalf("err = %v, want *ImportError", err)
		}
		var lines []int
		for _, p := range ie.Problems {
			lines = append(lines, p.Line)
		}
		if !slices.Equal(lines, []int{2, 4}) {
			t.Errorf("problem lines = %v, want [2 4]: %v", lines, err)
		}
	})
}
