package kb

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseMarkdown(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		src := "---\nid: pw-reset\ntitle: \"パスワード再設定\"\ncategory: アカウント # comment\ntags:\n  - パスワード\n  - ログイン\nqueue: support|billing\nstatus: Draft\nsolved: 12\nupdated: 2026-10-01\n---\n\n# 手順\n本文です。\n"
		a, err := ParseMarkdown("default", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		want := Article{
			ID: "pw-reset", Title: "パスワード再設定", Category: "アカウント",
			Tags: []string{"パスワード", "ログイン"}, QueueIDs: []string{"support", "billing"},
			Status: StatusDraft, SolvedCount: 12, UpdatedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			Body: "# 手順\n本文です。",
		}
		if a.ID != want.ID || a.Title != want.Title || a.Category != want.Category || !slices.Equal(a.Tags, want.Tags) ||
			!slices.Equal(a.QueueIDs, want.QueueIDs) || a.Status != want.Status || a.SolvedCount != want.SolvedCount ||
			!a.UpdatedAt.Equal(want.UpdatedAt) || a.Body != want.Body {
			t.Errorf("got %+v\nwant %+v", a, want)
		}
	})
	t.Run("DefaultIDAndCRLF", func(t *testing.T) {
		a, err := ParseMarkdown("from-file", []byte("\ufeff---\r\ntitle: t\r\ntags: [a, 'b']\r\n---\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != "from-file" || !slices.Equal(a.Tags, []string{"a", "b"}) || a.Body != "body" {
			t.Errorf("got %+v", a)
		}
	})
	bad := []struct {
		name, src string
		lines     []int
		reason    string
	}{
		{"NoFrontMatter", "title: x\n", []int{1}, "missing front matter"},
		{"Unclosed", "---\ntitle: x\nbody", []int{1}, "not closed"},
		{"UnknownKey", "---\ntitle: x\ntitel: y\n---\nbody", []int{3}, "unknown key"},
		{"RepeatedKey", "---\ntitle: x\ntitle: y\n---\nbody", []int{3}, "repeated"},
		{"NoColon", "---\ntitle: x\njust text\n---\nbody", []int{3}, "key: value"},
		{"BadNumber", "---\ntitle: x\nsolved: many\n---\nbody", []int{3}, "whole number"},
		{"BadDate", "---\ntitle: x\nupdated: 1 Oct\n---\nbody", []int{3}, "date"},
		{"UnclosedList", "---\ntitle: x\ntags: [a, b\n---\nbody", []int{3}, "not closed"},
		{"ListForScalar", "---\ntitle: [a, b]\n---\nbody", []int{2, 1}, "single value"},
		{"EmptyBody", "---\ntitle: x\n---\n\n", []int{1}, "body is empty"},
		{"NoTitle", "---\ncategory: x\n---\nbody", []int{1}, "title is required"},
		{"BadStatus", "---\ntitle: x\nstatus: live\n---\nbody", []int{1}, "status"},
		{"BadID", "---\nid: a b\ntitle: x\n---\nbody", []int{1}, "id"},
		{"NotUTF8", "---\ntitle: \xff\n---\nbody", []int{1}, "UTF-8"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMarkdown("x", []byte(tt.src))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *ImportError", err)
			}
			var lines []int
			for _, p := range ie.Problems {
				lines = append(lines, p.Line)
			}
			if !slices.Equal(lines, tt.lines) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("problems %v (%v), want lines %v mentioning %q", lines, err, tt.lines, tt.reason)
			}
		})
	}
}

// FuzzParseMarkdown checks that no input crashes the front-matter parser and
// that whatever it accepts is a valid article. Seeds: testdata/fuzz.
func FuzzParseMarkdown(f *testing.F) {
	f.Add([]byte("---\ntitle: x\n---\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseMarkdown("fuzz", data)
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("error %v is not an ImportError with problems", err)
			}
			for _, p := range ie.Problems {
				if p.Line < 1 || p.Line > strings.Count(string(data), "\n")+1 {
					t.Fatalf("problem line %d outside the input", p.Line)
				}
			}
			return
		}
		if rs := Validate(a); len(rs) > 0 {
			t.Fatalf("accepted an invalid article: %v", rs)
		}
		if !utf8.ValidString(a.Title) || !utf8.ValidString(a.Body) {
			t.Fatal("accepted invalid UTF-8")
		}
	})
}

func TestStripMarkdown(t *testing.T) {
	md := "# 見出し\n\n- **太字**の項目\n1. [リンク](https://example.com)を開く\n\n| a | b |\n|---|---|\n| 1 | 2 |\n> 引用 `code`"
	want := "見出し\n\n太字の項目\nリンクを開く\n\na   b\n1   2\n引用 code"
	if got := StripMarkdown(md); got != want {
		t.Errorf("StripMarkdown =\n%q\nwant\n%q", got, want)
	}
}
