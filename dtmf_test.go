package tsunagu

import (
	"strings"
	"testing"
)

func TestCheckDTMF(t *testing.T) {
	for _, tc := range []struct {
		digits string
		ok     bool
	}{
		{"1", true},
		{"0123456789*#ABCD", true},
		{strings.Repeat("9", MaxDTMF), true},
		{"", false},
		{strings.Repeat("9", MaxDTMF+1), false},
		{"12a", false}, // A–D are upper case on the wire
		{"1 2", false},
		{"１", false}, // full-width: the desk sends ASCII
		{"E", false},
	} {
		err := CheckDTMF(tc.digits)
		if (err == nil) != tc.ok || (err != nil && ErrorField(err) != "digits") {
			t.Errorf("CheckDTMF(%q) = %v, want ok=%v", tc.digits, err, tc.ok)
		}
		if err != nil && tc.digits != "" && strings.Contains(ErrorMessage(err), tc.digits) {
			t.Errorf("CheckDTMF(%q) repeats the digits: %v", tc.digits, err)
		}
	}
}

func TestQueueDispositions(t *testing.T) {
	if err := CheckQueueDispositions(nil); err != nil {
		t.Errorf("none chosen: %v", err)
	}
	for _, bad := range [][]DispositionID{{"a", "a"}, {""}, make([]DispositionID, MaxQueueDispositions+1)} {
		if err := CheckQueueDispositions(bad); ErrorField(err) != "disposition_ids" {
			t.Errorf("CheckQueueDispositions(%v) = %v", bad, err)
		}
	}
	if !Offers(nil, "x") || !Offers([]DispositionID{"x", "y"}, "y") || Offers([]DispositionID{"x"}, "y") {
		t.Error("Offers: none chosen offers all; otherwise only the list")
	}
}

func TestStrongerSeverity(t *testing.T) {
	for _, tc := range []struct{ a, b, want Severity }{
		{"", "", ""}, {"", SeverityLow, SeverityLow}, {SeverityHigh, "", SeverityHigh},
		{SeverityMedium, SeverityLow, SeverityMedium}, {SeverityLow, SeverityHigh, SeverityHigh},
	} {
		if got := StrongerSeverity(tc.a, tc.b); got != tc.want {
			t.Errorf("StrongerSeverity(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
