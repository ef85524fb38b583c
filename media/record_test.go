package media

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	at := func(frame int) time.Time { return t0.Add(time.Duration(frame) * 20 * time.Millisecond) }

	t.Run("AlignedStereo", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a.wav")
		r, err := CreateRecorder(path, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := CreateRecorder(path, time.Time{}); err == nil {
			t.Error("a second recorder overwrote the file")
		}
		for i := range 50 {
			r.Write(at(i), constant(1000), constant(-2000))
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		r.Write(at(51), constant(1), constant(1)) // ignored after Close
		if err := r.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != wavHeaderLen+50*recFrameBytes {
			t.Fatalf("file is %d bytes", len(raw))
		}
		if !bytes.Equal(raw[:wavHeaderLen], wavHeader(50*recFrameBytes)) {
			t.Errorf("header not fixed at close: % x", raw[:wavHeaderLen])
		}
		if binary.LittleEndian.Uint32(raw[4:]) != uint32(len(raw)-8) {
			t.Errorf("RIFF size %d, file %d", binary.LittleEndian.Uint32(raw[4:]), len(raw))
		}
		w := readWAVFile(t, path)
		if w.SampleRate != 8000 || len(w.Channels) != 2 || len(w.Channels[0]) != 50*frameSamples {
			t.Fatalf("%d Hz, %d channels, %d samples", w.SampleRate, len(w.Channels), len(w.Channels[0]))
		}
		if w.Channels[0][4321] != 1000 || w.Channels[1][4321] != -2000 {
			t.Errorf("left %d right %d", w.Channels[0][4321], w.Channels[1][4321])
		}
		if r.Duration() != time.Second || r.Stats().Dropped != 0 {
			t.Errorf("duration %v, stats %+v", r.Duration(), r.Stats())
		}
	})

	t.Run("GapAndPauseAreSilence", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "g.wav")
		r, err := CreateRecorder(path, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			r.Write(at(i), constant(1000), constant(1000))
		}
		// Nothing for 400 ms (the mixer was restarted): the file stays
		// on the clock.
		for i := 30; i < 40; i++ {
			r.Write(at(i), constant(1000), constant(1000))
		}
		r.SetPaused(true)
		if !r.Paused() {
			t.Error("not paused")
		}
		for i := 40; i < 60; i++ {
			r.Write(at(i), constant(1000), constant(1000))
		}
		r.SetPaused(false)
		for i := 60; i < 70; i++ {
			r.Write(at(i), constant(1000), nil) // the right channel silent
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		w := readWAVFile(t, path)
		if len(w.Channels[0]) != 70*frameSamples {
			t.Fatalf("%d samples, want %d", len(w.Channels[0]), 70*frameSamples)
		}
		frame := func(ch, i int) int16 { return w.Channels[ch][i*frameSamples+80] }
		for i, want := range map[int]int16{0: 1000, 9: 1000, 10: 0, 29: 0, 30: 1000, 39: 1000, 40: 0, 59: 0, 60: 1000, 69: 1000} {
			if frame(0, i) != want {
				t.Errorf("frame %d: left %d, want %d", i, frame(0, i), want)
			}
		}
		if frame(1, 65) != 0 {
			t.Errorf("right channel %d, want silence", frame(1, 65))
		}
	})

	t.Run("LongStall", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "s.wav")
		r, err := CreateRecorder(path, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		r.Write(at(0), constant(1), constant(1))
		r.Write(at(500), constant(1), constant(1)) // 10 s later
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		w := readWAVFile(t, path)
		if len(w.Channels[0]) != 501*frameSamples || w.Channels[0][500*frameSamples] != 1 {
			t.Errorf("%d samples, want %d with the last frame in place", len(w.Channels[0]), 501*frameSamples)
		}
	})

	t.Run("LateFirstFrame", func(t *testing.T) {
		// The file begins at the stored start; a first frame 200 ms later
		// lands 200 ms in, after silence.
		path := filepath.Join(t.TempDir(), "l.wav")
		r, err := CreateRecorder(path, t0)
		if err != nil {
			t.Fatal(err)
		}
		r.Write(at(10), constant(5), constant(6))
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		w := readWAVFile(t, path)
		if len(w.Channels[0]) != 11*frameSamples || w.Channels[0][9*frameSamples] != 0 || w.Channels[1][10*frameSamples] != 6 {
			t.Errorf("%d samples; want the frame at 200 ms after silence", len(w.Channels[0]))
		}
	})

	t.Run("CutShortStillReads", func(t *testing.T) {
		// A crash leaves the "unknown" sizes: a reader takes what is there.
		var b bytes.Buffer
		b.Write(wavHeader(0xFFFFFFFF))
		for range 3 * frameSamples {
			binary.Write(&b, binary.LittleEndian, [2]int16{7, -7})
		}
		w, err := ReadWAV(&b, 1<<20)
		if err != nil || len(w.Channels[1]) != 3*frameSamples || w.Channels[1][5] != -7 {
			t.Fatalf("ReadWAV: %v", err)
		}
	})
}

func TestReadWAV_Bad(t *testing.T) {
	good := wavHeader(8)
	for name, b := range map[string][]byte{
		"empty":   nil,
		"notRIFF": []byte("RIFX\x00\x00\x00\x00WAVE"),
		"noFmt":   append(append([]byte{}, good[:12]...), "data\x04\x00\x00\x00\x01\x02\x03\x04"...),
		"8bit":    func() []byte { b := append([]byte{}, good...); b[34] = 8; return b }(),
		"alaw":    func() []byte { b := append([]byte{}, good...); b[20] = 6; return b }(),
		"hugeFmt": func() []byte { b := append([]byte{}, good...); b[16] = 0xFF; b[17] = 0xFF; return b }(),
		"cut":     good[:30],
	} {
		if _, err := ReadWAV(bytes.NewReader(b), 1<<20); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzReadWAV: no input panics or allocates beyond the limit.
func FuzzReadWAV(f *testing.F) {
	f.Add(append(wavHeader(8), 1, 2, 3, 4, 5, 6, 7, 8))
	f.Add(wavHeader(0xFFFFFFFF))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVELIST\x02\x00\x00\x00abfmt "))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ReadWAV(bytes.NewReader(b), 4096)
		if err != nil {
			return
		}
		for _, c := range w.Channels {
			if len(c) > 4096/2 {
				t.Fatalf("read %d samples past the limit", len(c))
			}
		}
	})
}
