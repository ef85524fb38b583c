package telephony_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/media"
)

// TestServer_UploadedGreeting: a number whose greeting is an uploaded
// prompt plays that recording, sample for sample, instead of the built-in
// synthetic voice.
func TestServer_UploadedGreeting(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	tone := make([]int16, 2*8000) // 2 s, 700 Hz: nothing like espeak's voice
	for i := range tone {
		tone[i] = int16(9000 * math.Sin(2*math.Pi*700*float64(i)/8000))
	}
	ulaw := media.PCMU.Encode(make([]byte, len(tone)), tone)
	p := &tsunagu.Prompt{TenantID: tenant, Name: "本物の声", Seconds: 2}
	must(t, c.db.CreatePrompt(t.Context(), p, ulaw))
	must(t, c.db.CreateTrunk(t.Context(), &tsunagu.Trunk{TenantID: tenant, ID: "own-voice", Name: "自前の声", AllowedNets: []string{"127.0.0.1/32"},
		Numbers: []tsunagu.DID{{Number: "0312341111", DefaultQueue: "general", GreetingPrompt: p.ID}}}))
	rtpConn, bye := rawCall(t, c, "uploaded-greeting", "0312341111")
	defer bye()

	want := fold(ulaw[8000 : 8000+400])
	var heard []byte
	buf := make([]byte, 2048)
	rtpConn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for !bytes.Contains(heard, want) {
		if len(heard) > 8000*6 {
			t.Fatalf("6 s of audio without the uploaded greeting")
		}
		n, err := rtpConn.Read(buf)
		if err != nil {
			t.Fatal("RTP stopped: ", err)
		}
		if n > 12 {
			heard = append(heard, fold(buf[12:n])...)
		}
	}
}
