package tsunagu

import (
	"strings"
	"time"
)

// BusinessHours says when a number answers: open spans per weekday in the
// tenant's time zone, optionally closed on Japanese public holidays, and
// extra closed dates (年末年始, a move, …). calendar.Open evaluates it.
type BusinessHours struct {
	// Week maps "mon".."sun" to open spans "09:00-18:00"; a day not listed
	// is closed. A span may end at "24:00".
	Week map[string][]string `json:"week"`
	// ClosedOnHolidays closes on 国民の祝日 and their substitutes.
	ClosedOnHolidays bool `json:"closed_on_holidays"`
	// Closed are extra closed dates, "2026-12-29" or "2026-12-29/2027-01-03".
	Closed []string `json:"closed,omitempty"`
}

// Weekdays are the keys of BusinessHours.Week, indexed by time.Weekday.
var Weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Span is an open period of one day, as offsets from midnight.
type Span struct{ From, To time.Duration }

// ParseSpan reads "09:00-18:00".
func ParseSpan(s string) (Span, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Span{}, false
	}
	from, ok1 := clock(a)
	to, ok2 := clock(b)
	if !ok1 || !ok2 || to <= from {
		return Span{}, false
	}
	return Span{from, to}, true
}

func clock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, mm := atoi2(h), atoi2(m)
	if hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

func atoi2(s string) int {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return -1
	}
	return int(s[0]-'0')*10 + int(s[1]-'0')
}

// ParseDateRange reads "2026-12-29" or "2026-12-29/2027-01-03" (inclusive).
func ParseDateRange(s string) (from, to time.Time, ok bool) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "/")
	from, err := time.Parse(time.DateOnly, a)
	if err != nil {
		return from, to, false
	}
	to = from
	if isRange {
		if to, err = time.Parse(time.DateOnly, b); err != nil || to.Before(from) || to.Sub(from) > 366*24*time.Hour {
			return from, to, false
		}
	}
	return from, to, true
}

// Validate checks every span and date; field names are relative to the
// hours ("week.mon[0]", "closed[1]").
func (h *BusinessHours) Validate() error {
	for day, spans := range h.Week {
		known := false
		for _, d := range Weekdays {
			known = known || d == day
		}
		if !known {
			return FieldError("week."+day, "Days are mon, tue, wed, thu, fri, sat and sun.")
		}
		for i, s := range spans {
			if _, ok := ParseSpan(s); !ok {
				return FieldError("week."+day+"["+itoa(i)+"]", "%q is not a span like 09:00-18:00.", s)
			}
		}
	}
	for i, c := range h.Closed {
		if _, _, ok := ParseDateRange(c); !ok {
			return FieldError("closed["+itoa(i)+"]", "%q is not a date like 2026-12-29 or a range like 2026-12-29/2027-01-03.", c)
		}
	}
	return nil
}
