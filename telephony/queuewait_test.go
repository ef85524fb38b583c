package telephony

import (
	"fmt"
	"testing"
	"time"

	"tsunagu/ivr"
)

// TestWaitPrompts: an expected wait is rounded up to whole minutes, said
// up to 20 and capped past it; without a basis nothing is said.
func TestWaitPrompts(t *testing.T) {
	say := func(m int) []ivr.Prompt { return []ivr.Prompt{promptExpWait, minutesPrompt(m), promptExpWaitEnd} }
	for _, tc := range []struct {
		d    time.Duration
		want []ivr.Prompt
	}{
		{0, nil},
		{-time.Second, nil},
		{time.Second, say(1)},
		{time.Minute, say(1)},
		{time.Minute + time.Second, say(2)},
		{150 * time.Second, say(3)},
		{20 * time.Minute, say(20)},
		{20*time.Minute + time.Second, []ivr.Prompt{promptExpWaitLong}},
		{3 * time.Hour, []ivr.Prompt{promptExpWaitLong}},
	} {
		if got := waitPrompts(tc.d); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("waitPrompts(%v) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
