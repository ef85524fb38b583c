package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"tsunagu"
	"tsunagu/calendar"
)

// holidays lists Japan's public holidays of ?year= (default: this year in
// the tenant's zone), for the business-hours editor and the desk's calendar.
func (s *Server) holidays(w http.ResponseWriter, r *http.Request) error {
	year := time.Now().Year()
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1980 || y > 2099 {
			return tsunagu.FieldError("year", "Year must be a number from 1980 to 2099.")
		}
		year = y
	}
	return reply(w, http.StatusOK, map[string]any{"year": year, "items": calendar.Holidays(year)})
}
