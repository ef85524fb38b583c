package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestServe_SippCall calls the demo center's number with real sipp, as the
// README's example does: the caller presses 2 in the menu, waits in 技術サポート
// and hangs up. A supervisor then sees the contact, linked to the customer
// found by caller ID, and the queue's figures.
func TestServe_SippCall(t *testing.T) {
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := sippCall(t, ctx, sipp, "uac_dtmf2.xml", sipAddrFromOutput(t, s.out.String()))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}

	sv := login(t, s.url, "sv01", demoPassword)
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?queue_id=tech&limit=10", "", &contacts)
	var call *tsunagu.Contact
	for i, c := range contacts.Items {
		if c.SIPCallID != "" {
			call = &contacts.Items[i]
		}
	}
	if call == nil {
		t.Fatalf("no SIP contact in tech: %+v", contacts.Items)
	}
	if call.State != tsunagu.ContactAbandoned || call.CustomerID == "" || !strings.HasSuffix(call.Number, "5678") {
		t.Fatalf("contact = %+v", call)
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(call.ID), "", &detail)
	var types []string
	for _, e := range detail.Events {
		types = append(types, string(e.Type))
	}
	if got := strings.Join(types, " "); got != "contact:arrived contact:ivr_done contact:queued contact:abandoned" {
		t.Fatalf("events = %s", got)
	}
	var stats struct{ Items []tsunagu.QueueStats }
	sv.call("GET", "/api/v1/queues/stats", "", &stats)
	for _, q := range stats.Items {
		if q.QueueID == "tech" && (q.OfferedToday != 1 || q.AbandonedToday != 1) {
			t.Fatalf("tech stats = %+v", q)
		}
	}
}

// sipAddrFromOutput reads the SIP address serve printed.
func sipAddrFromOutput(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "SIP:"); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("serve printed no SIP address:\n%s", out)
	return ""
}

// freeUDPPort finds a free local port for sipp's RTP (sipp needs a number).
func freeUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return fmt.Sprint(c.LocalAddr().(*net.UDPAddr).Port)
}
