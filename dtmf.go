package tsunagu

import "strings"

// MaxDTMF is the most digits one keypad request may send: a long code or a
// card number with its PIN, not a script.
const MaxDTMF = 32

// CheckDTMF validates digits the operator's keypad sends to the other
// party: 1–32 of 0–9, *, # and A–D (RFC 4733 §3.2's DTMF events; A–D exist
// on some IVRs). The message never repeats the digits: they may be a PIN.
func CheckDTMF(digits string) error {
	if digits == "" {
		return FieldError("digits", "Press at least one key.")
	}
	if len(digits) > MaxDTMF {
		return FieldError("digits", "At most %d digits at a time.", MaxDTMF)
	}
	for _, d := range digits {
		if !strings.ContainsRune("0123456789*#ABCD", d) {
			return FieldError("digits", "Digits are 0–9, *, # and A–D.")
		}
	}
	return nil
}
