package kb

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Synonyms is a dictionary of groups of interchangeable phrases, expanded at
// query time: a query containing one member also matches articles written
// with any other member. Expanding queries rather than documents means an
// admin's edit takes effect on the next search, with no reindex.
type Synonyms struct {
	groups [][]string

	once     sync.Once
	compiled [][]synMember
}

type synMember struct {
	key   string   // folded, word runes only: matched as a substring of the query
	words []string // content words, matched as a phrase in the index
	marks []string // folded surfaces to highlight
}

// defaultSynonyms are the phrases operators and articles use for the same
// thing in a Japanese ISP / online-shop call center.
var defaultSynonyms = [][]string{
	{"つながらない", "繋がらない", "接続できない", "アクセスできない", "つながりにくい", "接続エラー"},
	{"ログインできない", "サインインできない", "ログイン出来ない"},
	{"パスワード", "PW", "暗証番号"},
	{"Wi-Fi", "wifi", "ワイファイ", "無線LAN"},
	{"遅い", "速度が出ない", "重い"},
	{"クレカ", "クレジットカード"},
	{"メアド", "メールアドレス"},
	{"引っ越し", "引越し", "転居"},
	{"機種変", "機種変更"},
	{"スマホ", "スマートフォン"},
	{"返金", "払い戻し"},
	{"届かない", "来ない", "こない"},
	{"落ちる", "強制終了", "クラッシュ", "固まる"},
	{"エスカレ", "エスカレーション"},
	{"メルマガ", "メールマガジン"},
	{"二段階認証", "2段階認証", "二要素認証", "2要素認証"},
	{"ギガ", "データ容量", "データ通信量"},
	{"カスハラ", "カスタマーハラスメント"},
	{"コールバック", "折り返し"},
	{"年賀状", "年賀"},
}

// DefaultSynonyms returns the built-in dictionary.
func DefaultSynonyms() *Synonyms { return NewSynonyms(defaultSynonyms) }

// NewSynonyms builds a dictionary from groups of phrases.
func NewSynonyms(groups [][]string) *Synonyms {
	s := &Synonyms{}
	for _, g := range groups {
		s.groups = append(s.groups, append([]string(nil), g...))
	}
	return s
}

// Groups returns a copy of the groups, e.g. for an admin page.
func (s *Synonyms) Groups() [][]string {
	out := make([][]string, len(s.groups))
	for i, g := range s.groups {
		out[i] = append([]string(nil), g...)
	}
	return out
}

// Merge returns a dictionary with the groups of s followed by those of o.
func (s *Synonyms) Merge(o *Synonyms) *Synonyms {
	return NewSynonyms(append(s.Groups(), o.Groups()...))
}

// ParseSynonyms reads an admin-supplied dictionary: one group per line,
// members separated by "," or "=", "#" starting a comment. Every bad line is
// reported with its number; nothing is returned if any line is bad.
func ParseSynonyms(r io.Reader) (*Synonyms, error) {
	var groups [][]string
	var errs ImportError
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '=' || r == '、' })
		var g []string
		bad := ""
		for _, f := range fields {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if utf8.RuneCountInString(synKey(f)) < 2 {
				bad = fmt.Sprintf("member %q is shorter than 2 characters", f)
				break
			}
			g = append(g, f)
		}
		if bad == "" && len(g) < 2 {
			bad = "a group needs at least 2 members"
		}
		if bad != "" {
			errs.Problems = append(errs.Problems, Problem{Line: line, Reason: bad})
			continue
		}
		groups = append(groups, g)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read synonyms: %w", err)
	}
	if len(errs.Problems) > 0 {
		return nil, &errs
	}
	return NewSynonyms(groups), nil
}

// synKey is the folded form of a phrase with separators removed.
func synKey(s string) string { return cleanWord(FoldKey(s)) }

func (s *Synonyms) compile() {
	s.once.Do(func() {
		for _, g := range s.groups {
			var ms []synMember
			for _, p := range g {
				n := Normalize(p)
				m := synMember{key: synKey(p)}
				for _, mo := range morphs(n) {
					if mo.word != "" {
						m.words = append(m.words, mo.word)
						m.marks = append(m.marks, cleanWord(Fold(mo.surface)))
					}
				}
				m.words = appendCodes(m.words, Fold(n))
				ms = append(ms, m)
			}
			s.compiled = append(s.compiled, ms)
		}
	})
}

// expand returns every member of every group one of whose members occurs in
// the query key (folded, word runes only) starting and ending on a token
// boundary (byte offsets in bounds).
func (s *Synonyms) expand(key string, bounds map[int]bool) []synMember {
	s.compile()
	var out []synMember
	for _, g := range s.compiled {
		hit := false
		for _, m := range g {
			if m.key == "" {
				continue
			}
			for at := 0; !hit; {
				i := strings.Index(key[at:], m.key)
				if i < 0 {
					break
				}
				i += at
				hit = bounds[i] && bounds[i+len(m.key)]
				at = i + 1
			}
			if hit {
				break
			}
		}
		if hit {
			out = append(out, g...)
		}
	}
	return out
}
