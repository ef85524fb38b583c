package ivr

import (
	"fmt"
	"testing"
	"time"

	"tsunagu"
)

var did = tsunagu.DID{Number: "+81312345678", DefaultQueue: "general", Menu: []tsunagu.MenuOption{
	{Digit: "1", QueueID: "general"}, {Digit: "2", QueueID: "tech"}, {Digit: "3", QueueID: "billing"}}}

// script drives a menu with steps: "prompts" (the prompts ended), "timeout"
// or a digit, and returns each Action rendered compactly.
func script(m *Menu, steps ...string) []string {
	out := []string{render(m.Start())}
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
		out = append(out, render(a))
	}
	return out
}

func render(a Action) string {
	switch {
	case a.Done && a.Closed:
		return "closed"
	case a.Done:
		return fmt.Sprintf("done(%q,%s)", a.Choice, a.Queue)
	case a.Play != nil:
		return fmt.Sprint("play", a.Play)
	case a.Wait > 0:
		return "wait " + a.Wait.String()
	}
	return "-"
}

func TestMenu(t *testing.T) {
	tests := []struct {
		name  string
		did   tsunagu.DID
		steps []string
		want  string
	}{
		{"BargeInDuringGreeting", did, []string{"2"},
			`[play[greeting menu] done("2",tech)]`},
		{"DigitAfterPrompt", did, []string{"prompts", "3"},
			`[play[greeting menu] wait 8s done("3",billing)]`},
		{"TimeoutToDefault", did, []string{"prompts", "timeout"},
			`[play[greeting menu] wait 8s done("",general)]`},
		{"InvalidReplaysOnceThenDefault", did, []string{"prompts", "9", "prompts", "7"},
			`[play[greeting menu] wait 8s play[invalid menu] wait 8s done("",general)]`},
		{"InvalidThenValid", did, []string{"#", "1"},
			`[play[greeting menu] play[invalid menu] done("1",general)]`},
		{"StaleTimeoutIgnoredWhilePrompting", did, []string{"timeout", "prompts", "timeout"},
			`[play[greeting menu] - wait 8s done("",general)]`},
		{"NoMenuGreetingThenDefault", tsunagu.DID{DefaultQueue: "general"}, []string{"5", "prompts"},
			`[play[greeting] - done("",general)]`},
		{"AfterDoneNothing", did, []string{"2", "3", "timeout", "prompts"},
			`[play[greeting menu] done("2",tech) - - -]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(script(New(tt.did, Config{}), tt.steps...)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMenu_Config(t *testing.T) {
	m := New(did, Config{Timeout: 2 * time.Second, Retries: -1})
	if got := fmt.Sprint(script(m, "prompts", "9")); got != `[play[greeting menu] wait 2s done("",general)]` {
		t.Errorf("no retries: %s", got)
	}
	m = New(did, Config{Retries: 2})
	if got := fmt.Sprint(script(m, "9", "9", "9")); got != `[play[greeting menu] play[invalid menu] play[invalid menu] done("",general)]` {
		t.Errorf("two retries: %s", got)
	}
	// A menu without a default queue sends silence to its first option.
	noDefault := did
	noDefault.DefaultQueue = ""
	if got := fmt.Sprint(script(New(noDefault, Config{}), "prompts", "timeout")); got != `[play[greeting menu] wait 8s done("",general)]` {
		t.Errorf("no default: %s", got)
	}
}

// TestMenu_Closed: outside business hours the caller hears the closed
// message whatever they press, and goes to no queue.
func TestMenu_Closed(t *testing.T) {
	m := New(did, Config{Closed: true})
	if got := fmt.Sprint(script(m, "1", "timeout", "prompts", "2")); got != `[play[closed] - - closed -]` {
		t.Errorf("closed: %s", got)
	}
}

// TestMenu_Direct: a direct number goes to its default queue at once, with
// no greeting; outside its hours it still says it is closed.
func TestMenu_Direct(t *testing.T) {
	direct := tsunagu.DID{Number: "+81312340000", DefaultQueue: "vip", Direct: true}
	if got := script(New(direct, Config{})); len(got) != 1 || got[0] != `done("",vip)` {
		t.Fatalf("direct: %v, want done at Start", got)
	}
	if got := script(New(direct, Config{Closed: true}), "prompts"); got[0] != "play[closed]" || got[1] != "closed" {
		t.Fatalf("direct, closed: %v", got)
	}
}
