package kb

import (
	"testing"
	"time"
)

func TestScore(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-2, 0, 0)
	if a, b := Score(10, 50, old, now), Score(10, 0, old, now); a <= b {
		t.Errorf("solved boost: 50 solved %v ≤ 0 solved %v", a, b)
	}
	if a, b := Score(10, 0, now.AddDate(0, 0, -1), now), Score(10, 0, old, now); a <= b {
		t.Errorf("freshness: yesterday %v ≤ two years ago %v", a, b)
	}
	// The boosts must not let a weak match beat a clearly better one.
	if weak, strong := Score(5, 1000, now, now), Score(10, 0, old, now); weak >= strong {
		t.Errorf("boosted weak match %v ≥ unboosted strong match %v", weak, strong)
	}
	if Score(10, -3, time.Time{}, now) != 10 {
		t.Error("negative solved count or zero time changed the score")
	}
}
