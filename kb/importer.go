package kb

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one bad file or row found by an import.
type Problem struct {
	File   string // file name, or "" for a single CSV stream
	Line   int    // 1-based line of the problem
	Reason string
}

// String formats the problem as "file:line: reason" or "line N: reason".
func (p Problem) String() string {
	if p.File == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
}

// ImportError lists every problem found by an import. An import that
// returns it has imported nothing: operators fix the file and retry, rather
// than hunting for which half of the articles made it in.
type ImportError struct {
	Problems []Problem
}

// Error lists the first problems; Problems has them all.
func (e *ImportError) Error() string {
	if len(e.Problems) == 1 {
		return "kb: import: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kb: import: %d problems", len(e.Problems))
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// ImportMarkdown reads every *.md file under dir of fsys (sorted by path).
// The file name without ".md" is the default article ID.
func ImportMarkdown(fsys fs.FS, dir string) ([]Article, error) {
	var names []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(path.Ext(p), ".md") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kb: import %s: %w", dir, err)
	}
	sort.Strings(names)
	var out []Article
	var all ImportError
	ids := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("kb: import %s: %w", name, err)
		}
		a, err := ParseMarkdown(strings.TrimSuffix(path.Base(name), path.Ext(name)), data)
		var ie *ImportError
		if errors.As(err, &ie) {
			for _, p := range ie.Problems {
				p.File = name
				all.Problems = append(all.Problems, p)
			}
			continue
		} else if err != nil {
			return nil, err
		}
		if prev, dup := ids[a.ID]; dup {
			all.Problems = append(all.Problems, Problem{File: name, Line: 1, Reason: fmt.Sprintf("id %q already used by %s", a.ID, prev)})
			continue
		}
		ids[a.ID] = name
		out = append(out, a)
	}
	if len(all.Problems) > 0 {
		return nil, &all
	}
	return out, nil
}

// csvColumns are the columns ImportCSV understands; title and body are required.
var csvColumns = map[string]bool{
	"id": true, "title": true, "body": true, "category": true, "tags": true,
	"queues": true, "status": true, "solved": true, "updated": true,
}

// ImportCSV reads articles from CSV with a header row naming the columns
// (id, title, body, category, tags, queues, status, solved, updated; title
// and body required). Lists are separated by "|", ";" or "、". A UTF-8 BOM,
// as written by Excel, is accepted; Shift_JIS is reported, not guessed.
func ImportCSV(r io.Reader) ([]Article, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("kb: import csv: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var all ImportError
	fail := func(line int, format string, args ...any) {
		all.Problems = append(all.Problems, Problem{Line: line, Reason: fmt.Sprintf(format, args...)})
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		fail(line, "not UTF-8 text (save the file as \"CSV UTF-8\")")
		return nil, &all
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		fail(1, "cannot read header row: %v", err)
		return nil, &all
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !csvColumns[h] {
			fail(1, "unknown column %q", h)
			continue
		}
		if _, dup := col[h]; dup {
			fail(1, "column %q appears twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"title", "body"} {
		if _, ok := col[req]; !ok {
			fail(1, "missing required column %q", req)
		}
	}
	if len(all.Problems) > 0 {
		return nil, &all
	}
	var out []Article
	ids := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			fail(pe.Line, "%v", pe.Err)
			if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
				// After a quoting error the rest of the file cannot be
				// split into rows reliably; stop rather than report noise.
				break
			}
			continue
		} else if err != nil {
			return nil, fmt.Errorf("kb: import csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			fail(line, "%d fields, header has %d", len(rec), len(header))
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		a := Article{
			ID: get("id"), Title: get("title"), Body: get("body"), Category: get("category"),
			Tags: splitList(get("tags")), QueueIDs: splitList(get("queues")), Status: Status(strings.ToLower(get("status"))),
		}
		bad := false
		if s := get("solved"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				fail(line, "solved must be a whole number ≥ 0, got %q", s)
				bad = true
			}
			a.SolvedCount = n
		}
		if s := get("updated"); s != "" {
			t, err := parseTime(s)
			if err != nil {
				fail(line, "updated must be a date like 2026-10-01, got %q", s)
				bad = true
			}
			a.UpdatedAt = t
		}
		for _, reason := range Validate(a) {
			fail(line, "%s", reason)
			bad = true
		}
		if a.ID != "" {
			if prev, dup := ids[a.ID]; dup {
				fail(line, "id %q already used on line %d", a.ID, prev)
				bad = true
			} else {
				ids[a.ID] = line
			}
		}
		if !bad {
			out = append(out, a)
		}
	}
	if len(all.Problems) > 0 {
		return nil, &all
	}
	return out, nil
}

// firstInvalid returns the offset of the first invalid UTF-8 byte.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}
