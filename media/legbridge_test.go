package media

import (
	"context"
	"testing"
	"time"
)

// pipeLeg is a Leg made of two channels: what the endpoint "says" and what
// it "hears".
type pipeLeg struct {
	say, hear chan []byte
	closed    chan struct{}
}

func newPipeLeg() *pipeLeg {
	return &pipeLeg{say: make(chan []byte, 64), hear: make(chan []byte, 64), closed: make(chan struct{})}
}

func (l *pipeLeg) ReadFrame(ctx context.Context) ([]byte, error) {
	select {
	case f := <-l.say:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.closed:
		return nil, ErrLegClosed
	}
}

func (l *pipeLeg) WriteFrame(f []byte) error {
	select {
	case <-l.closed:
		return ErrLegClosed
	default:
	}
	select {
	case l.hear <- append([]byte(nil), f...):
	default:
	}
	return nil
}

func TestLegBridge_Run(t *testing.T) {
	a, b := newPipeLeg(), newPipeLeg()
	lb := NewLegBridge(a, b)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- lb.Run(ctx) }()
	loud := make([]byte, 160)
	for i := range loud {
		loud[i] = LinearToULaw(8000)
	}
	quiet := make([]byte, 160)
	for i := range quiet {
		quiet[i] = LinearToULaw(0)
	}
	for range 3 {
		a.say <- loud
	}
	b.say <- quiet
	for i := range 3 {
		select {
		case f := <-b.hear:
			if f[0] != loud[0] {
				t.Fatalf("frame %d changed on the way", i)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("b heard nothing from a")
		}
	}
	select {
	case <-a.hear:
	case <-time.After(5 * time.Second):
		t.Fatal("a heard nothing from b")
	}
	cancel()
	<-done
	st := lb.Stats()
	if st.AToB != 3 || st.AToBVoiced != 3 || st.BToA != 1 || st.BToAVoiced != 0 {
		t.Fatalf("stats %+v", st)
	}

	// A leg that closes ends the bridge by itself.
	a2, b2 := newPipeLeg(), newPipeLeg()
	go func() { close(b2.closed) }()
	if err := NewLegBridge(a2, b2).Run(t.Context()); err == nil {
		t.Fatal("Run kept going after a leg closed")
	}
}
