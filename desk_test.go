package tsunagu

import (
	"testing"
	"time"
)

func TestVerification_Validate(t *testing.T) {
	q := &Queue{Verification: []string{"氏名", "生年月日"}}
	for _, tc := range []struct {
		name  string
		v     Verification
		field string
	}{
		{"OK", Verification{Outcome: Verified, Checked: []string{"生年月日", "氏名"}}, ""},
		{"RefusedWithNothingChecked", Verification{Outcome: VerificationRefused}, ""},
		{"FailedPartly", Verification{Outcome: VerificationFailed, Checked: []string{"氏名"}}, ""},
		{"UnknownOutcome", Verification{Outcome: "ok"}, "outcome"},
		{"VerifiedNeedsEveryItem", Verification{Outcome: Verified, Checked: []string{"氏名"}}, "checked"},
		{"NotOnTheList", Verification{Outcome: VerificationFailed, Checked: []string{"血液型"}}, "checked"},
		{"Twice", Verification{Outcome: VerificationFailed, Checked: []string{"氏名", "氏名"}}, "checked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorField(tc.v.Validate(q)); got != tc.field {
				t.Fatalf("field = %q, want %q", got, tc.field)
			}
		})
	}
}

func TestWrapUp_Check(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	c := &Contact{Number: "+819012345678"}
	strict := &Queue{Verification: []string{"氏名"}, VerificationRequired: true}
	t.Run("VerificationRequired", func(t *testing.T) {
		if got := ErrorField((&WrapUp{}).Check(c, strict, now)); got != "verification" {
			t.Fatalf("field = %q", got)
		}
		refused := &Contact{Number: c.Number, Verification: VerificationRefused}
		if err := (&WrapUp{}).Check(refused, strict, now); err != nil {
			t.Fatalf("a refusal is a recorded outcome: %v", err)
		}
	})
	t.Run("CallbackDefaults", func(t *testing.T) {
		w := &WrapUp{Callback: &PromisedCallback{DueAt: now.Add(time.Hour)}, Feedback: &Feedback{Text: "  "}}
		if err := w.Check(c, nil, now); err != nil {
			t.Fatal(err)
		}
		if w.Callback.Number != c.Number || w.Callback.Owner != OwnerMe || w.Feedback != nil {
			t.Fatalf("after Check: %+v %+v", w.Callback, w.Feedback)
		}
	})
	for _, tc := range []struct {
		name  string
		w     WrapUp
		field string
	}{
		{"PastCallback", WrapUp{Callback: &PromisedCallback{DueAt: now.Add(-time.Hour)}}, "callback.due_at"},
		{"FarCallback", WrapUp{Callback: &PromisedCallback{DueAt: now.Add(100 * 24 * time.Hour)}}, "callback.due_at"},
		{"NoTime", WrapUp{Callback: &PromisedCallback{}}, "callback.due_at"},
		{"BadOwner", WrapUp{Callback: &PromisedCallback{DueAt: now.Add(time.Hour), Owner: "boss"}}, "callback.owner"},
		{"BadNumber", WrapUp{Callback: &PromisedCallback{DueAt: now.Add(time.Hour), Number: "12"}}, "callback.number"},
		{"BadCategory", WrapUp{Feedback: &Feedback{Category: "gossip", Text: "x"}}, "feedback.category"},
		{"BadSeverity", WrapUp{Abusive: "extreme"}, "abusive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorField(tc.w.Check(c, nil, now)); got != tc.field {
				t.Fatalf("field = %q, want %q", got, tc.field)
			}
		})
	}
}
