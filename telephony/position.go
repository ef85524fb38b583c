package telephony

import (
	"context"
	"strconv"
	"time"

	"tsunagu"
	"tsunagu/ivr"
	"tsunagu/media"
)

// Positioner is the optional part of a Router that knows a waiting caller's
// place in line. When the Router has it and Config.PositionEvery is set, a
// queued caller hears "you are number N in line" after the wait prompt and
// then every PositionEvery, between stretches of music.
type Positioner interface {
	// Position returns the 1-based place of contact id in its queue.
	// Any error (the contact is being offered, has left, …) skips the
	// announcement.
	Position(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID) (int, error)
}

// The position prompts (prompts/generate.sh): "ただいまお待ちの順番は" +
// "N番目" + "です…", N up to maxSpokenPosition as whole words; a longer line
// is told it is busy instead of hearing a large number.
const (
	promptPosition    ivr.Prompt = "position"
	promptInLine      ivr.Prompt = "inline"
	promptMany        ivr.Prompt = "many"
	maxSpokenPosition            = 20
)

func positionPrompt(n int) ivr.Prompt { return ivr.Prompt("n" + strconv.Itoa(n)) }

// positionPrompts is what a caller at pos hears, or nil for no
// announcement.
func positionPrompts(pos int) []ivr.Prompt {
	switch {
	case pos < 1:
		return nil
	case pos > maxSpokenPosition:
		return []ivr.Prompt{promptMany}
	}
	return []ivr.Prompt{promptPosition, positionPrompt(pos), promptInLine}
}

// queueAudio plays what a queued caller hears: the wait prompt, then music,
// interrupted every PositionEvery by their place in line, with the
// expected wait and the callback offer when the Router is a QueueWaiter
// (queuewait.go). done and tick return the channels that fire when it is
// time to act; promptEnded and announce act on them.
type queueAudio struct {
	c       *call
	playing *media.Playback
	timer   *time.Timer
	// announcing is true while a prompt (the wait prompt or a position)
	// plays; music follows its end.
	announcing bool
	// offerNext plays the callback offer after the announcement; offered
	// is set once the caller has been offered it (queuewait.go).
	offerNext, offered bool
}

func (c *call) startQueueAudio() *queueAudio {
	q := &queueAudio{c: c, announcing: true}
	q.playing = c.sess.Play(c.say(ivr.PromptWait))
	return q
}

// done fires when the current prompt ends; nil while music plays.
func (q *queueAudio) done() <-chan struct{} {
	if !q.announcing {
		return nil
	}
	return q.playing.Done()
}

// tick fires when the next position announcement is due; nil when none is.
func (q *queueAudio) tick() <-chan time.Time {
	if q.timer == nil {
		return nil
	}
	return q.timer.C
}

// promptEnded plays the callback offer when it follows the announcement
// just ended; otherwise it starts the music and schedules the next
// announcement.
func (q *queueAudio) promptEnded() {
	if q.offer() {
		return
	}
	q.announcing = false
	q.playing = q.c.sess.Play(media.Loop(media.HoldMusic()))
	every := q.c.s.cfg.PositionEvery
	if _, ok := q.c.s.cfg.Router.(Positioner); ok && every > 0 {
		q.timer = time.NewTimer(every)
	}
}

// announce tells the caller their place, then the expected wait and the
// callback offer (queuewait.go); when the place cannot be known now the
// music goes on until the next tick.
func (q *queueAudio) announce(ctx context.Context) {
	q.timer = nil
	p, _ := q.c.s.cfg.Router.(Positioner)
	pos, err := p.Position(ctx, q.c.contact.TenantID, q.c.contact.ID)
	ids := positionPrompts(pos)
	if err != nil || ids == nil {
		q.timer = time.NewTimer(q.c.s.cfg.PositionEvery)
		return
	}
	q.announcing = true
	q.playing = q.c.sess.Play(q.c.say(q.offers(ctx, ids)...))
}

// stop ends the timer; the audio is replaced by whoever takes the call.
func (q *queueAudio) stop() {
	if q.timer != nil {
		q.timer.Stop()
	}
}
