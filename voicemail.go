package tsunagu

// Voicemail (留守番電話): a caller who cannot reach an operator leaves a
// message after the tone. It happens when a number is closed and its
// voicemail is on, when the caller chooses a menu option whose queue is
// QueueVoicemail, and when a queue whose OverflowQueue is QueueVoicemail
// overflows (maximum wait or length). The message is the contact's
// recording (mono WAV), the contact ends with contact:voicemail, and a
// callback task for the queue asks an operator to call the customer back.

// QueueVoicemail is the target "voicemail" where a queue is expected: a
// menu option's QueueID or a queue's OverflowQueue. It is not a queue; a
// real queue may not take this ID.
const QueueVoicemail QueueID = "voicemail"

// Voicemail lengths.
const (
	// DefaultVoicemailSeconds bounds a message when the number names no
	// limit: two minutes say what a caller needs to say.
	DefaultVoicemailSeconds = 120
	// MinVoicemailVoice is how much voice a message needs to be kept: less
	// is a caller who hung up at the tone, counted as abandoned.
	MinVoicemailVoiceSeconds = 1
)

// Voicemail is a dialled number's answering machine.
type Voicemail struct {
	// WhenClosed offers it outside the number's business hours, after
	// "we are closed" (instead of hanging up).
	WhenClosed bool `json:"when_closed"`
	// MaxSeconds bounds one message; 0 means DefaultVoicemailSeconds.
	MaxSeconds int `json:"max_seconds,omitempty"`
}

// Validate checks the limit: 10 s to 10 minutes, or 0 for the default.
func (v *Voicemail) Validate() error {
	if v.MaxSeconds != 0 && (v.MaxSeconds < 10 || v.MaxSeconds > 600) {
		return FieldError("max_seconds", "A message may last 10–600 seconds (0: %d).", DefaultVoicemailSeconds)
	}
	return nil
}

// Limit is the longest message the number takes, in seconds. A number
// without settings takes the default (a menu option or an overflow may
// still send callers to voicemail).
func (v *Voicemail) Limit() int {
	if v == nil || v.MaxSeconds == 0 {
		return DefaultVoicemailSeconds
	}
	return v.MaxSeconds
}

// VoicemailQueue is the queue whose operators call back a message left on
// d: its default queue, or else the first menu option's that is a queue.
func (d *DID) VoicemailQueue() QueueID {
	if d.DefaultQueue != "" && d.DefaultQueue != QueueVoicemail {
		return d.DefaultQueue
	}
	for _, o := range d.Menu {
		if o.QueueID != QueueVoicemail {
			return o.QueueID
		}
	}
	return ""
}
