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

// TestBrowser_TransferNumber is the desk's transfer to an outside number
// with real parts on every end: sipp calls the demo number (the caller,
// echoing what it hears), op01 answers in Chromium and uses the picker's
// number field (web/e2e/transfernumber.mjs). The demo trunk sends outbound
// calls to a sipp outside party that rings and is busy
// (out_ring_busy.xml): the desk shows the ringing state, then that the
// caller is back. Then the trunk points at one that answers and hangs up
// (out_answer_hangup.xml): the second transfer goes through, the desk goes
// to wrap-up, and the caller gets the BYE when the outside party hangs up.
// The contact's events tell the same story in order.
func TestBrowser_TransferNumber(t *testing.T) {
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
	outbound := "/api/v1/trunks/" + string(trunks.Items[0].ID) + "/outbound"
	busyPort, answerPort := freeUDPPort(t), freeUDPPort(t)
	if code := admin.call("PUT", outbound, fmt.Sprintf(`{"target":"127.0.0.1:%s"}`, busyPort), nil); code != 200 {
		t.Fatalf("set outbound: %d", code)
	}
	busy, busyOut := outsideParty(t, ctx, sipp, "out_ring_busy.xml", busyPort)
	answer, answerOut := outsideParty(t, ctx, sipp, "out_answer_hangup.xml", answerPort, "-rtp_echo")

	// The browser reads GO on stdin once the trunk points at the party
	// that answers.
	b := startBrowser(t, ctx, chromium, "transfernumber.mjs", s.url)
	b.waitLine("READY")

	// The caller stays on the line until we send the BYE (here: once the
	// outside party hangs up).
	call := sippCall(t, ctx, sipp, "uac_bridge_agent_bye.xml", sipAddrFromOutput(t, s.out.String()), "-rtp_echo")
	var callOut strings.Builder
	call.Stdout, call.Stderr = &callOut, &callOut
	if err := call.Start(); err != nil {
		t.Fatal(err)
	}
	b.waitLine("RETURNED")
	if err := busy.Wait(); err != nil {
		t.Fatalf("sipp (the busy outside party): %v\n%s", err, busyOut)
	}
	if code := admin.call("PUT", outbound, fmt.Sprintf(`{"target":"127.0.0.1:%s"}`, answerPort), nil); code != 200 {
		t.Fatalf("set outbound: %d", code)
	}
	b.send("GO")
	b.waitLine("DONE")
	b.wait()
	if err := answer.Wait(); err != nil {
		t.Fatalf("sipp (the outside party that answers): %v\n%s", err, answerOut)
	}
	if err := call.Wait(); err != nil {
		t.Fatalf("sipp (the caller must get a BYE when the outside party hangs up): %v\n%s", err, callOut.String())
	}

	sv := login(t, s.url, "sv01", demoPassword)
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?limit=100", "", &contacts)
	// The newest inbound call (the demo's history has older ones).
	var c *tsunagu.Contact
	for i, x := range contacts.Items {
		if x.Direction == tsunagu.Inbound && x.ConnectedAt != nil && (c == nil || x.ArrivedAt.After(c.ArrivedAt)) {
			c = &contacts.Items[i]
		}
	}
	if c == nil {
		t.Fatalf("no connected inbound contact in %+v", contacts.Items)
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(c.ID), "", &detail)
	var types []string
	for _, e := range detail.Events {
		types = append(types, string(e.Type))
	}
	want := "contact:connected contact:transfer_failed contact:transferred contact:ended"
	if !inOrder(types, want) {
		t.Fatalf("events:\n got %s\nwant in order %s", strings.Join(types, " "), want)
	}
}

// outsideParty starts sipp as the outside party of a transfer (a UAS on
// port, the trunk's outbound target), for one call.
func outsideParty(t *testing.T, ctx context.Context, sipp, scenario, port string, extra ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")); err != nil {
		t.Fatal(err)
	}
	sf, err := filepath.Abs(filepath.Join("../../telephony/testdata/sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-sf", sf, "-i", "127.0.0.1", "-p", port, "-mp", freeUDPPort(t), "-nostdin",
		"-m", "1", "-timeout", "90s", "-timeout_error"}, extra...)
	cmd := exec.CommandContext(ctx, sipp, args...)
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}
