package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestBrowser_Voicemail: the admin closes the demo number and turns its
// voicemail on (the trunk API, as the admin page saves it); sipp calls,
// waits for the prompts and the tone, speaks and presses # (telephony/
// testdata/uac_voicemail.xml: it must get our BYE after the thanks); the
// message is a callback for the general queue, and op01 plays it in
// Chromium and marks it done (web/e2e/voicemail.mjs). The contact's events
// tell the story, the play among them as an audited read.
func TestBrowser_Voicemail(t *testing.T) {
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
	tr := trunks.Items[0]
	tr.Numbers[0].Hours = &tsunagu.BusinessHours{Week: map[string][]string{}} // closed all week
	tr.Numbers[0].Voicemail = &tsunagu.Voicemail{WhenClosed: true}
	nets, _ := json.Marshal(tr.AllowedNets)
	numbers, _ := json.Marshal(tr.Numbers)
	body := fmt.Sprintf(`{"name":%q,"allowed_nets":%s,"numbers":%s}`, tr.Name, nets, numbers)
	if code := admin.call("PUT", "/api/v1/trunks/"+string(tr.ID), body, nil); code != 200 {
		t.Fatalf("close the number with voicemail: %d", code)
	}

	// The prompts (closed, voicemail) and the tone, then 0.8 s.
	pause := jaPromptMS(t, "vmclosed", "voicemail") + 400 + 800
	call := sippCall(t, ctx, sipp, "uac_voicemail.xml", sipAddrFromOutput(t, s.out.String()), "-d", fmt.Sprint(pause))
	var out strings.Builder
	call.Stdout, call.Stderr = &out, &out
	if err := call.Run(); err != nil {
		t.Fatalf("sipp (the caller must hear the thanks and get our BYE): %v\n%s", err, out.String())
	}
	// contact:voicemail is written before the thanks: the callback is there.
	sv := login(t, s.url, "sv01", demoPassword)
	var list struct{ Items []tsunagu.Callback }
	sv.call("GET", "/api/v1/callbacks?queue=general", "", &list)
	if len(list.Items) != 1 || list.Items[0].VoicemailSeconds < 1 || list.Items[0].OwnerID != "" {
		t.Fatalf("the queue's callbacks: %+v", list.Items)
	}
	contact := list.Items[0].ContactID

	browser := startBrowser(t, ctx, chromium, "voicemail.mjs", s.url)
	browser.waitLine("DONE")
	browser.wait()

	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(contact), "", &detail)
	var got []string
	for _, e := range detail.Events {
		got = append(got, string(e.Type))
	}
	want := "contact:arrived contact:recording_started contact:recording_stopped callback:scheduled contact:voicemail contact:recording_downloaded callback:done"
	if strings.Join(got, " ") != want {
		t.Fatalf("events %v\nwant %s", got, want)
	}
}

// jaPromptMS is how long the embedded Japanese prompts play, in ms.
func jaPromptMS(t *testing.T, names ...string) int {
	t.Helper()
	n := 0
	for _, name := range names {
		st, err := os.Stat("../../telephony/prompts/ja/" + name + ".ul")
		if err != nil {
			t.Fatal(err)
		}
		n += int(st.Size()) / 8
	}
	return n
}
