package calendar

import (
	"slices"
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

// nextOpenDays is how far NextOpen looks ahead: past two weeks a number is
// closed for something longer than a holiday season, and "now" is the
// honest answer.
const nextOpenDays = 14

// NextOpen returns the first moment at or after t when h is open, in t's
// location: t itself when open (or h is nil), otherwise the start of the
// next open span that is not a closed date or (when h says so) a holiday.
// When nothing opens within two weeks it returns t.
func NextOpen(h *tsunagu.BusinessHours, t time.Time) time.Time {
	if Open(h, t) {
		return t
	}
	for d := range nextOpenDays + 1 {
		day := time.Date(t.Year(), t.Month(), t.Day()+d, 0, 0, 0, 0, t.Location())
		var starts []time.Duration
		for _, s := range h.Week[tsunagu.Weekdays[day.Weekday()]] {
			if sp, ok := tsunagu.ParseSpan(s); ok {
				starts = append(starts, sp.From)
			}
		}
		slices.Sort(starts)
		for _, from := range starts {
			at := day.Add(from)
			if !at.Before(t) && Open(h, at) {
				return at
			}
		}
	}
	return t
}
