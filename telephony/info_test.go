package telephony

import (
	"errors"
	"strings"
	"testing"
)

func TestParseInfoDTMF(t *testing.T) {
	for _, tc := range []struct {
		name, ct, body string
		digit          rune
		ok             bool
		err            error
	}{
		{"RelayCRLF", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', true, nil},
		{"RelayLF", "application/dtmf-relay", "Signal=#\nDuration=250\n", '#', true, nil},
		{"RelaySpaces", "Application/DTMF-Relay; charset=utf-8", " signal = * \r\n duration = 100", '*', true, nil},
		{"RelayDurationFirst", "application/dtmf-relay", "Duration=160\r\nSignal=9", '9', true, nil},
		{"RelayStarAsTen", "application/dtmf-relay", "Signal=10\r\n", '*', true, nil},
		{"RelayHashAsEleven", "application/dtmf-relay", "Signal=11", '#', true, nil},
		{"RelayLetter", "application/dtmf-relay", "Signal=b", 'B', true, nil},
		{"RelayOtherKeysIgnored", "application/dtmf-relay", "Signal=1\r\nVolume=10", '1', true, nil},
		{"DTMF", "application/dtmf", "7", '7', true, nil},
		{"DTMFNewline", "application/dtmf", "0\r\n", '0', true, nil},
		{"EmptyKeepAlive", "", "", 0, false, nil},
		{"EmptyRelay", "application/dtmf-relay", "\r\n", 0, false, nil},
		{"OtherType", "text/plain", "hello", 0, false, errInfoType},
		{"SDP", "application/sdp", "v=0", 0, false, errInfoType},
		{"NoTypeWithBody", "", "Signal=5", 0, false, errInfoType},
		{"RelayNoSignal", "application/dtmf-relay", "Duration=160", 0, false, errInfoBody},
		{"RelayBadSignal", "application/dtmf-relay", "Signal=Z", 0, false, errInfoBody},
		{"RelayTwoSignals", "application/dtmf-relay", "Signal=1\r\nSignal=2", 0, false, errInfoBody},
		{"RelayLongSignal", "application/dtmf-relay", "Signal=12", 0, false, errInfoBody},
		{"RelayBadDuration", "application/dtmf-relay", "Signal=1\r\nDuration=-5", 0, false, errInfoBody},
		{"RelayNoEquals", "application/dtmf-relay", "Signal 1", 0, false, errInfoBody},
		{"DTMFTwoKeys", "application/dtmf", "12", 0, false, errInfoBody},
		{"TooLarge", "application/dtmf-relay", "Signal=1\r\n" + strings.Repeat("X=1\r\n", 200), 0, false, errInfoBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok, err := parseInfoDTMF(tc.ct, []byte(tc.body))
			if d != tc.digit || ok != tc.ok || !errors.Is(err, tc.err) {
				t.Fatalf("parseInfoDTMF(%q, %q) = %q, %v, %v; want %q, %v, %v", tc.ct, tc.body, d, ok, err, tc.digit, tc.ok, tc.err)
			}
		})
	}
}

// FuzzParseInfoDTMF: no input panics, a key is always one of the sixteen,
// and a failure is always one of the two refusals. Seeds in
// testdata/fuzz/FuzzParseInfoDTMF and below.
func FuzzParseInfoDTMF(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("text/plain", []byte("x"))
	f.Add("application/dtmf-relay;x=y", []byte("Signal=\r\n"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d, ok, err := parseInfoDTMF(ct, body)
		switch {
		case err != nil:
			if ok || d != 0 || (!errors.Is(err, errInfoType) && !errors.Is(err, errInfoBody)) {
				t.Fatalf("error %v with %q, %v", err, d, ok)
			}
		case ok:
			if !strings.ContainsRune("0123456789*#ABCD", d) {
				t.Fatalf("key %q", d)
			}
		default:
			if d != 0 {
				t.Fatalf("no key but %q", d)
			}
		}
	})
}
