package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/softphone/softphonetest"
)

// TestServe_LiveCall runs recording and a leader's whisper through the real
// program: sipp calls the demo number, a demo operator's "browser" answers,
// the leader sv01 (a supervisor, no agent row) connects their own softphone
// over the API and whispers: the operator hears the leader's tone. The
// operator pauses and resumes the recording, hangs up, and the leader
// downloads a stereo WAV with both parties in it.
func TestServe_LiveCall(t *testing.T) {
	sipp := needSipp(t)
	data := t.TempDir()
	s := startServe(t, "--data", data, "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	sv := login(t, s.url, "sv01", demoPassword)

	// connect puts a pion browser on the user's softphone, speaking hz.
	connect := func(h *httpClient, who string, hz float64) *softphonetest.Browser {
		b := softphonetest.NewBrowser(t, 1<<40)
		up := make(chan struct{})
		var once sync.Once
		b.PC.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
			if st == webrtc.ICEConnectionStateConnected {
				once.Do(func() { close(up) })
			}
		})
		body, _ := json.Marshal(map[string]string{"type": "offer", "sdp": b.Offer(t)})
		var ans struct{ SDP string }
		if code := h.call("POST", "/api/v1/softphone/session", string(body), &ans); code != 200 {
			t.Fatalf("%s softphone: %d", who, code)
		}
		b.Accept(t, ans.SDP)
		select {
		case <-up:
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: ICE did not connect", who)
		}
		speak, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		b.SpeakTone(speak, hz)
		return b
	}

	// One operator who serves 技術サポート (the scenario presses 2) is the
	// only one available: the call must reach them.
	admin := login(t, s.url, "admin", demoPassword)
	var users struct{ Items []tsunagu.User }
	admin.call("GET", "/api/v1/users?limit=200", "", &users)
	var agents struct{ Items []tsunagu.Agent }
	sv.call("GET", "/api/v1/agents", "", &agents)
	var opName string
	for _, u := range users.Items {
		for _, a := range agents.Items {
			for _, sk := range a.Skills {
				if opName == "" && u.Role == tsunagu.RoleAgent && a.ID == u.AgentID && sk.SkillID == "tech" && sk.Level >= 3 {
					opName = u.Username
				}
			}
		}
	}
	if opName == "" {
		t.Fatal("no technical operator in the demo")
	}
	op := login(t, s.url, opName, demoPassword)
	opB := connect(op, opName, 440)
	poll(t, "the operator available", func() bool {
		return op.call("PUT", "/api/v1/me/state", `{"state":"available"}`, nil) == 200
	})
	svB := connect(sv, "sv01", 1500)

	cmd := sippCall(t, ctx, sipp, "uac_bridge_agent_bye.xml", sipAddrFromOutput(t, s.out.String()), "-rtp_echo")
	sippDone := make(chan error, 1)
	var sippOut []byte
	go func() {
		var err error
		sippOut, err = cmd.CombinedOutput()
		sippDone <- err
	}()
	next := eventsOf(t, sv)
	offer := next(tsunagu.EventContactOffered, "")
	path := "/api/v1/contacts/" + string(offer.ContactID)
	var me struct {
		User tsunagu.User `json:"user"`
	}
	op.call("GET", "/api/v1/me", "", &me)
	if offer.AgentID != me.User.AgentID {
		t.Fatalf("offered to %s, not %s", offer.AgentID, opName)
	}
	if code := op.call("POST", path+"/answer", "", nil); code != 200 {
		t.Fatalf("answer: %d", code)
	}
	heard := opB.Voiced.Load()
	poll(t, "op01 to hear the caller", func() bool { return opB.Voiced.Load()-heard >= 25 })

	// The leader whispers: op01 hears 1.5 kHz.
	if code := op.call("POST", path+"/monitor", `{"mode":"listen"}`, nil); code != 403 {
		t.Errorf("an operator monitoring: %d, want 403", code)
	}
	if code := sv.call("POST", path+"/monitor", `{"mode":"whisper"}`, nil); code != 200 {
		t.Fatalf("whisper: %d", code)
	}
	from := opB.Received() + 1600
	if share := toneShare(opB.Samples(t, from, from+4000, 10*time.Second), 1500); share < 0.1 {
		t.Errorf("op01 hears the leader's whisper at share %.3f", share)
	}
	from = svB.Received()
	if got := svB.Samples(t, from, from+4000, 10*time.Second); toneShare(got, 440) < 0.05 {
		t.Errorf("the leader hears op01 at share %.3f", toneShare(got, 440))
	}
	if code := sv.call("DELETE", path+"/monitor", "", nil); code != 204 {
		t.Fatalf("stop: %d", code)
	}

	// A card number: pause, then resume.
	if code := op.call("POST", path+"/recording/pause", "", nil); code != 200 {
		t.Fatalf("pause: %d", code)
	}
	n := opB.Received()
	opB.Samples(t, n, n+4000, 10*time.Second)
	var rec tsunagu.Recording
	if code := op.call("POST", path+"/recording/resume", "", &rec); code != 200 || len(rec.Paused) != 1 || rec.Paused[0].To == nil {
		t.Fatalf("resume: %d %+v", code, rec)
	}
	if code := sv.call("GET", path+"/recording", "", nil); code != 409 {
		t.Errorf("download during the call: %d, want 409", code)
	}
	if code := op.call("POST", path+"/hangup", "", nil); code != 204 {
		t.Fatalf("hang up: %d", code)
	}
	select {
	case err := <-sippDone:
		if err != nil {
			t.Fatalf("sipp: %v\n%s", err, sippOut)
		}
	case <-ctx.Done():
		t.Fatal("sipp did not finish")
	}
	next(tsunagu.EventRecordingStopped, "")

	if code := op.call("GET", path+"/recording", "", nil); code != 403 {
		t.Errorf("an operator downloading: %d, want 403", code)
	}
	res, err := sv.c.Get(s.url + path + "/recording")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/wav" {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("download: %d %s", res.StatusCode, b)
	}
	w, err := media.ReadWAV(res.Body, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	rmsOf := func(pcm []int16) float64 {
		var e float64
		for _, v := range pcm {
			e += float64(v) * float64(v)
		}
		return math.Sqrt(e / float64(max(1, len(pcm))))
	}
	t.Logf("recording: %.1f s, rms left %.0f right %.0f", float64(len(w.Channels[0]))/8000, rmsOf(w.Channels[0]), rmsOf(w.Channels[1]))
	if len(w.Channels) != 2 || rmsOf(w.Channels[0]) < 200 || rmsOf(w.Channels[1]) < 1000 {
		t.Errorf("the recording lacks a party: %d channels", len(w.Channels))
	}
	matches, _ := filepath.Glob(filepath.Join(data, "recordings", "*", "*", string(offer.ContactID)+".wav"))
	if len(matches) != 1 {
		t.Errorf("recording file under the data directory: %v", matches)
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", path, "", &detail)
	var got []tsunagu.EventType
	for _, e := range detail.Events {
		switch e.Type {
		case tsunagu.EventRecordingStarted, tsunagu.EventRecordingPaused, tsunagu.EventRecordingResumed, tsunagu.EventRecordingStopped,
			tsunagu.EventRecordingDownloaded, tsunagu.EventMonitorStarted, tsunagu.EventMonitorStopped:
			got = append(got, e.Type)
		}
	}
	want := fmt.Sprint([]tsunagu.EventType{tsunagu.EventRecordingStarted, tsunagu.EventMonitorStarted, tsunagu.EventMonitorStopped,
		tsunagu.EventRecordingPaused, tsunagu.EventRecordingResumed, tsunagu.EventRecordingStopped, tsunagu.EventRecordingDownloaded})
	if fmt.Sprint(got) != want {
		t.Errorf("events %v, want %v", got, want)
	}
}

// toneShare is the share of pcm's energy at hz (Goertzel).
func toneShare(pcm []int16, hz float64) float64 {
	w := 2 * math.Pi * hz / 8000
	coef := 2 * math.Cos(w)
	var s1, s2, e float64
	for _, v := range pcm {
		x := float64(v)
		s0 := x + coef*s1 - s2
		s2, s1 = s1, s0
		e += x * x
	}
	if e == 0 {
		return 0
	}
	return (s1*s1 + s2*s2 - coef*s1*s2) / (float64(len(pcm)) / 2 * e)
}
