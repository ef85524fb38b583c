package calendar

import (
	"time"

	"tsunagu"
)

// Open reports whether h is open at t, in t's location (the tenant's time
// zone: the caller converts). Nil hours are always open.
func Open(h *tsunagu.BusinessHours, t time.Time) bool {
	if h == nil {
		return true
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for _, c := range h.Closed {
		if from, to, ok := tsunagu.ParseDateRange(c); ok && !day.Before(from) && !day.After(to) {
			return false
		}
	}
	if h.ClosedOnHolidays {
		if _, hol := HolidayOn(t); hol {
			return false
		}
	}
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	off := t.Sub(midnight)
	for _, s := range h.Week[tsunagu.Weekdays[t.Weekday()]] {
		if sp, ok := tsunagu.ParseSpan(s); ok && off >= sp.From && off < sp.To {
			return true
		}
	}
	return false
}
