package kb

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestMakeExcerpt(t *testing.T) {
	t.Run("EscapesHTML", func(t *testing.T) {
		e := MakeExcerpt(`<script>alert("x")</script> ログインできない & <b>`, []string{"ろぐいん"}, 200)
		got := e.HTML()
		want := `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>ログイン</mark>できない &amp; &lt;b&gt;`
		if got != want {
			t.Errorf("HTML() =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("HighlightRanges", func(t *testing.T) {
		e := MakeExcerpt("ﾊﾟｽﾜｰﾄﾞを忘れた場合はパスワード再設定", []string{"ぱすわど", "忘れ"}, 200)
		var marked []string
		for _, h := range e.Highlights {
			marked = append(marked, e.Text[h.Start:h.End])
		}
		if strings.Join(marked, "/") != "ﾊﾟｽﾜｰﾄﾞ/忘れ/パスワード" {
			t.Errorf("highlighted %q in %q", marked, e.Text)
		}
	})
	t.Run("WindowAroundMatch", func(t *testing.T) {
		text := strings.Repeat("関係のない文章です。", 30) + "解約金は1,100円です。" + strings.Repeat("ほかの話。", 30)
		e := MakeExcerpt(text, []string{"解約"}, 60)
		if !strings.Contains(e.HTML(), "<mark>解約</mark>金") {
			t.Errorf("window misses the match: %s", e.HTML())
		}
		if !strings.HasPrefix(e.Text, "…") || !strings.HasSuffix(e.Text, "…") {
			t.Errorf("cut window lacks ellipses: %s", e.Text)
		}
	})
	t.Run("NoMatch", func(t *testing.T) {
		e := MakeExcerpt("短い本文", []string{"解約"}, 60)
		if e.Text != "短い本文" || len(e.Highlights) != 0 {
			t.Errorf("got %+v", e)
		}
	})
}

// TestNFKCStable: every rune the excerpt's fast path skips normalising is
// its own NFKC form.
func TestNFKCStable(t *testing.T) {
	for r := rune(0); r <= 0xFFFF; r++ {
		if !nfkcStable(r) {
			continue
		}
		if got := norm.NFKC.String(string(r)); got != string(r) {
			t.Errorf("U+%04X: NFKC %q", r, got)
		}
	}
}

// TestFastPathsAgree: the shortcuts for kana and kanji in isCombining and
// foldRune give what the general rules give.
func TestFastPathsAgree(t *testing.T) {
	for r := rune(0); r <= 0xFFFF; r++ {
		if got, want := isCombining(r), r == 'ﾞ' || r == 'ﾟ' || unicode.Is(unicode.Mn, r); got != want {
			t.Errorf("isCombining(U+%04X) = %v", r, got)
		}
		if r >= 'ァ' && r <= 'ヶ' || r == 'ー' || r == '〜' || r == 'ヽ' || r == 'ヾ' || r < 0x80 {
			continue
		}
		if f, _ := foldRune(r); f != unicode.ToLower(r) {
			t.Errorf("foldRune(U+%04X) = U+%04X, want U+%04X", r, f, unicode.ToLower(r))
		}
	}
}
