package media

import "testing"

func TestDecodeEvent(t *testing.T) {
	e, err := DecodeEvent([]byte{2, 0x8a, 0x03, 0x20})
	if err != nil || e.Code != 2 || !e.End || e.Volume != 10 || e.Duration != 800 || e.Digit() != '2' {
		t.Fatalf("%+v %v", e, err)
	}
	if _, err := DecodeEvent([]byte{1, 2, 3}); err != ErrShortEvent {
		t.Errorf("short payload: %v", err)
	}
	for code, want := range map[uint8]rune{0: '0', 9: '9', 10: '*', 11: '#', 12: 'A', 15: 'D', 16: 0, 255: 0} {
		if got := (Event{Code: code}).Digit(); got != want {
			t.Errorf("code %d: %q, want %q", code, got, want)
		}
	}
}

func TestDTMFDetector(t *testing.T) {
	var d dtmfDetector
	var got []rune
	feed := func(ssrc, ts uint32, code uint8, end bool) {
		prev, now := d.packet(ssrc, ts, Event{Code: code, End: end})
		for _, r := range []rune{prev, now} {
			if r != 0 {
				got = append(got, r)
			}
		}
	}
	// '2': start, continuation, end sent three times (RFC 4733 §2.5.1.4).
	feed(7, 1000, 2, false)
	feed(7, 1000, 2, false)
	feed(7, 1000, 2, true)
	feed(7, 1000, 2, true)
	feed(7, 1000, 2, true)
	// '5' whose end packets were all lost, ended by the next event '#'.
	feed(7, 3000, 5, false)
	feed(7, 5000, 11, false)
	feed(7, 5000, 11, true)
	// The same key pressed again is a new event (new timestamp).
	feed(7, 7000, 11, true)
	if string(got) != "25##" {
		t.Errorf("digits %q, want \"25##\"", string(got))
	}
}

// FuzzDecodeEvent: no payload panics, and each decodes to the fields it holds.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte{2, 0x8a, 0x03, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			if len(b) >= 4 {
				t.Fatalf("%x: %v", b, err)
			}
			return
		}
		if e.Code != b[0] || e.Volume > 63 {
			t.Fatalf("%x: %+v", b, e)
		}
		var d dtmfDetector
		d.packet(1, 2, e)
	})
}
