package kb

import (
	"slices"
	"testing"
)

func TestFoldKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＡＢＣ１２３", "abc123"},      // full-width ASCII
		{"ﾛｸﾞｲﾝ", "ろぐいん"},         // half-width katakana with voiced mark
		{"ログイン", "ろぐいん"},          // katakana
		{"ろぐいん", "ろぐいん"},          // hiragana unchanged
		{"サーバー", "さば"},            // long vowel marks dropped…
		{"サーバ", "さば"},             // …so the JIS spelling matches
		{"パスワ-ド", "ぱすわど"},         // hyphen typed for ー
		{"Wi-Fi", "wi-fi"},        // a hyphen between letters stays
		{"①②", "12"},              // enclosed numerals
		{"ヴァイオリン", "ゔぁいおりん"},      // ヴ folds too
		{"解約", "解約"},              // kanji unchanged
		{"E-4012", "e-4012"},      // codes keep their hyphen
		{"　全角　スペース　", " 全角 すぺす "}, // ideographic space becomes a space
	}
	for _, tt := range tests {
		if got := FoldKey(tt.in); got != tt.want {
			t.Errorf("FoldKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRuns(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"wifiだけ、ok", []string{"wifi", "だけ", "ok"}},
		{"e-1001 です。", []string{"e", "1001", "です"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := runs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("runs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBigrams(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"解約", []string{"解約"}},
		{"解", []string{"解"}},
		{"ぱすわど", []string{"ぱす", "すわ", "わど"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := bigrams(nil, tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("bigrams(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
