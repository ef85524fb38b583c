package telephony_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/sqlite"
	"tsunagu/telephony"
)

// Uploaded prompts in place of the built-in menu, closed message and the
// tenant's fixed announcements (voice.go).

// uploadTone stores seconds of a pure tone at hz as a prompt of the tenant
// and returns it with its µ-law bytes. The tones sit on a 50 Hz bin of a
// 20 ms frame, away from DTMF, the hold music's notes and espeak's voice.
func uploadTone(t *testing.T, db *sqlite.DB, name string, hz, seconds float64) (*tsunagu.Prompt, []byte) {
	t.Helper()
	pcm := make([]int16, int(seconds*8000))
	for i := range pcm {
		pcm[i] = int16(9000 * math.Sin(2*math.Pi*hz*float64(i)/8000))
	}
	ulaw := media.PCMU.Encode(make([]byte, len(pcm)), pcm)
	p := &tsunagu.Prompt{TenantID: tenant, Name: name, Seconds: seconds}
	must(t, db.CreatePrompt(t.Context(), p, ulaw))
	return p, ulaw
}

// toneFrame reports whether one 20 ms frame is mostly a tone at hz (a
// Goertzel filter on its bin holding most of the frame's energy).
func toneFrame(payload []byte, hz float64) bool {
	w := media.PCMU.Decode(make([]int16, len(payload)), payload)
	k := 2 * math.Cos(2*math.Pi*hz/8000)
	var s1, s2, energy float64
	for _, x := range w {
		s1, s2 = float64(x)+k*s1-s2, s1
		energy += float64(x) * float64(x)
	}
	power := s1*s1 + s2*s2 - k*s1*s2
	return energy > float64(len(w))*1e5 && power*2/float64(len(w)) > 0.8*energy
}

// menuEar reads what a sipp caller hears on the port its SDP names.
type menuEar struct {
	*listener
	heard []byte // every payload so far, folded (position_test.go)
}

// hearCaller places a call to number with sipp (uac_queue_listen.xml: it
// waits for the server's BYE) whose audio is the returned menuEar's.
func hearCaller(t *testing.T, c *center, number string) *menuEar {
	t.Helper()
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	l := &listener{peer: peer, ts: 1000, done: make(chan error, 1)}
	go func() {
		err, _ := sipp(t, c.srv, "uac_queue_listen.xml", number, "-key", "rtpport", fmt.Sprint(peer.LocalAddr().(*net.UDPAddr).Port))
		l.done <- err
	}()
	return &menuEar{listener: l}
}

// until reads until n frames in a row are the tone at hz, failing after
// 15 s; it returns how many frames it read.
func (e *menuEar) until(t *testing.T, hz float64, n int) int {
	t.Helper()
	buf := make([]byte, 2048)
	deadline := time.Now().Add(15 * time.Second)
	run, frames := 0, 0
	for run < n {
		e.peer.SetReadDeadline(deadline)
		k, from, err := e.peer.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no %v Hz tone in %.1f s of audio: %v", hz, float64(len(e.heard))/8000, err)
		}
		if k <= 12 || buf[1]&0x7f != 0 {
			continue
		}
		e.server = from
		frames++
		e.heard = append(e.heard, fold(buf[12:k])...)
		if toneFrame(buf[12:k], hz) {
			run++
		} else {
			run = 0
		}
	}
	return frames
}

// count reads n frames and counts those that are the tone at each of hz.
func (e *menuEar) count(t *testing.T, n int, hz ...float64) []int {
	t.Helper()
	buf := make([]byte, 2048)
	got := make([]int, len(hz))
	for i := 0; i < n; {
		e.peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := e.peer.Read(buf)
		if err != nil {
			t.Fatal("RTP stopped: ", err)
		}
		if k <= 12 || buf[1]&0x7f != 0 {
			continue
		}
		i++
		e.heard = append(e.heard, fold(buf[12:k])...)
		for j, f := range hz {
			if toneFrame(buf[12:k], f) {
				got[j]++
			}
		}
	}
	return got
}

// TestServer_UploadedMenu: a real trunk caller (sipp) hears the number's
// uploaded menu announcement after the greeting, never the built-in one; a
// wrong key plays the tenant's uploaded "invalid" and the menu again; a
// key pressed during the uploaded menu cuts it (barge-in) and routes; the
// queued caller hears the tenant's uploaded "wait".
func TestServer_UploadedMenu(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	ctx := t.Context()
	const menuHz, invalidHz, waitHz = 600, 1800, 2400
	menu, _ := uploadTone(t, c.db, "メニュー（自前の声）", menuHz, 4)
	invalid, _ := uploadTone(t, c.db, "番号違い（自前の声）", invalidHz, 1)
	must(t, c.db.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: tenant, ID: "own-menu", Name: "自前のメニュー", AllowedNets: []string{"127.0.0.1/32"},
		Numbers: []tsunagu.DID{{Number: "0312342222", DefaultQueue: "general", MenuPrompt: menu.ID,
			Menu: []tsunagu.MenuOption{{Digit: "1", QueueID: "general"}, {Digit: "2", QueueID: "tech"}}}}}))
	wait, _ := uploadTone(t, c.db, "おつなぎします（自前の声）", waitHz, 1)
	must(t, c.db.SetAnnouncements(ctx, tenant, map[tsunagu.Announcement]tsunagu.PromptID{
		tsunagu.AnnouncementInvalid: invalid.ID, tsunagu.AnnouncementWait: wait.ID}))

	e := hearCaller(t, c, "0312342222")
	if before := e.until(t, menuHz, 10); before < 50 {
		t.Errorf("the menu after %d frames: the greeting (over 2 s) was not played first", before)
	}
	e.press(t, 9) // no such option
	e.until(t, invalidHz, 10)
	e.until(t, menuHz, 10)
	e.press(t, 2)
	// The menu lasts 4 s (200 frames) and 10 were heard: without barge-in
	// most of the next 100 would still be the menu, not the 1 s wait.
	if n := e.count(t, 100, menuHz, waitHz); n[0] > 25 || n[1] < 40 {
		t.Errorf("after the key: %d frames of the menu (the key did not cut it?), %d of the uploaded wait", n[0], n[1])
	}
	if bytes.Contains(e.heard, promptSample(t, "ja/menu")) {
		t.Error("the built-in menu was played")
	}
	got := c.until(t, tsunagu.EventContactQueued)
	var done map[string]any
	for _, ev := range got {
		if ev.Type == tsunagu.EventContactIVRDone {
			done = payload(t, ev)
		}
	}
	if done["choice"] != "2" || done["queue_id"] != "tech" {
		t.Fatalf("ivr_done %v (events %v), want choice 2 to tech", done, types(got))
	}
	must(t, c.srv.Hangup(ctx, got[0].ContactID))
	e.hungUp(t)
}

// failingPrompts is a store whose uploaded audio cannot be read.
type failingPrompts struct{ *sqlite.DB }

func (failingPrompts) PromptAudio(context.Context, tsunagu.TenantID, tsunagu.PromptID) ([]byte, error) {
	return nil, errors.New("disk on fire")
}

// TestServer_UploadedClosed: outside its hours a number plays its uploaded
// closed message; when that cannot be read the built-in one plays and a
// warning is logged.
func TestServer_UploadedClosed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		readable bool
	}{{"Uploaded", true}, {"Unreadable", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuf
			c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				if !tc.readable {
					cfg.Store = failingPrompts{cfg.Store.(*sqlite.DB)}
				}
			})
			closed, ulaw := uploadTone(t, c.db, "年末年始のご案内", 1800, 2)
			never := &tsunagu.BusinessHours{Week: map[string][]string{}}
			must(t, c.db.CreateTrunk(t.Context(), &tsunagu.Trunk{TenantID: tenant, ID: "night", Name: "夜間", AllowedNets: []string{"127.0.0.1/32"},
				Numbers: []tsunagu.DID{{Number: "0312340000", DefaultQueue: "general", Hours: never, ClosedPrompt: closed.ID}}}))
			rtpConn, _ := rawCall(t, c, "closed-"+tc.name, "0312340000")
			if tc.readable {
				hear(t, rtpConn, fold(ulaw[8000:8400]))
			} else {
				listenFor(t, rtpConn, "ja/closed")
				if log := logs.String(); !strings.Contains(log, "uploaded prompt unavailable") || !strings.Contains(log, string(closed.ID)) {
					t.Errorf("no warning in the log:\n%s", log)
				}
			}
			got := c.until(t, tsunagu.EventContactEnded)
			if p := payload(t, got[len(got)-1]); p["by"] != "closed" {
				t.Errorf("ended %v, want by closed", p)
			}
		})
	}
}

// hear reads what the caller hears until want (folded µ-law) arrives.
func hear(t *testing.T, rtpConn *net.UDPConn, want []byte) {
	t.Helper()
	var heard []byte
	buf := make([]byte, 2048)
	rtpConn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for !bytes.Contains(heard, want) {
		n, err := rtpConn.Read(buf)
		if err != nil {
			t.Fatalf("not heard in %.1f s of audio: %v", float64(len(heard))/8000, err)
		}
		if n > 12 {
			heard = append(heard, fold(buf[12:n])...)
		}
	}
}
