package kb

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseMarkdown reads one article written as Markdown with front matter:
//
//	---
//	id: password-reset          # optional; defaults to defaultID
//	title: パスワードを忘れた場合
//	category: アカウント
//	tags: [パスワード, ログイン]  # or a "- item" list on the next lines
//	queues: [support]           # "queue" is accepted too; empty = every queue
//	status: published           # draft | published | archived
//	solved: 12                  # "solved with this" count, for migrations
//	updated: 2026-10-01         # or RFC 3339
//	---
//	本文…
//
// The front matter is a deliberately small YAML subset, parsed here rather
// than by a YAML library, so that every mistake can be reported with its
// line and reason. Errors are *ImportError values whose problems carry line
// numbers (File left empty for the caller to fill).
func ParseMarkdown(defaultID string, data []byte) (Article, error) {
	var errs ImportError
	fail := func(line int, format string, args ...any) {
		errs.Problems = append(errs.Problems, Problem{Line: line, Reason: fmt.Sprintf(format, args...)})
	}
	a := Article{ID: defaultID}
	if !utf8.Valid(data) {
		fail(1, "file is not UTF-8 text")
		return Article{}, &errs
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		fail(1, "missing front matter: the file must start with a line \"---\"")
		return Article{}, &errs
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		fail(1, "front matter is not closed by a line \"---\"")
		return Article{}, &errs
	}
	seen := map[string]int{}
	for i := 1; i < end; i++ {
		ln := i + 1
		raw := lines[i]
		line := stripComment(raw)
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' || strings.HasPrefix(line, "-") {
			fail(ln, "unexpected indented line or list item outside a list")
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			fail(ln, "expected \"key: value\"")
			continue
		}
		key := strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if prev, dup := seen[key]; dup {
			fail(ln, "key %q repeated (first on line %d)", key, prev)
			continue
		}
		seen[key] = ln
		// A value-less list key may be followed by "- item" lines.
		var items []string
		isList := false
		if v == "" {
			for i+1 < end {
				next := stripComment(lines[i+1])
				t := strings.TrimSpace(next)
				if !strings.HasPrefix(t, "- ") && t != "-" {
					break
				}
				items = append(items, unquote(strings.TrimSpace(strings.TrimPrefix(t, "-"))))
				isList = true
				i++
			}
		} else if strings.HasPrefix(v, "[") {
			if !strings.HasSuffix(v, "]") {
				fail(ln, "list for %q is not closed with \"]\"", key)
				continue
			}
			isList = true
			for _, it := range strings.Split(v[1:len(v)-1], ",") {
				if it = unquote(strings.TrimSpace(it)); it != "" {
					items = append(items, it)
				}
			}
		}
		scalar := func() (string, bool) {
			if isList {
				fail(ln, "%q takes a single value, not a list", key)
				return "", false
			}
			return unquote(v), true
		}
		list := func() []string {
			if isList {
				return items
			}
			if s := unquote(v); s != "" {
				return splitList(s)
			}
			return nil
		}
		switch key {
		case "id":
			if s, ok := scalar(); ok {
				a.ID = s
			}
		case "title":
			if s, ok := scalar(); ok {
				a.Title = s
			}
		case "category":
			if s, ok := scalar(); ok {
				a.Category = s
			}
		case "tags":
			a.Tags = list()
		case "queues", "queue":
			a.QueueIDs = list()
		case "status":
			if s, ok := scalar(); ok {
				a.Status = Status(strings.ToLower(s))
			}
		case "solved", "solved_count":
			if s, ok := scalar(); ok {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					fail(ln, "%q must be a whole number ≥ 0, got %q", key, s)
				}
				a.SolvedCount = n
			}
		case "updated", "updated_at":
			if s, ok := scalar(); ok {
				t, err := parseTime(s)
				if err != nil {
					fail(ln, "%q must be a date like 2026-10-01, got %q", key, s)
				}
				a.UpdatedAt = t
			}
		default:
			fail(ln, "unknown key %q (known: id, title, category, tags, queues, status, solved, updated)", key)
		}
	}
	a.Body = strings.TrimSpace(strings.Join(lines[end+1:], "\n"))
	for _, reason := range Validate(a) {
		fail(1, "%s", reason)
	}
	if len(errs.Problems) > 0 {
		return Article{}, &errs
	}
	return a, nil
}

// stripComment removes a YAML comment: " #" or a leading "#".
func stripComment(s string) string {
	if strings.HasPrefix(strings.TrimSpace(s), "#") {
		return ""
	}
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	return s
}

// unquote strips one pair of matching quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// splitList splits a tag or queue list written in one cell: "a|b", "a;b",
// "a、b" or "a,b".
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '|' || r == ';' || r == ',' || r == '、'
	}) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate returns the reasons an article cannot be stored or indexed; none
// means it is valid. An empty ID is allowed: the store assigns one.
func Validate(a Article) []string {
	var rs []string
	if a.ID != "" && !idPattern.MatchString(a.ID) {
		rs = append(rs, fmt.Sprintf("id %q must be 1–64 letters, digits, '.', '_' or '-'", a.ID))
	}
	if strings.TrimSpace(a.Title) == "" {
		rs = append(rs, "title is required")
	} else if utf8.RuneCountInString(a.Title) > 200 {
		rs = append(rs, "title is longer than 200 characters")
	}
	if strings.TrimSpace(a.Body) == "" {
		rs = append(rs, "body is empty")
	} else if len(a.Body) > 1<<20 {
		rs = append(rs, "body is larger than 1 MiB")
	}
	if a.Status != "" && !a.Status.Valid() {
		rs = append(rs, fmt.Sprintf("status %q must be draft, published or archived", a.Status))
	}
	if len(a.Tags) > 30 {
		rs = append(rs, "more than 30 tags")
	}
	for _, q := range a.QueueIDs {
		if !idPattern.MatchString(q) {
			rs = append(rs, fmt.Sprintf("queue %q is not a valid queue id", q))
		}
	}
	if a.SolvedCount < 0 {
		rs = append(rs, "solved count is negative")
	}
	return rs
}

var (
	mdLink   = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdList   = regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+`)
	mdHeader = regexp.MustCompile(`^\s*#{1,6}\s+`)
	mdRule   = regexp.MustCompile(`^\s*\|?[\s:|-]*-{3,}[\s:|-]*$`)
)

// StripMarkdown turns Markdown into plain text for indexing and snippets:
// headings, list markers, emphasis, code marks and table pipes go; link text
// stays and URLs go. It is not a renderer, only what search needs.
func StripMarkdown(md string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(md, "\n") {
		if mdRule.MatchString(line) {
			continue
		}
		line = mdHeader.ReplaceAllString(line, "")
		line = mdList.ReplaceAllString(line, "")
		line = strings.TrimLeft(line, "> ")
		line = mdLink.ReplaceAllString(line, "$1")
		line = strings.NewReplacer("**", "", "__", "", "`", "", "|", " ").Replace(line)
		b.WriteString(strings.TrimSpace(line))
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}
