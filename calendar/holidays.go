// Package calendar answers "is the center open now?": Japanese public
// holidays (国民の祝日) computed from the law, and business hours with
// extra closed days. It is pure: no clock, no I/O.
package calendar

import (
	"math"
	"sort"
	"time"
)

// Holiday is one public holiday.
type Holiday struct {
	Date   string `json:"date"` // 2026-01-01
	Name   string `json:"name"` // 元日
	NameEn string `json:"name_en"`
}

// Holidays returns Japan's public holidays of year in date order, by the
// Act on National Holidays as amended up to 2018 (天皇誕生日 on 23 February
// from 2020; スポーツの日), with the one-off dates of 2019–2021 (the
// enthronement and the moved Olympic holidays), substitute holidays
// (振替休日) and sandwiched citizens' holidays (国民の休日). Years before
// 2007 or after 2099 are computed with the same rules and may differ from
// the calendar actually observed (the equinox formula holds 1980–2099).
func Holidays(year int) []Holiday {
	type day struct {
		m      time.Month
		d      int
		ja, en string
	}
	var ds []day
	add := func(m time.Month, d int, ja, en string) { ds = append(ds, day{m, d, ja, en}) }
	add(time.January, 1, "元日", "New Year's Day")
	add(time.January, nthMonday(year, time.January, 2), "成人の日", "Coming of Age Day")
	add(time.February, 11, "建国記念の日", "National Foundation Day")
	switch {
	case year >= 2020:
		add(time.February, 23, "天皇誕生日", "The Emperor's Birthday")
	case year >= 1989 && year <= 2018:
		add(time.December, 23, "天皇誕生日", "The Emperor's Birthday")
	}
	add(time.March, equinox(year, 20.8431), "春分の日", "Vernal Equinox Day")
	add(time.April, 29, "昭和の日", "Showa Day")
	add(time.May, 3, "憲法記念日", "Constitution Memorial Day")
	add(time.May, 4, "みどりの日", "Greenery Day")
	add(time.May, 5, "こどもの日", "Children's Day")
	switch year {
	case 2020:
		add(time.July, 23, "海の日", "Marine Day")
		add(time.July, 24, "スポーツの日", "Sports Day")
		add(time.August, 10, "山の日", "Mountain Day")
	case 2021:
		add(time.July, 22, "海の日", "Marine Day")
		add(time.July, 23, "スポーツの日", "Sports Day")
		add(time.August, 8, "山の日", "Mountain Day")
	default:
		add(time.July, nthMonday(year, time.July, 3), "海の日", "Marine Day")
		if year >= 2016 {
			add(time.August, 11, "山の日", "Mountain Day")
		}
		if year >= 2020 {
			add(time.October, nthMonday(year, time.October, 2), "スポーツの日", "Sports Day")
		} else {
			add(time.October, nthMonday(year, time.October, 2), "体育の日", "Health and Sports Day")
		}
	}
	add(time.September, nthMonday(year, time.September, 3), "敬老の日", "Respect for the Aged Day")
	add(time.September, equinox(year, 23.2488), "秋分の日", "Autumnal Equinox Day")
	add(time.November, 3, "文化の日", "Culture Day")
	add(time.November, 23, "勤労感謝の日", "Labour Thanksgiving Day")
	if year == 2019 {
		add(time.May, 1, "即位の日", "Enthronement Day")
		add(time.October, 22, "即位礼正殿の儀", "Enthronement Ceremony")
		// 30 April and 2 May follow from the 国民の休日 rule below.
	}

	byDate := map[time.Time]Holiday{}
	date := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	for _, d := range ds {
		t := date(d.m, d.d)
		byDate[t] = Holiday{Date: t.Format(time.DateOnly), Name: d.ja, NameEn: d.en}
	}
	// 国民の休日: a weekday between two holidays is a holiday too.
	for t := date(time.January, 2); t.Year() == year; t = t.AddDate(0, 0, 1) {
		_, before := byDate[t.AddDate(0, 0, -1)]
		_, after := byDate[t.AddDate(0, 0, 1)]
		if _, is := byDate[t]; !is && before && after && t.Weekday() != time.Sunday {
			byDate[t] = Holiday{Date: t.Format(time.DateOnly), Name: "国民の休日", NameEn: "Citizens' Holiday"}
		}
	}
	// 振替休日: a holiday on a Sunday moves to the next day that is not one.
	var subs []time.Time
	for t := range byDate {
		if t.Weekday() != time.Sunday {
			continue
		}
		s := t.AddDate(0, 0, 1)
		for {
			if _, is := byDate[s]; !is {
				break
			}
			s = s.AddDate(0, 0, 1)
		}
		if s.Year() == year {
			subs = append(subs, s)
		}
	}
	for _, s := range subs {
		byDate[s] = Holiday{Date: s.Format(time.DateOnly), Name: "振替休日", NameEn: "Substitute Holiday"}
	}
	out := make([]Holiday, 0, len(byDate))
	for _, h := range byDate {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// HolidayOn returns the public holiday on t's date (in t's location).
func HolidayOn(t time.Time) (Holiday, bool) {
	key := t.Format(time.DateOnly)
	for _, h := range holidaysCached(t.Year()) {
		if h.Date == key {
			return h, true
		}
	}
	return Holiday{}, false
}

// nthMonday is the day of month of the n-th Monday (ハッピーマンデー).
func nthMonday(year int, m time.Month, n int) int {
	first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
	return 1 + (int(time.Monday)-int(first)+7)%7 + 7*(n-1)
}

// equinox is the day in March (base 20.8431) or September (23.2488) of the
// equinox in Japan, by the formula the National Astronomical Observatory's
// announcements follow for 1980–2099.
func equinox(year int, base float64) int {
	y := float64(year - 1980)
	return int(math.Floor(base + 0.242194*y - math.Floor(y/4)))
}
