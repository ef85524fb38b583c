// Package ivr runs phone menus as data: which prompts to play, which digit
// leads to which queue, what happens on silence or a wrong key. It is a pure
// state machine — no network, no audio, no clock of its own — driven by the
// telephony edge, which plays what it is told and reports digits, the end of
// prompts and expired timers. That keeps every branch of a menu testable in
// microseconds.
package ivr

import (
	"time"

	"tsunagu"
)

// Prompt names a recorded announcement. The telephony edge maps it to audio
// in the caller's language.
type Prompt string

// The prompts a menu uses.
const (
	PromptGreeting Prompt = "greeting" // "Thank you for calling."
	PromptMenu     Prompt = "menu"     // "Please press the number of your inquiry."
	PromptInvalid  Prompt = "invalid"  // "Sorry, that is not a valid choice."
	PromptWait     Prompt = "wait"     // "Connecting you to an operator; please hold."
	PromptClosed   Prompt = "closed"   // "We are closed now; please call again during business hours."
	// PromptVoicemailClosed is the closed message of a number that takes
	// messages: "We are closed at the moment." (the voicemail prompt and
	// the tone follow, played by the edge).
	PromptVoicemailClosed Prompt = "vmclosed"
)

// Config tunes a menu.
type Config struct {
	// Timeout is how long the menu waits for a digit after its prompt has
	// ended before sending the caller to the default queue. Zero means 8 s.
	Timeout time.Duration
	// Retries is how many times the menu is replayed after an invalid
	// digit before the caller goes to the default queue. Zero means once;
	// negative means never.
	Retries int
	// Closed means the number is outside its business hours: the caller
	// hears the closed message and the menu ends without a queue.
	Closed bool
	// Voicemail, with Closed, lets the caller leave a message after a
	// short closed message instead of being hung up on.
	Voicemail bool
}

// DefaultTimeout is the wait for a digit when Config.Timeout is zero: long
// enough to find a key on a phone held at the ear, short enough not to
// feel stuck.
const DefaultTimeout = 8 * time.Second

// Action tells the edge what to do next. The zero Action means "nothing
// changes: keep playing or waiting".
type Action struct {
	// Play, when not empty, replaces whatever is playing with these prompts
	// in order.
	Play []Prompt
	// Wait, when positive, arms a timer that is to call Timeout when it
	// expires; any pending timer is cancelled by every new Action.
	Wait time.Duration
	// Done means the menu is finished: the caller goes to Queue. Choice is
	// the digit that chose it, "" when the default was taken.
	Done   bool
	Choice string
	// Closed is set with Done when the caller was told the center is
	// closed: they go to no queue.
	Closed bool
	Queue  tsunagu.QueueID
	// Voicemail is set with Done when the caller goes to voicemail (the
	// number is closed and takes messages, or the option chosen is
	// tsunagu.QueueVoicemail): Queue is then the queue whose operators
	// call back, possibly empty.
	Voicemail bool
}

type state int

// States of a menu. Digits are accepted while prompts play (barge-in) as
// well as while waiting.
const (
	stateIdle      state = iota
	statePrompting       // prompts playing
	stateWaiting         // prompts over, timer running
	stateDone
)

// Menu is the state of one caller in one DID's menu. It is not safe for
// concurrent use: one call owns it.
type Menu struct {
	did     tsunagu.DID
	cfg     Config
	st      state
	invalid int
}

// New returns the menu for a dialled number.
func New(did tsunagu.DID, cfg Config) *Menu {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries == 0 {
		cfg.Retries = 1
	}
	return &Menu{did: did, cfg: cfg}
}

// Done reports whether the menu has finished.
func (m *Menu) Done() bool { return m.st == stateDone }

// Start begins the menu: greeting, then the menu prompt. A number without
// menu options plays the greeting and goes straight to its default queue
// once the greeting has ended.
func (m *Menu) Start() Action {
	if m.st != stateIdle {
		return Action{}
	}
	m.st = statePrompting
	if m.cfg.Closed && m.cfg.Voicemail {
		return Action{Play: []Prompt{PromptVoicemailClosed}}
	}
	if m.cfg.Closed {
		return Action{Play: []Prompt{PromptClosed}}
	}
	if len(m.did.Menu) == 0 && m.did.Direct {
		return m.finish("") // a direct line: no greeting, straight to the queue
	}
	if len(m.did.Menu) == 0 {
		return Action{Play: []Prompt{PromptGreeting}}
	}
	return Action{Play: []Prompt{PromptGreeting, PromptMenu}}
}

// PromptsDone reports that the prompts of the last Action have ended.
func (m *Menu) PromptsDone() Action {
	if m.st != statePrompting {
		return Action{}
	}
	if m.cfg.Closed {
		m.st = stateDone
		if m.cfg.Voicemail {
			return Action{Done: true, Closed: true, Voicemail: true, Queue: m.did.VoicemailQueue()}
		}
		return Action{Done: true, Closed: true}
	}
	if len(m.did.Menu) == 0 {
		return m.finish("")
	}
	m.st = stateWaiting
	return Action{Wait: m.cfg.Timeout}
}

// Timeout reports that the timer of the last Action expired: the caller
// chose nothing and goes to the default queue.
func (m *Menu) Timeout() Action {
	if m.st != stateWaiting {
		return Action{}
	}
	return m.finish("")
}

// Digit reports a key press (0–9, *, #).
func (m *Menu) Digit(d rune) Action {
	if m.st != statePrompting && m.st != stateWaiting {
		return Action{}
	}
	if len(m.did.Menu) == 0 || m.cfg.Closed {
		return Action{} // nothing to choose: let the prompt finish
	}
	for _, o := range m.did.Menu {
		if o.Digit == string(d) {
			return m.finish(o.Digit)
		}
	}
	m.invalid++
	if m.cfg.Retries < 0 || m.invalid > m.cfg.Retries {
		return m.finish("")
	}
	m.st = statePrompting
	return Action{Play: []Prompt{PromptInvalid, PromptMenu}}
}

func (m *Menu) finish(choice string) Action {
	m.st = stateDone
	q := m.did.DefaultQueue
	for _, o := range m.did.Menu {
		if choice != "" && o.Digit == choice {
			q = o.QueueID
		}
	}
	if q == "" && len(m.did.Menu) > 0 {
		// A trunk's Normalize requires a default queue only when there is
		// no menu; fall back to the first option rather than strand the
		// caller.
		q = m.did.Menu[0].QueueID
	}
	if q == tsunagu.QueueVoicemail {
		return Action{Done: true, Choice: choice, Voicemail: true, Queue: m.did.VoicemailQueue()}
	}
	return Action{Done: true, Choice: choice, Queue: q}
}
