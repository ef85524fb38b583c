package acd

import "time"

// WeeklySchedule is a queue's business hours: open spans per weekday in a
// time zone. Holidays and exceptions are better expressed with
// QueueConfig.Open, which wins over Hours.
type WeeklySchedule struct {
	Location *time.Location // nil is UTC
	Days     [7][]Span      // indexed by time.Weekday
}

// Span is an open period as offsets from local midnight; To may exceed 24h
// to run past midnight (it is then also checked from the previous day).
type Span struct {
	From, To time.Duration
}

// Open reports whether t falls in an open span.
func (w *WeeklySchedule) Open(t time.Time) bool {
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	off := t.Sub(midnight)
	for _, s := range w.Days[t.Weekday()] {
		if off >= s.From && off < s.To {
			return true
		}
	}
	// Spans of the previous day that run past midnight.
	prev := (t.Weekday() + 6) % 7
	for _, s := range w.Days[prev] {
		if s.To > 24*time.Hour && off+24*time.Hour >= s.From && off+24*time.Hour < s.To {
			return true
		}
	}
	return false
}

// Weekdays returns a schedule open from..to on Monday to Friday in loc.
func Weekdays(loc *time.Location, from, to time.Duration) *WeeklySchedule {
	w := &WeeklySchedule{Location: loc}
	for d := time.Monday; d <= time.Friday; d++ {
		w.Days[d] = []Span{{from, to}}
	}
	return w
}
