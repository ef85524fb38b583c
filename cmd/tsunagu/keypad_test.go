package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tsunagu"
	"tsunagu/media"
)

// TestBrowser_Keypad is the desk's DTMF keypad on a real call. The admin
// first narrows the general queue's wrap-up to two dispositions in the
// admin page (web/e2e/keypad.mjs, checked here through the API). sipp
// places the call, but its SDP points the media at a UDP port this test
// holds (the caller's phone): from there the test presses 1 in the menu as
// an RFC 4733 event and reads everything the server sends back. op01 in
// Chromium (web/e2e/keypad.mjs) answers, opens the keypad with Alt+K and
// presses 1 2 3 #; the caller must receive exactly those four events on
// the payload type it offered (96). The wrap-up offers the queue's two
// dispositions only; the contact's events count the digits and never
// carry them.
func TestBrowser_Keypad(t *testing.T) {
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	phone, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	type heard struct {
		digits string
		err    error
	}
	got := make(chan heard, 1)
	go func() {
		d, err := callerPhone(phone, '1', 4)
		got <- heard{d, err}
	}()

	browser := startBrowser(t, ctx, chromium, "keypad.mjs", s.url)
	browser.waitLine("CHOSEN")
	var offered struct {
		All            bool                    `json:"all"`
		DispositionIDs []tsunagu.DispositionID `json:"disposition_ids"`
	}
	login(t, s.url, "op02", demoPassword).call("GET", "/api/v1/queues/general/dispositions", "", &offered)
	if offered.All || fmt.Sprint(offered.DispositionIDs) != "[escalated resolved]" {
		t.Fatalf("general's dispositions after the admin's save: %+v", offered)
	}
	browser.waitLine("READY")
	call := sippCall(t, ctx, sipp, "uac_keypad.xml", sipAddrFromOutput(t, s.out.String()),
		"-key", "rtpport", fmt.Sprint(phone.LocalAddr().(*net.UDPAddr).Port), "-key", "formats", "0 96")
	var sippOut strings.Builder
	call.Stdout, call.Stderr = &sippOut, &sippOut
	if err := call.Start(); err != nil {
		t.Fatal(err)
	}
	browser.waitLine("KEYED")
	// The page goes on (hold, hang-up) once the caller has heard the
	// digits: "sent" on the keypad means queued on the call, and a
	// hang-up a moment later would cut the last ones off.
	select {
	case h := <-got:
		if h.err != nil || h.digits != "123#" {
			t.Errorf("the caller received %q (%v), want 123#", h.digits, h.err)
		}
	case <-ctx.Done():
		t.Fatal("the caller received no keypad digits")
	}
	browser.send("GO")
	browser.waitLine("DONE")
	if err := call.Wait(); err != nil {
		t.Fatalf("sipp (the caller must get the operator's BYE): %v\n%s\nbrowser:\n%s", err, sippOut.String(), browser.stderr.String())
	}
	browser.wait()

	sv := login(t, s.url, "sv01", demoPassword)
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?queue_id=general&state=wrapped&limit=50", "", &contacts)
	var c *tsunagu.Contact
	for i := range contacts.Items {
		if contacts.Items[i].SIPCallID != "" {
			c = &contacts.Items[i]
		}
	}
	if c == nil || c.DispositionID != "escalated" {
		t.Fatalf("wrapped contact = %+v", c)
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(c.ID), "", &detail)
	sent := 0
	for _, e := range detail.Events {
		if e.Type == tsunagu.EventContactDTMFSent {
			sent++
			if string(e.Payload) != `{"count":1}` {
				t.Errorf("dtmf_sent payload %s", e.Payload)
			}
		}
		if strings.Contains(string(e.Payload), "#") || strings.Contains(string(e.Payload), `"digits"`) {
			t.Errorf("%s carries digits: %s", e.Type, e.Payload)
		}
	}
	if sent != 4 {
		t.Errorf("%d contact:dtmf_sent events, want 4 (one per key)", sent)
	}
}

// callerPhone is the caller's media: it waits for the server's first RTP
// packet (which says where the server's port is), presses menu as an RFC
// 4733 event on payload type 96, then returns the first want digits the
// server sends as events — one per event timestamp, at its end packet.
func callerPhone(c *net.UDPConn, menu rune, want int) (string, error) {
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(90 * time.Second))
	_, server, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return "", fmt.Errorf("no RTP from the server: %w", err)
	}
	code, _ := media.EventCode(menu)
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1000, Timestamp: 16000, SSRC: 0x5ca11e4, Marker: true}
	for i := range 6 {
		payload := []byte{code, 10, 0, 0}
		if i >= 3 {
			payload[1] |= 0x80 // E, sent three times
		}
		binary.BigEndian.PutUint16(payload[2:], uint16(min(i+1, 4)*160))
		b, _ := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
		if _, err := c.WriteToUDPAddrPort(b, server); err != nil {
			return "", fmt.Errorf("press %c: %w", menu, err)
		}
		h.SequenceNumber++
		h.Marker = false
	}
	var out strings.Builder
	ended := map[uint32]bool{}
	var pkt rtp.Packet
	for n := 0; n < want; {
		k, err := c.Read(buf)
		if err != nil {
			return out.String(), fmt.Errorf("after %q: %w", out.String(), err)
		}
		if pkt.Unmarshal(buf[:k]) != nil || pkt.PayloadType != 96 {
			continue
		}
		e, err := media.DecodeEvent(pkt.Payload)
		if err == nil && e.End && !ended[pkt.Timestamp] {
			ended[pkt.Timestamp] = true
			out.WriteRune(e.Digit())
			n++
		}
	}
	return out.String(), nil
}
