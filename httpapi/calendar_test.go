package httpapi_test

import (
	"testing"

	"tsunagu"
)

// TestHolidays: the desk and the hours editor get the year's public
// holidays; a bad year is a problem naming the field.
func TestHolidays(t *testing.T) {
	e := newEnv(t)
	op := e.login("a-agent")
	var got struct {
		Year  int `json:"year"`
		Items []struct{ Date, Name string }
	}
	res := op.do("GET", "/api/v1/holidays?year=2026", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, res.body)
	}
	res.json(&got)
	if got.Year != 2026 || len(got.Items) != 18 || got.Items[9].Date != "2026-05-06" || got.Items[9].Name != "振替休日" {
		t.Errorf("2026: %+v", got)
	}
	for _, y := range []string{"abc", "1979", "2100"} {
		if p := op.do("GET", "/api/v1/holidays?year="+y, nil).problem(); p.Field != "year" || p.Code != tsunagu.EINVALID {
			t.Errorf("year %s: %+v", y, p)
		}
	}
}

// TestTrunk_BadHours: hours that cannot be read are refused with the path
// of the bad span, and no trunk is created.
func TestTrunk_BadHours(t *testing.T) {
	e := newEnv(t)
	admin := e.login("a-admin")
	res := admin.do("POST", "/api/v1/trunks", `{"name":"本線","allowed_nets":["127.0.0.1"],"numbers":[{"number":"0312345678","default_queue":"q",
		"hours":{"week":{"mon":["09:00-18:00","25:00-26:00"]}}}]}`)
	if p := res.problem(); p.Field != "numbers[0].hours.week.mon[1]" || p.Code != tsunagu.EINVALID {
		t.Errorf("bad span: %+v", p)
	}
	var list struct{ Items []any }
	admin.do("GET", "/api/v1/trunks", nil).json(&list)
	if len(list.Items) != 0 {
		t.Errorf("a refused trunk was stored: %+v", list.Items)
	}
}
