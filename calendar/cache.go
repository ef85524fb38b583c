package calendar

import "sync"

var (
	cacheMu sync.Mutex
	cache   = map[int][]Holiday{}
)

// holidaysCached is Holidays, computed once per year: a phone call asks on
// every arrival.
func holidaysCached(year int) []Holiday {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	h, ok := cache[year]
	if !ok {
		h = Holidays(year)
		cache[year] = h
	}
	return h
}
