package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestBrowser_Dial is click-to-call with real parts on both ends: the demo
// trunk sends outbound calls to sipp (the carrier and the customer, which
// answers in PCMA and echoes what it hears); op01 in Chromium (fake
// microphone, browser softphone) is refused an international number, calls
// a mobile number from the number box, talks, hangs up — sipp must get the
// BYE — and wraps up; then makes a callback from My callbacks, which is
// done once the call is over (web/e2e/dial.mjs). The contact's events tell
// the same story in order.
func TestBrowser_Dial(t *testing.T) {
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := login(t, s.url, "admin", demoPassword)
	var trunks struct{ Items []tsunagu.Trunk }
	admin.call("GET", "/api/v1/trunks", "", &trunks)
	if len(trunks.Items) == 0 {
		t.Fatal("the demo has no trunk")
	}
	port := freeUDPPort(t)
	if code := admin.call("PUT", "/api/v1/trunks/"+string(trunks.Items[0].ID)+"/outbound", fmt.Sprintf(`{"target":"127.0.0.1:%s"}`, port), nil); code != 200 {
		t.Fatalf("set outbound: %d", code)
	}

	op := login(t, s.url, "op01", demoPassword)
	var cb tsunagu.Callback
	if code := op.call("POST", "/api/v1/callbacks", fmt.Sprintf(`{"number":"080-2222-3333","due_at":%q,"owner":"me"}`,
		time.Now().Add(2*time.Minute).UTC().Format(time.RFC3339)), &cb); code != 201 {
		t.Fatalf("schedule a callback: %d", code)
	}

	dir := t.TempDir()
	if err := os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")); err != nil {
		t.Fatal(err)
	}
	sf, err := filepath.Abs("../../telephony/testdata/sipp/out_answer.xml")
	if err != nil {
		t.Fatal(err)
	}
	msgs := filepath.Join(dir, "messages.log")
	customer := exec.CommandContext(ctx, sipp, "-sf", sf, "-i", "127.0.0.1", "-p", port, "-mp", freeUDPPort(t), "-nostdin",
		"-m", "2", "-timeout", "90s", "-timeout_error", "-rtp_echo", "-trace_msg", "-message_file", msgs)
	customer.Dir = dir
	var out strings.Builder
	customer.Stdout, customer.Stderr = &out, &out
	if err := customer.Start(); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t, ctx, chromium, "dial.mjs", s.url)
	browser.waitLine("DONE")
	browser.wait()
	if err := customer.Wait(); err != nil {
		t.Fatalf("sipp (the customer must get the operator's BYE): %v\n%s", err, out.String())
	}
	trace, _ := os.ReadFile(msgs)
	for _, want := range []string{"INVITE sip:+819011112222@127.0.0.1:" + port, "INVITE sip:+818022223333@127.0.0.1:" + port, "BYE sip:"} {
		if !strings.Contains(string(trace), want) {
			t.Fatalf("sipp did not receive %q:\n%s", want, trace)
		}
	}
	var done tsunagu.Callback
	var list struct{ Items []tsunagu.Callback }
	op.call("GET", "/api/v1/callbacks?owner=me&status=done", "", &list)
	for _, x := range list.Items {
		if x.ID == cb.ID {
			done = x
		}
	}
	if done.Status != tsunagu.CallbackDone {
		t.Fatalf("the callback after its call: %+v", done)
	}

	sv := login(t, s.url, "sv01", demoPassword)
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?state=wrapped&limit=100", "", &contacts)
	var c *tsunagu.Contact
	for i := range contacts.Items {
		if contacts.Items[i].Direction == tsunagu.Outbound && contacts.Items[i].ConnectedAt != nil {
			c = &contacts.Items[i]
		}
	}
	if c == nil {
		t.Fatalf("no wrapped outbound contact in %+v", contacts.Items)
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(c.ID), "", &detail)
	var types []string
	for _, e := range detail.Events {
		types = append(types, string(e.Type))
	}
	if want := "contact:arrived contact:dialing contact:ringing contact:connected contact:ended contact:wrapped"; !inOrder(types, want) {
		t.Fatalf("events:\n got %s\nwant in order %s", strings.Join(types, " "), want)
	}
}
