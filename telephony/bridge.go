package telephony

import (
	"context"

	"tsunagu"
	"tsunagu/media"
)

// errNotQueued refuses Connect for a call still in the phone menu.
var errNotQueued = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is not waiting in a queue.")

// errNotConnected refuses Hold and Resume before the call is connected.
var errNotConnected = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is not connected to an operator.")

// request is Connect (leg set), Hold or Resume (hold set) or Hangup
// (neither), served by the call's goroutine. reply is buffered so the call
// never waits for the requester.
type request struct {
	leg   media.Leg
	hold  *bool
	xfer  *xferOp // a transfer (transfer.go), when set
	reply chan error
}

func (s *Server) registerContact(c *call) {
	s.mu.Lock()
	s.contacts[c.contact.ID] = c
	s.mu.Unlock()
}

func (s *Server) unregisterContact(c *call) {
	s.mu.Lock()
	if s.contacts[c.contact.ID] == c {
		delete(s.contacts, c.contact.ID)
		delete(s.transfersOut, c.contact.ID)
	}
	s.mu.Unlock()
}

// Connect stops the queue music and bridges the caller of contact id with
// leg (an operator's softphone) in both directions. It only joins the
// audio: recording contact:connected is the caller's job. It returns once
// the bridge runs. The call's goroutine serves it, so it must not be called
// from inside Router.Enqueue (that goroutine is busy there).
//
// Errors: ENOTFOUND when no live call has that contact; ECONFLICT when the
// call is still in the phone menu or already connected; ctx's error.
func (s *Server) Connect(ctx context.Context, id tsunagu.ContactID, leg media.Leg) error {
	if leg == nil {
		return tsunagu.Errorf(tsunagu.EINVALID, "No leg to connect.")
	}
	return s.request(ctx, id, request{leg: leg, reply: make(chan error, 1)})
}

// Hangup ends the call of contact id: BYE to the caller (RFC 3261 §15.1.1)
// and contact:ended {"by":"agent"}, recorded once. It returns after both.
// A call that has already ended, by either side, is ENOTFOUND.
func (s *Server) Hangup(ctx context.Context, id tsunagu.ContactID) error {
	return s.request(ctx, id, request{reply: make(chan error, 1)})
}

// Hold puts the connected caller of contact id on hold: the caller hears
// the hold music, the operator hears nothing, and the audio leg stays
// attached for Resume. Recording contact:held is the caller's job.
// Errors: ENOTFOUND when no live call; ECONFLICT when not connected or
// already on hold.
func (s *Server) Hold(ctx context.Context, id tsunagu.ContactID) error {
	on := true
	return s.request(ctx, id, request{hold: &on, reply: make(chan error, 1)})
}

// Resume takes the caller of contact id off hold and bridges them with the
// operator again. Errors as Hold's.
func (s *Server) Resume(ctx context.Context, id tsunagu.ContactID) error {
	off := false
	return s.request(ctx, id, request{hold: &off, reply: make(chan error, 1)})
}

func (s *Server) request(ctx context.Context, id tsunagu.ContactID, r request) error {
	s.mu.Lock()
	c := s.contacts[id]
	if c == nil {
		c = s.dialingOut[id] // an outbound call not answered yet (outbound.go)
	}
	s.mu.Unlock()
	if c == nil {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "No live call for contact %s.", id)
	}
	select {
	case c.ctl <- r:
	case <-c.gone:
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "No live call for contact %s.", id)
	case <-c.dialog.Context().Done():
		// The caller has hung up; the call's goroutine may be busy telling
		// the router (Abandoned), and a router that called us while
		// holding its own lock would otherwise wait for itself.
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "No live call for contact %s.", id)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CallStats are a live call's packet and frame counts.
type CallStats struct {
	RTP    media.Stats       // the caller's RTP session
	Bridge media.BridgeStats // the operator's leg; zero before Connect
	// Mix adds the supervisor's counts and the mixer's ticks.
	Mix media.MixerStats
	// Recording is the recording's file so far (zero when not recording).
	Recording media.RecorderStats
}

// Stats returns the counts of the live call of contact id. A bridge whose
// voiced counts stay at zero in one direction is one-way audio.
func (s *Server) Stats(id tsunagu.ContactID) (CallStats, bool) {
	s.mu.Lock()
	c := s.contacts[id]
	s.mu.Unlock()
	if c == nil {
		return CallStats{}, false
	}
	st := CallStats{RTP: c.sess.Stats()}
	c.live.mu.Lock()
	m, rec := c.live.mix, c.live.rec
	c.live.mu.Unlock()
	if m != nil {
		st.Mix = m.Stats()
		st.Bridge = st.Mix.BridgeStats
	}
	if rec != nil {
		st.Recording = rec.Stats()
	}
	return st, true
}

// bridged runs a connected call: the mixer (media.Mixer) carries the
// audio between the caller, the operator and a supervisor, and feeds the
// recording, until the caller hangs up, Hangup is called or the server
// ends the call. Hold keeps the mixer running with the music to the
// caller, so the recording and a supervisor carry on through it. The
// mixer's goroutines belong to this one, which stops them (part). A call
// connected again after a blind transfer comes back here (nested, from
// requeued): the recording started by the first connection goes on.
func (c *call) bridged(ctx context.Context, r request) {
	leg := r.leg
	var (
		b     *media.Mixer // the running mixer; nil while parted
		held  bool         // on hold within the mixer
		music *media.Playback
	)
	// join starts the mixer with the operator's leg (at Connect and when
	// a transfer attaches a leg); part stops it and logs its counts.
	join := func() {
		if music != nil {
			c.sess.Stop(music)
			music = nil
		}
		b = media.NewMixer(c.sess, leg, media.Loop(media.HoldMusic()))
		held = false
		b.Start(ctx)
		c.live.setMixer(c.contact.TenantID, b)
	}
	part := func() {
		if b == nil {
			return
		}
		c.live.setMixer(c.contact.TenantID, nil)
		b.Stop()
		st := b.Stats()
		c.log.Info("call bridge", "to_agent", st.ToLeg, "to_agent_voiced", st.ToLegVoiced,
			"from_agent", st.FromLeg, "from_agent_voiced", st.FromLegVoiced, "dropped", st.Dropped,
			"from_supervisor_voiced", st.FromSupervisorVoiced)
		b = nil
	}
	defer c.dropFar() // last: an outside party the caller was transferred to (transferout.go)
	if c.live.enter() {
		c.startRecording(ctx)
		defer c.stopRecording(ctx)
		defer c.endMonitor(ctx) // its event before the recording's last one
		defer c.live.leave()    // first: from now on the API finds no connected call
	}
	join()
	r.reply <- nil
	c.log.Info("call connected")
	var hangup *request
	for hangup == nil {
		select {
		case <-c.dialog.Context().Done():
			part()
			c.end(ctx, "caller")
			c.ended(ctx)
			return
		case <-ctx.Done():
			part()
			c.hangup()
			c.end(ctx, "system")
			c.ended(ctx)
			return
		case <-c.farGone(): // the outside party hung up (transferout.go)
			part()
			c.hangup()
			c.end(ctx, "outside")
			c.ended(ctx)
			return
		case q := <-c.ctl:
			switch {
			case q.xfer != nil: // transfer.go: true when the call ended or was requeued
				if c.transfer(ctx, q, callAudio{leg: leg, attach: func(l media.Leg) { part(); leg = l; join() },
					hold: func() {
						if b != nil {
							part()
							music = c.sess.Play(media.Loop(media.HoldMusic()))
						}
					}}) {
					return
				}
			case q.leg != nil:
				q.reply <- tsunagu.Errorf(tsunagu.ECONFLICT, "The call is already connected.")
			case q.hold != nil && *q.hold:
				if b == nil || held {
					q.reply <- tsunagu.Errorf(tsunagu.ECONFLICT, "The call is already on hold.")
					continue
				}
				b.SetHeld(true)
				held = true
				c.log.Info("call held")
				q.reply <- nil
			case q.hold != nil:
				switch {
				case b != nil && held:
					b.SetHeld(false)
					held = false
				case b == nil:
					join() // held by a transfer's hold: the operator comes back
				default:
					q.reply <- tsunagu.Errorf(tsunagu.ECONFLICT, "The call is not on hold.")
					continue
				}
				c.log.Info("call resumed")
				q.reply <- nil
			default:
				hangup = &q
			}
		}
	}
	part()
	c.hangup()
	c.end(ctx, "agent")
	c.ended(ctx)
	hangup.reply <- nil
}

// ended tells the router a connected call is over.
func (c *call) ended(ctx context.Context) {
	if r := c.s.cfg.Router; r != nil {
		ctx, cancel := finalContext(ctx)
		defer cancel()
		r.Ended(ctx, c.contact.TenantID, c.contact.ID)
	}
}
