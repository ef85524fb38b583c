package kb

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *ImportError", err)
	}
	return ie.Problems
}

func TestImportCSV(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		src := "\ufeffid,title,body,category,tags,queues,status,solved\n" +
			"a1,解約の手続き,\"複数行の\n本文\",解約,解約|手続き,support;billing,published,3\n" +
			",タイトル,本文,,,,,\n"
		as, err := ImportCSV(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 || as[0].ID != "a1" || as[0].Body != "複数行の\n本文" || !slices.Equal(as[0].Tags, []string{"解約", "手続き"}) ||
			!slices.Equal(as[0].QueueIDs, []string{"support", "billing"}) || as[0].SolvedCount != 3 || as[1].ID != "" {
			t.Errorf("got %+v", as)
		}
	})
	t.Run("BadRowsReportedNothingImported", func(t *testing.T) {
		src := "id,title,body,status,solved\n" + // line 1
			"ok1,良い記事,本文,,\n" + // line 2: fine
			"bad1,,本文,,\n" + // line 3: no title
			"bad2,\"二行に\nわたる\",,,\n" + // lines 4–5: no body
			"ok1,重複,本文,,\n" + // line 6: duplicate id
			"bad3,題,本文,live,x\n" + // line 7: bad status and solved
			"short,row\n" // line 8: field count
		as, err := ImportCSV(strings.NewReader(src))
		if as != nil {
			t.Errorf("imported %d articles despite errors", len(as))
		}
		var got []int
		for _, p := range problemsOf(t, err) {
			got = append(got, p.Line)
		}
		if want := []int{3, 4, 6, 7, 7, 8}; !slices.Equal(got, want) {
			t.Errorf("problem lines %v, want %v: %v", got, want, err)
		}
	})
	t.Run("Header", func(t *testing.T) {
		_, err := ImportCSV(strings.NewReader("title,colour\nx,y\n"))
		ps := problemsOf(t, err)
		if len(ps) != 2 || ps[0].Line != 1 || !strings.Contains(ps[0].Reason, "colour") || !strings.Contains(ps[1].Reason, "body") {
			t.Errorf("problems %v", ps)
		}
	})
	t.Run("ShiftJIS", func(t *testing.T) {
		_, err := ImportCSV(strings.NewReader("title,body\n\x89\xf0\x96\xf1,x\n"))
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].Line != 2 || !strings.Contains(ps[0].Reason, "UTF-8") {
			t.Errorf("problems %v", ps)
		}
	})
	t.Run("BadQuote", func(t *testing.T) {
		_, err := ImportCSV(strings.NewReader("title,body\nok,fine\nx,\"unterminated\n"))
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].Line < 3 {
			t.Errorf("problems %v", ps)
		}
	})
}

func TestImportMarkdown(t *testing.T) {
	good := "---\ntitle: 記事\n---\n本文"
	t.Run("OK", func(t *testing.T) {
		fsys := fstest.MapFS{
			"kb/b.md":          {Data: []byte(good)},
			"kb/sub/a.md":      {Data: []byte("---\nid: custom\ntitle: 記事\n---\n本文")},
			"kb/readme.txt":    {Data: []byte("not an article")},
			"other/ignored.md": {Data: []byte("bad")},
		}
		as, err := ImportMarkdown(fsys, "kb")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		if !slices.Equal(ids, []string{"b", "custom"}) {
			t.Errorf("ids %v", ids)
		}
	})
	t.Run("BadFilesReportedNothingImported", func(t *testing.T) {
		fsys := fstest.MapFS{
			"kb/a.md": {Data: []byte(good)},
			"kb/b.md": {Data: []byte("---\ntitle: x\nqueues: [a b]\n---\nbody")},
			"kb/c.md": {Data: []byte("---\nid: a\ntitle: 重複\n---\nbody")},
			"kb/d.md": {Data: []byte("no front matter")},
		}
		as, err := ImportMarkdown(fsys, "kb")
		if as != nil {
			t.Errorf("imported %d articles despite errors", len(as))
		}
		var got []string
		for _, p := range problemsOf(t, err) {
			got = append(got, p.String())
		}
		if len(got) != 3 || !strings.HasPrefix(got[0], "kb/b.md:1: queue") ||
			!strings.HasPrefix(got[1], "kb/c.md:1: id \"a\" already used by kb/a.md") || !strings.HasPrefix(got[2], "kb/d.md:1: missing front matter") {
			t.Errorf("problems:\n%s", strings.Join(got, "\n"))
		}
	})
}

func TestDemo(t *testing.T) {
	as := Demo()
	if len(as) < 100 {
		t.Errorf("demo corpus has %d articles, want ≥ 100", len(as))
	}
	cats := map[string]int{}
	for _, a := range as {
		if rs := Validate(a); len(rs) > 0 || a.ID == "" || a.Category == "" || len(a.Tags) == 0 {
			t.Errorf("%s: %v (category %q, tags %v)", a.ID, rs, a.Category, a.Tags)
		}
		cats[a.Category]++
	}
	if len(cats) < 8 {
		t.Errorf("only %d categories: %v", len(cats), cats)
	}
}

func TestGenerate(t *testing.T) {
	a, b := Generate(200, 7), Generate(200, 7)
	ids := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Title != b[i].Title || a[i].Body != b[i].Body {
			t.Fatalf("article %d differs between runs with one seed", i)
		}
		if rs := Validate(a[i]); len(rs) > 0 {
			t.Fatalf("%s invalid: %v", a[i].ID, rs)
		}
		ids[a[i].ID] = true
	}
	if len(ids) != 200 {
		t.Errorf("%d distinct ids, want 200", len(ids))
	}
	if c := Generate(1, 8); c[0].Body == a[0].Body {
		t.Error("different seeds gave the same article")
	}
}

func TestFromArticle(t *testing.T) {
	for _, a := range Demo()[:5] {
		b := FromArticle(ToArticle(a))
		if b.ID != a.ID || b.Title != a.Title || b.Body != a.Body || b.Category != a.Category || !slices.Equal(b.Tags, a.Tags) ||
			!slices.Equal(b.QueueIDs, a.QueueIDs) || b.Status != a.Status || b.SolvedCount != a.SolvedCount || !b.UpdatedAt.Equal(a.UpdatedAt) {
			t.Errorf("round trip changed %+v into %+v", a, b)
		}
	}
}
