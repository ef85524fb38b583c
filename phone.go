package tsunagu

import (
	"strings"
)

// NormalizePhone turns a phone number as people write it in Japan into E.164
// ("+819012345678"). It accepts domestic numbers with a leading 0
// ("090-1234-5678", "03-1234-5678", "0120-123-456"), international numbers
// with "+" or Japan's international prefix 010 ("+81 90 1234 5678",
// "010-1-212-555-0100"), full-width digits and the separators people type
// (spaces, hyphens of every width, dots, parentheses). A number without a
// leading 0, + or 010 is ambiguous and rejected rather than guessed.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits
			b.WriteRune('0' + (r - '０'))
		case r == '+' || r == '＋':
			if i != 0 || plus {
				return "", FieldError("phone", "'+' may only start a phone number.")
			}
			plus = true
		case strings.ContainsRune(" \u3000-‐‑‒–—―−－ー.．()（）", r):
			// separators: ASCII and full-width spaces, hyphens and dashes
			// (incl. the katakana long vowel mark people type for a hyphen)
		default:
			return "", FieldError("phone", "Phone number contains %q.", r)
		}
	}
	d := b.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "010"):
		d = d[3:] // Japan's international call prefix
	case strings.HasPrefix(d, "0"):
		// Domestic Japanese: mobile, IP and M2M numbers (020/050/060/070/080/
		// 090) and 0800 have 11 digits; fixed lines, 0120 and 0570 have 10.
		want := 10
		if strings.HasPrefix(d, "0800") || (len(d) > 2 && d[2] == '0' && strings.ContainsRune("256789", rune(d[1]))) {
			want = 11
		}
		if len(d) != want {
			return "", FieldError("phone", "This Japanese number needs %d digits including the leading 0; it has %d.", want, len(d))
		}
		d = "81" + d[1:]
	case d == "":
		return "", FieldError("phone", "Phone number is required.")
	default:
		return "", FieldError("phone", "Start the number with 0 (domestic) or + (international).")
	}
	// E.164: country code first, at most 15 digits; 8 is the shortest real number we accept.
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", FieldError("phone", "Phone number must have 8–15 digits with its country code.")
	}
	if strings.HasPrefix(d, "81") && strings.HasPrefix(d[2:], "0") {
		return "", FieldError("phone", "After +81 the leading 0 of the domestic number is dropped.")
	}
	return "+" + d, nil
}

// FormatPhoneJP renders an E.164 Japanese number in domestic form for display
// ("+819012345678" -> "090-1234-5678"); other numbers are returned as they are.
func FormatPhoneJP(e164 string) string {
	if !strings.HasPrefix(e164, "+81") {
		return e164
	}
	d := "0" + e164[3:]
	switch {
	case len(d) == 11: // 090-1234-5678, 0800-123-4567 is rarer; mobile form is the common case
		return d[:3] + "-" + d[3:7] + "-" + d[7:]
	case len(d) == 10 && (strings.HasPrefix(d, "03") || strings.HasPrefix(d, "06")):
		return d[:2] + "-" + d[2:6] + "-" + d[6:]
	case len(d) == 10 && strings.HasPrefix(d, "0120"):
		return d[:4] + "-" + d[4:7] + "-" + d[7:]
	case len(d) == 10:
		return d[:3] + "-" + d[3:6] + "-" + d[6:]
	}
	return d
}

// MaskPhone hides all but the last four digits ("+8190****5678" style) for
// screens and logs that do not need the whole number.
func MaskPhone(e164 string) string {
	if len(e164) <= 4 {
		return strings.Repeat("*", len(e164))
	}
	keep := 4
	head := 3
	if len(e164) < head+keep {
		head = 0
	}
	return e164[:head] + strings.Repeat("*", len(e164)-head-keep) + e164[len(e164)-keep:]
}
