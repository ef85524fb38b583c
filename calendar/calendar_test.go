package calendar

import (
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// The Cabinet Office's published lists (内閣府「国民の祝日について」).
var published = map[int]string{
	2025: "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-21 08-11 09-15 09-23 10-13 11-03 11-23 11-24",
	2026: "01-01 01-12 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 11-03 11-23",
	2027: "01-01 01-11 02-11 02-23 03-21 03-22 04-29 05-03 05-04 05-05 07-19 08-11 09-20 09-23 10-11 11-03 11-23",
	2019: "01-01 01-14 02-11 03-21 04-29 04-30 05-01 05-02 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 09-23 10-14 10-22 11-03 11-04 11-23",
	2020: "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-23 07-24 08-10 09-21 09-22 11-03 11-23",
	2021: "01-01 01-11 02-11 02-23 03-20 04-29 05-03 05-04 05-05 07-22 07-23 08-08 08-09 09-20 09-23 11-03 11-23",
}

func TestHolidays_MatchPublishedLists(t *testing.T) {
	for year, want := range published {
		var got []string
		for _, h := range Holidays(year) {
			got = append(got, h.Date[5:])
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%d:\n got %s\nwant %s", year, g, want)
		}
	}
}

func TestHolidays_Names(t *testing.T) {
	for date, want := range map[string]string{
		"2026-05-06": "振替休日", "2026-09-22": "国民の休日", "2026-01-12": "成人の日", "2027-03-21": "春分の日",
	} {
		d, _ := time.Parse(time.DateOnly, date)
		h, ok := HolidayOn(d)
		if !ok || h.Name != want || h.NameEn == "" {
			t.Errorf("%s: %+v %v, want %s", date, h, ok, want)
		}
	}
	if h, ok := HolidayOn(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)); ok {
		t.Errorf("2026-11-25 is a working day, got %+v", h)
	}
}

func TestOpen(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	h := &tsunagu.BusinessHours{
		Week: map[string][]string{
			"mon": {"09:00-12:00", "13:00-18:00"}, "tue": {"09:00-18:00"}, "wed": {"09:00-18:00"},
			"thu": {"09:00-18:00"}, "fri": {"09:00-18:00"}, "sat": {"10:00-15:00"},
		},
		ClosedOnHolidays: true,
		Closed:           []string{"2026-12-29/2027-01-03", "2026-11-27"},
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for when, want := range map[string]bool{
		"2026-11-25 09:00": true,  // Wednesday, opening minute
		"2026-11-25 17:59": true,  //
		"2026-11-25 18:00": false, // closing time is closed
		"2026-11-25 08:59": false,
		"2026-11-30 12:30": false, // Monday lunch break
		"2026-11-30 13:00": true,
		"2026-11-28 14:00": true,  // Saturday
		"2026-11-29 11:00": false, // Sunday: not listed
		"2026-11-23 11:00": false, // 勤労感謝の日 (Monday)
		"2026-11-27 11:00": false, // extra closed date
		"2026-12-28 11:00": true,
		"2026-12-30 11:00": false, // 年末年始 range
		"2027-01-04 11:00": true,
	} {
		if got := Open(h, at(when)); got != want {
			t.Errorf("%s: open %v, want %v", when, got, want)
		}
	}
	if !Open(nil, at("2026-11-29 03:00")) {
		t.Error("no hours must mean always open")
	}
}

// TestNextOpen: when a message left outside the hours can be returned — the
// next opening, skipping lunch, Sundays, holidays and closed dates.
func TestNextOpen(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	h := &tsunagu.BusinessHours{
		Week: map[string][]string{
			"mon": {"13:00-18:00", "09:00-12:00"}, "tue": {"09:00-18:00"}, "wed": {"09:00-18:00"},
			"thu": {"09:00-18:00"}, "fri": {"09:00-18:00"}, "sat": {"10:00-15:00"},
		},
		ClosedOnHolidays: true,
		Closed:           []string{"2026-12-29/2027-01-03", "2026-11-27"},
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for from, want := range map[string]string{
		"2026-11-25 10:00": "2026-11-25 10:00", // open: now
		"2026-11-25 07:30": "2026-11-25 09:00", // before opening
		"2026-11-25 18:00": "2026-11-26 09:00", // after closing
		"2026-11-26 20:00": "2026-11-28 10:00", // Friday 27th is a closed date; Saturday's hours
		"2026-11-28 16:00": "2026-11-30 09:00", // Sunday is not listed
		"2026-11-30 12:15": "2026-11-30 13:00", // lunch (spans listed out of order)
		"2026-11-22 12:00": "2026-11-24 09:00", // Monday 23rd is 勤労感謝の日
		"2026-12-28 19:00": "2027-01-04 09:00", // 年末年始
	} {
		if got := NextOpen(h, at(from)); !got.Equal(at(want)) {
			t.Errorf("from %s: next open %s, want %s", from, got.Format("2006-01-02 15:04"), want)
		}
	}
	never := &tsunagu.BusinessHours{Week: map[string][]string{}}
	if got := NextOpen(never, at("2026-11-25 10:00")); !got.Equal(at("2026-11-25 10:00")) {
		t.Errorf("never open: %s, want the time asked (no basis for a later one)", got)
	}
	if got := NextOpen(nil, at("2026-11-29 03:00")); !got.Equal(at("2026-11-29 03:00")) {
		t.Errorf("no hours: %s", got)
	}
}

func TestBusinessHours_Validate(t *testing.T) {
	for field, h := range map[string]tsunagu.BusinessHours{
		"week.mon[0]": {Week: map[string][]string{"mon": {"18:00-09:00"}}},
		"week.xyz":    {Week: map[string][]string{"xyz": {"09:00-18:00"}}},
		"week.tue[1]": {Week: map[string][]string{"tue": {"09:00-12:00", "9-18"}}},
		"closed[0]":   {Closed: []string{"2026-13-01"}},
	} {
		if err := h.Validate(); tsunagu.ErrorField(err) != field {
			t.Errorf("%+v: %v (field %q), want field %s", h, err, tsunagu.ErrorField(err), field)
		}
	}
	ok := tsunagu.BusinessHours{Week: map[string][]string{"sun": {"00:00-24:00"}}, Closed: []string{"2026-12-31"}}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}
