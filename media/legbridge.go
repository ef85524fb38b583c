package media

import (
	"context"
	"sync"
	"sync/atomic"
)

// LegBridge joins two Legs in both directions: two operators' phones while
// one consults the other about a caller on hold (a warm transfer). Every
// Leg speaks PCMU, so frames pass through untouched: no decoding, no jitter
// buffer of our own — each side's browser (or phone) has one, and a frame
// is forwarded the moment it arrives, which adds no delay.
//
// Like a Bridge, a LegBridge must be each Leg's only reader while it runs.
type LegBridge struct {
	a, b Leg

	aToB, aToBVoiced, bToA, bToAVoiced atomic.Int64
}

// NewLegBridge prepares a bridge between a and b; nothing flows until Run.
func NewLegBridge(a, b Leg) *LegBridge { return &LegBridge{a: a, b: b} }

// LegBridgeStats count the frames through a LegBridge; voiced ones are
// louder than silence, as in BridgeStats.
type LegBridgeStats struct {
	AToB, AToBVoiced int64
	BToA, BToAVoiced int64
}

// Stats returns the counts so far.
func (lb *LegBridge) Stats() LegBridgeStats {
	return LegBridgeStats{AToB: lb.aToB.Load(), AToBVoiced: lb.aToBVoiced.Load(), BToA: lb.bToA.Load(), BToAVoiced: lb.bToAVoiced.Load()}
}

// Run carries audio until ctx ends or a leg closes, and returns once its
// goroutines have stopped.
func (lb *LegBridge) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	pipe := func(from, to Leg, n, voicedN *atomic.Int64) {
		defer cancel() // one side gone: the consultation has no audio path left
		for {
			f, err := from.ReadFrame(ctx)
			if err != nil {
				return
			}
			if to.WriteFrame(f) == ErrLegClosed {
				return
			}
			n.Add(1)
			if voicedULaw(f) {
				voicedN.Add(1)
			}
		}
	}
	wg.Go(func() { pipe(lb.a, lb.b, &lb.aToB, &lb.aToBVoiced) })
	wg.Go(func() { pipe(lb.b, lb.a, &lb.bToA, &lb.bToAVoiced) })
	wg.Wait()
	return ctx.Err()
}
