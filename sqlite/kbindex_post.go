package sqlite

import (
	"cmp"
	"container/heap"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"tsunagu/kb"
)

// The knowledge-base index keeps its own posting lists instead of FTS5's:
// one row per term holding the term's document numbers (delta-encoded
// varints) each followed by one byte, the document's precomputed BM25 term
// weight ("impact"). A search reads the posting lists of its terms and adds
// idf × impact into one dense array of document scores, then keeps the best
// few. That is a few nanoseconds per posting, where FTS5's bm25() cost
// microseconds per matching document (it looks up every document's length),
// so every match of every term can be scored even among 100,000 articles —
// no term budget, no bounded window, and the answer is not lost because its
// words are common. Positions are not stored: synonym phrases are matched as
// "all their words in the article" (see kbScore), which is what made the
// index four times smaller than FTS5 with detail=full.

// BM25F-style scoring: each column is scored by BM25 with its own length
// normalisation and the column scores are added with the column weights.
// FTS5's bm25() instead multiplies the term frequency by the weight inside
// the saturation, so a word in the title saturated to about the same score
// as one mention in a short body; among 100,000 generated articles that
// copy demo sentences, the short copies then outranked the article whose
// title is the answer (recall@5 0.57). With the weights outside the
// saturation a title match counts as the weights say.
const (
	kbK1 = 1.2
	kbB  = 0.75
	// kbImpactMax bounds an impact: every column saturated.
	kbImpactMax = (8 + 2 + 3 + 1 + 0.5) * (kbK1 + 1)
)

// kbColWeights weighs a term by where it occurs, in the order of kb.Terms:
// a word in the title says far more about an article than one in its body;
// bigrams and readings are fallbacks for typos, unknown words and kana
// input, so they count, but less than a real word match.
var kbColWeights = [5]float64{8, 2, 3, 1, 0.5}

// kbLens is the average length in terms of each column, measured by
// Rebuild; kbDefaultLens is assumed before any Rebuild (an index filled by
// Upsert only), roughly the demo corpus's.
type kbLens [5]float64

var kbDefaultLens = kbLens{8, 150, 15, 400, 250}

func (l kbLens) String() string {
	var b strings.Builder
	for i, v := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(v, 'g', 6, 64))
	}
	return b.String()
}

func parseKBLens(s string) kbLens {
	l := kbDefaultLens
	for i, f := range strings.Split(s, ",") {
		if v, err := strconv.ParseFloat(f, 64); err == nil && v > 0 && i < len(l) {
			l[i] = v
		}
	}
	return l
}

// kbImpactByte and kbImpactOf map an impact to a byte and back on a square
// root scale: most postings are body bigrams with small impacts, which a
// linear byte would resolve in a few steps only.
func kbImpactByte(v float64) uint8 {
	return uint8(min(max(math.Round(math.Sqrt(v/kbImpactMax)*255), 1), 255))
}

var kbImpactOf = func() (t [256]float32) {
	for i := range t {
		f := float64(i) / 255
		t[i] = float32(f * f * kbImpactMax)
	}
	return t
}()

// kbImpacts returns each distinct term of an article with its impact byte
// and the length of each column.
func kbImpacts(t kb.Terms, avg kbLens) (map[string]uint8, kbLens) {
	cols := [5][]string{t.Title, t.Body, t.TitleGrams, t.BodyGrams, t.Yomi}
	tf := map[string]*[5]float64{}
	var lens kbLens
	for c, col := range cols {
		lens[c] = float64(len(col))
		for _, w := range col {
			f := tf[w]
			if f == nil {
				f = new([5]float64)
				tf[w] = f
			}
			f[c]++
		}
	}
	var norm [5]float64
	for c := range norm {
		norm[c] = kbK1 * (1 - kbB + kbB*lens[c]/max(avg[c], 1))
	}
	out := make(map[string]uint8, len(tf))
	for w, f := range tf {
		var v float64
		for c, n := range f {
			if n > 0 {
				v += kbColWeights[c] * n * (kbK1 + 1) / (n + norm[c])
			}
		}
		out[w] = kbImpactByte(v)
	}
	return out, lens
}

// Posting lists are stored in blocks of kbBlockSize postings so that a
// search can skip the blocks that hold none of its candidates (below). The
// blob is: the number of blocks (uvarint); for each block its last
// document number (uvarint, as a gap from the previous block's), its
// payload length (uvarint) and its largest impact (byte); then the
// payloads, each posting a document-number gap (uvarint) and an impact byte.
const kbBlockSize = 128

// kbPostBuf accumulates one term's posting list in document order.
type kbPostBuf struct {
	head, body, cur []byte
	last, blockLast uint32 // last document; last document of the last full block
	curMax          uint8
	n, df           int
}

func (p *kbPostBuf) add(doc uint32, impact uint8) {
	p.cur = binary.AppendUvarint(p.cur, uint64(doc-p.last))
	p.cur = append(p.cur, impact)
	p.last = doc
	p.curMax = max(p.curMax, impact)
	p.df++
	if p.n++; p.n == kbBlockSize {
		p.flush()
	}
}

func (p *kbPostBuf) flush() {
	if p.n == 0 {
		return
	}
	p.head = binary.AppendUvarint(p.head, uint64(p.last-p.blockLast))
	p.head = binary.AppendUvarint(p.head, uint64(len(p.cur)))
	p.head = append(p.head, p.curMax)
	p.body = append(p.body, p.cur...)
	p.cur, p.curMax, p.n, p.blockLast = p.cur[:0], 0, 0, p.last
}

// bytes returns the finished blob.
func (p *kbPostBuf) bytes() []byte {
	p.flush()
	blocks := (p.df + kbBlockSize - 1) / kbBlockSize
	out := binary.AppendUvarint(make([]byte, 0, 10+len(p.head)+len(p.body)), uint64(blocks))
	out = append(out, p.head...)
	return append(out, p.body...)
}

// kbIDF is BM25's inverse document frequency, in the form that stays
// positive for terms in more than half the articles.
func kbIDF(total, df int) float32 {
	return float32(math.Log(1 + (float64(total)-float64(df)+0.5)/(float64(df)+0.5)))
}

// kbPosting is one term's postings as read for a query: the base list built
// by Rebuild and the documents added by Upsert since.
type kbPosting struct {
	blocks []kbBlock
	body   []byte
	delta  []kbDeltaPost
	df     int
	max    uint8 // the largest impact
}

type kbBlock struct {
	first, last uint32 // the previous block's last document (0 for the first); its own last
	off, end    int    // payload bytes in body
	max         uint8
}

type kbDeltaPost struct {
	n      uint32
	impact uint8
}

// setBase parses a blob written by kbPostBuf. A corrupt blob yields the
// blocks parsed so far: a search must not panic on a damaged index file.
func (p *kbPosting) setBase(b []byte) {
	nb, i := binary.Uvarint(b)
	if i <= 0 || nb > uint64(len(b)) {
		return
	}
	blocks := make([]kbBlock, 0, nb)
	var last uint32
	off := 0
	for range nb {
		gap, k := binary.Uvarint(b[i:])
		if k <= 0 {
			return
		}
		i += k
		n, k := binary.Uvarint(b[i:])
		if k <= 0 || i+k >= len(b) {
			return
		}
		i += k
		blk := kbBlock{first: last, last: last + uint32(gap), off: off, end: off + int(n), max: b[i]}
		i++
		last, off = blk.last, blk.end
		blocks = append(blocks, blk)
		p.max = max(p.max, blk.max)
	}
	body := b[i:]
	for len(blocks) > 0 && blocks[len(blocks)-1].end > len(body) {
		blocks = blocks[:len(blocks)-1]
	}
	p.blocks, p.body = blocks, body
}

// block calls f for every posting of one block.
func (p *kbPosting) block(blk kbBlock, f func(n uint32, impact uint8)) {
	b := p.body[blk.off:blk.end]
	n := blk.first
	for i := 0; i < len(b); {
		var gap uint64
		if c := b[i]; c < 0x80 {
			gap = uint64(c)
			i++
		} else {
			v, k := binary.Uvarint(b[i:])
			if k <= 0 {
				return
			}
			gap = v
			i += k
		}
		if i >= len(b) {
			return
		}
		n += uint32(gap)
		f(n, b[i])
		i++
	}
}

// each calls f for every posting. Postings of replaced or deleted articles
// are still in the blobs until Compact; the caller skips them (kbAcc.gone).
func (p *kbPosting) each(f func(n uint32, impact uint8)) {
	for _, blk := range p.blocks {
		p.block(blk, f)
	}
	for _, d := range p.delta {
		f(d.n, d.impact)
	}
}

// seek calls f for the postings of the documents in cands (sorted), reading
// only the blocks that can hold one of them.
func (p *kbPosting) seek(cands []uint32, f func(n uint32, impact uint8)) {
	j := 0
	for _, blk := range p.blocks {
		for j < len(cands) && cands[j] <= blk.first {
			j++
		}
		if j == len(cands) {
			break
		}
		if cands[j] > blk.last {
			continue // no candidate in this block: skipped unread
		}
		p.block(blk, func(n uint32, impact uint8) {
			for j < len(cands) && cands[j] < n {
				j++
			}
			if j < len(cands) && cands[j] == n {
				f(n, impact)
			}
		})
	}
	for _, d := range p.delta {
		if _, ok := slices.BinarySearch(cands, d.n); ok {
			f(d.n, d.impact)
		}
	}
}

// kbAcc is the per-search scratch space: a score per document number.
type kbAcc struct {
	score   []float32
	touched []uint32  // documents whose score became non-zero
	cnt     []uint8   // phrase matching: words of the phrase found
	psum    []float32 // phrase matching: the phrase's score so far
	gone    []bool    // tombstoned documents (kb_dead), nil when there are none
}

var kbAccPool = sync.Pool{New: func() any { return new(kbAcc) }}

func (a *kbAcc) reset(size int, phrases bool) {
	if cap(a.score) < size {
		a.score = make([]float32, size)
	} else {
		a.score = a.score[:size]
		clear(a.score)
	}
	a.touched = a.touched[:0]
	a.gone = a.gone[:0]
	if phrases {
		if cap(a.cnt) < size {
			a.cnt, a.psum = make([]uint8, size), make([]float32, size)
		} else {
			a.cnt, a.psum = a.cnt[:size], a.psum[:size]
		}
	}
}

// kill marks the documents whose postings are tombstoned: they score
// nothing, so they neither show up nor raise MaxScore's threshold.
func (a *kbAcc) kill(dead []uint32) {
	if len(dead) == 0 {
		a.gone = nil
		return
	}
	if cap(a.gone) < len(a.score) {
		a.gone = make([]bool, len(a.score))
	} else {
		a.gone = a.gone[:len(a.score)]
		clear(a.gone)
	}
	for _, n := range dead {
		if int(n) < len(a.gone) {
			a.gone[n] = true
		}
	}
}

func (a *kbAcc) dead(n uint32) bool { return a.gone != nil && a.gone[n] }

func (a *kbAcc) add(n uint32, v float32) {
	if int(n) >= len(a.score) || a.dead(n) {
		return
	}
	if a.score[n] == 0 {
		a.touched = append(a.touched, n)
	}
	a.score[n] += v
}

// kbWeighted is a posting list with its idf and its upper bound (idf ×
// largest impact): no document can gain more from the term.
type kbWeighted struct {
	p       *kbPosting
	idf, ub float32
}

// kbScore adds the BM25 score of the query's terms and phrases into acc and
// returns the documents that can be among the k best (all touched
// documents, in no order, when every term was scored fully).
//
// It is MaxScore (Turtle & Flood 1995) over whole posting lists: terms are
// scored fully in order of decreasing upper bound — the rare, telling
// terms first — until the upper bounds of the terms left add up to less
// than the k-th best score so far. From then on no document that has not
// scored yet can reach the top k, so the remaining (common) terms are only
// looked up for the candidates that still can, skipping every block of
// their posting lists that holds none. The result is exact: the top k are
// the same as scoring every posting, at a fraction of the cost for queries
// with common words (ない, 確認, the bigrams of パスワード).
//
// A phrase (a synonym expansion such as 接続 できる) adds the scores of its
// words only to articles that contain all of them: without positions this
// approximates the phrase. Phrases are scored fully, before the terms.
func kbScore(acc *kbAcc, total int, terms []*kbPosting, phrases [][]*kbPosting, k int) []uint32 {
	for _, ph := range phrases {
		if len(ph) == 0 {
			continue
		}
		clear(acc.cnt)
		clear(acc.psum)
		for _, p := range ph {
			w := kbIDF(total, p.df)
			p.each(func(n uint32, impact uint8) {
				if int(n) < len(acc.cnt) && !acc.dead(n) {
					acc.cnt[n]++
					acc.psum[n] += w * kbImpactOf[impact]
				}
			})
		}
		want := uint8(len(ph))
		ph[0].each(func(n uint32, _ uint8) {
			if int(n) < len(acc.cnt) && acc.cnt[n] == want {
				acc.add(n, acc.psum[n])
				acc.cnt[n] = 0 // count a repeated posting once
			}
		})
	}
	ws := make([]kbWeighted, 0, len(terms))
	var rest float32 // sum of the upper bounds of the terms not yet scored
	for _, p := range terms {
		if p.df == 0 {
			continue
		}
		w := kbIDF(total, p.df)
		ub := w * kbImpactOf[p.max]
		for _, d := range p.delta {
			ub = max(ub, w*kbImpactOf[d.impact])
		}
		ws = append(ws, kbWeighted{p, w, ub})
		rest += ub
	}
	slices.SortFunc(ws, func(a, b kbWeighted) int { return cmp.Compare(b.ub, a.ub) })
	var top float32 // the best score so far
	i := 0
	for ; i < len(ws); i++ {
		if k > 0 && rest < top && len(acc.touched) >= k {
			if theta := kbKth(acc, k); rest < theta {
				break
			}
		}
		w := ws[i].idf
		ws[i].p.each(func(n uint32, impact uint8) {
			acc.add(n, w*kbImpactOf[impact])
			if int(n) < len(acc.score) {
				top = max(top, acc.score[n])
			}
		})
		rest -= ws[i].ub
	}
	if i == len(ws) {
		return acc.touched // in no order: kbTopK does not need one
	}
	// Only documents that could still reach the k-th best score matter.
	theta := kbKth(acc, k)
	cands := make([]uint32, 0, 256)
	for _, n := range acc.touched {
		if acc.score[n]+rest >= theta {
			cands = append(cands, n)
		}
	}
	slices.Sort(cands)
	for _, t := range ws[i:] {
		w := t.idf
		t.p.seek(cands, func(n uint32, impact uint8) { acc.score[n] += w * kbImpactOf[impact] })
	}
	return cands
}

// kbKth returns the k-th best score among the touched documents (0 if
// fewer).
func kbKth(acc *kbAcc, k int) float32 {
	if len(acc.touched) < k {
		return 0
	}
	h := make(kbFloatHeap, 0, k)
	for _, n := range acc.touched {
		v := acc.score[n]
		if len(h) < k {
			heap.Push(&h, v)
		} else if v > h[0] {
			h[0] = v
			heap.Fix(&h, 0)
		}
	}
	return h[0]
}

type kbFloatHeap []float32

func (h kbFloatHeap) Len() int           { return len(h) }
func (h kbFloatHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h kbFloatHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *kbFloatHeap) Push(x any)        { *h = append(*h, x.(float32)) }
func (h *kbFloatHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// kbTopK returns the k best-scored documents, best first (ties: lower
// document number first, i.e. indexed earlier).
func kbTopK(s []float32, docs []uint32, k int) []kbCand {
	h := make(kbHeap, 0, k)
	for _, n := range docs {
		v := s[n]
		if v <= 0 {
			continue
		}
		c := kbCand{n: int64(n), rel: float64(v)}
		if len(h) < k {
			heap.Push(&h, c)
		} else if c.rel > h[0].rel || (c.rel == h[0].rel && c.n < h[0].n) {
			// Ties go to the lower number whatever the order of docs.
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	out := make([]kbCand, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(kbCand)
	}
	return out
}

// kbHeap is a min-heap by relevance: its root is the weakest of the best.
type kbHeap []kbCand

func (h kbHeap) Len() int { return len(h) }
func (h kbHeap) Less(i, j int) bool {
	if h[i].rel != h[j].rel {
		return h[i].rel < h[j].rel
	}
	return h[i].n > h[j].n
}
func (h kbHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *kbHeap) Push(x any)   { *h = append(*h, x.(kbCand)) }
func (h *kbHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
