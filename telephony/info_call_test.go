package telephony_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"tsunagu"
)

// TestServer_InfoDTMF: a trunk caller presses 2 by SIP INFO during the
// greeting, in both body formats; the menu takes it as it takes an RFC 4733
// digit (barge-in) and the caller waits in the tech queue. On the way the
// scenario gets 415 (with Accept) for a text body, 400 for a body without
// a key, and 403 for a REFER from the trunk's side (uac_info_dtmf.xml
// fails unless each answer is exactly that).
func TestServer_InfoDTMF(t *testing.T) {
	t.Parallel()
	for _, f := range []struct{ name, typ, body string }{
		{"DTMFRelay", "application/dtmf-relay", "Signal=2"},
		{"DTMF", "application/dtmf", "2"},
	} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			c := newCenter(t, "127.0.0.1/32", nil)
			var sippErr error
			var trace string
			var wg sync.WaitGroup
			wg.Go(func() {
				sippErr, trace = sipp(t, c.srv, "uac_info_dtmf.xml", dialled, "-key", "info_type", f.typ, "-key", "info_body", f.body)
			})
			got := c.until(t, tsunagu.EventContactAbandoned)
			wg.Wait()
			if sippErr != nil {
				t.Fatal(sippErr)
			}
			want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactIVRDone, tsunagu.EventContactQueued, tsunagu.EventContactAbandoned}
			if fmt.Sprint(types(got)) != fmt.Sprint(want) {
				t.Fatalf("events %v, want %v", types(got), want)
			}
			if p := payload(t, got[1]); p["choice"] != "2" || p["queue_id"] != "tech" {
				t.Errorf("ivr_done %v, want choice 2 and queue tech (the INFO digit)", p)
			}
			for _, s := range []string{"SIP/2.0 415 Unsupported Media Type", "SIP/2.0 400 Bad Request", "SIP/2.0 403 Forbidden"} {
				if !strings.Contains(trace, s) {
					t.Errorf("no %q in the trace:\n%s", s, tail(trace, 4000))
				}
			}
		})
	}
}
