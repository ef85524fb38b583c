package ivr

import (
	"fmt"
	"testing"

	"tsunagu"
)

// renderVM shows where a finished menu sends the caller, voicemail included.
func renderVM(a Action) string {
	if a.Done && a.Voicemail {
		return fmt.Sprintf("voicemail(%q,%q,closed=%v)", a.Choice, a.Queue, a.Closed)
	}
	return render(a)
}

func scriptVM(m *Menu, steps ...string) string {
	out := []string{renderVM(m.Start())}
	for _, s := range steps {
		var a Action
		switch s {
		case "prompts":
			a = m.PromptsDone()
		case "timeout":
			a = m.Timeout()
		default:
			a = m.Digit(rune(s[0]))
		}
		out = append(out, renderVM(a))
	}
	return fmt.Sprint(out)
}

// TestMenu_Voicemail: a closed number that takes messages plays the short
// closed message and hands the caller to voicemail for its default queue;
// a menu option (or the default) whose target is voicemail does the same
// for the number's callback queue; without WhenClosed nothing changes.
func TestMenu_Voicemail(t *testing.T) {
	vmDID := did
	vmDID.Menu = append(append([]tsunagu.MenuOption(nil), did.Menu...), tsunagu.MenuOption{Digit: "9", QueueID: tsunagu.QueueVoicemail})
	answering := tsunagu.DID{DefaultQueue: tsunagu.QueueVoicemail, Menu: []tsunagu.MenuOption{{Digit: "1", QueueID: tsunagu.QueueVoicemail}}}
	tests := []struct {
		name  string
		did   tsunagu.DID
		cfg   Config
		steps []string
		want  string
	}{
		{"ClosedTakesMessages", did, Config{Closed: true, Voicemail: true}, []string{"1", "prompts", "2"},
			`[play[vmclosed] - voicemail("","general",closed=true) -]`},
		{"ClosedWithoutVoicemail", did, Config{Closed: true}, []string{"prompts"},
			`[play[closed] closed]`},
		{"VoicemailIgnoredWhenOpen", did, Config{Voicemail: true}, []string{"2"},
			`[play[greeting menu] done("2",tech)]`},
		{"MenuChoice", vmDID, Config{}, []string{"9"},
			`[play[greeting menu] voicemail("9","general",closed=false)]`},
		{"OtherChoicesStillQueue", vmDID, Config{}, []string{"prompts", "2"},
			`[play[greeting menu] wait 8s done("2",tech)]`},
		{"DefaultIsVoicemailNoQueue", answering, Config{}, []string{"prompts", "timeout"},
			`[play[greeting menu] wait 8s voicemail("","",closed=false)]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scriptVM(New(tt.did, tt.cfg), tt.steps...); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
