package media

// PCMLeg is a Leg that can also exchange linear audio directly, without a
// goroutine of the mixer's in between: an agent's desk phone, which is an
// RTP Session of this package seen as a Leg (package telephony). For such a
// leg the Mixer writes each 20 ms of what the operator hears straight from
// its tick, and takes the operator's audio as the leg's session receives it,
// instead of companding to µ-law, handing the frame to a writer goroutine
// and back, and reading through a reader goroutine. In the SIP load
// benchmark (docs/benchmarks.md) those two extra goroutine wake-ups per
// frame, and the µ-law round trip, were a tenth of the server's CPU.
type PCMLeg interface {
	Leg
	// WritePCM queues linear samples for the endpoint. It must not block
	// (it runs on the caller's 20 ms tick) and must not keep pcm.
	WritePCM(pcm []int16) error
	// OnPCM makes fn receive the endpoint's audio as linear samples, on the
	// leg's session receiving (its pacer), instead of ReadFrame; fn must not block and
	// must copy what it keeps. nil hands the audio back to ReadFrame.
	OnPCM(fn func(pcm []int16))
}
