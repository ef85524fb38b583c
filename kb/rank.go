package kb

import (
	"math"
	"time"
)

// Ranking weights. Relevance dominates: the boosts only reorder articles
// whose text matches comparably, so a popular article cannot push an
// exact answer off the first screen.
const (
	// SolvedWeight scales log(1+solved): 10 marks ≈ ×1.24, 100 ≈ ×1.46,
	// 1000 ≈ ×1.69. Logarithmic because the 300th "solved with this" says
	// much less than the 3rd, and new articles must still be able to rise.
	SolvedWeight = 0.1
	// FreshWeight is the extra weight of an article edited just now; it
	// decays with a half-life of FreshHalfLife, because procedures change
	// (prices, deadlines) and a recent edit is more likely to be right.
	FreshWeight   = 0.15
	FreshHalfLife = 90 * 24 * time.Hour
)

// Score combines text relevance (higher is better, e.g. negated FTS5 bm25)
// with the "solved with this" count and the age of the last edit.
func Score(relevance float64, solved int, updated, now time.Time) float64 {
	if solved < 0 {
		solved = 0
	}
	s := 1 + SolvedWeight*math.Log1p(float64(solved))
	f := 1.0
	if !updated.IsZero() {
		age := now.Sub(updated)
		if age < 0 {
			age = 0
		}
		f = 1 + FreshWeight*math.Exp2(-float64(age)/float64(FreshHalfLife))
	}
	return relevance * s * f
}
