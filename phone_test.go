package tsunagu_test

import (
	"testing"

	"tsunagu"
)

func TestNormalizePhone(t *testing.T) {
	ok := []struct{ in, want string }{
		{"090-1234-5678", "+819012345678"},
		{"09012345678", "+819012345678"},
		{"03-1234-5678", "+81312345678"},
		{"(03) 1234-5678", "+81312345678"},
		{"+81 90 1234 5678", "+819012345678"},
		{"+81-3-1234-5678", "+81312345678"},
		{"０９０－１２３４－５６７８", "+819012345678"},
		{"０３ー１２３４ー５６７８", "+81312345678"}, // long vowel mark typed as a hyphen
		{"＋８１　９０　１２３４　５６７８", "+819012345678"},
		{"0120-123-456", "+81120123456"},
		{"0800-123-4567", "+818001234567"},
		{"050-1234-5678", "+815012345678"},
		{"06.1234.5678", "+81612345678"},
		{"010-1-212-555-0100", "+12125550100"},
		{"+1 (212) 555-0100", "+12125550100"},
	}
	for _, tc := range ok {
		got, err := tsunagu.NormalizePhone(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []string{"", "12345678", "090-1234-567", "03-1234-56789", "03-ABCD-5678", "+81 0 3 1234 5678", "+8190", "9+0", "0",
		"+1234567890123456", "090-1234-5678 内線12"}
	for _, in := range bad {
		if got, err := tsunagu.NormalizePhone(in); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want an error", in, got)
		} else if tsunagu.ErrorCode(err) != tsunagu.EINVALID || tsunagu.ErrorField(err) != "phone" {
			t.Errorf("NormalizePhone(%q): error %v is not an EINVALID on phone", in, err)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"090-1234-5678", "+81 3 1234 5678", "０３ー１２３４ー５６７８", "010-1-212-555-0100", "+", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := tsunagu.NormalizePhone(in)
		if err != nil {
			return
		}
		// Whatever is accepted is E.164 and normalises to itself.
		if len(got) < 9 || len(got) > 16 || got[0] != '+' || got[1] == '0' {
			t.Fatalf("NormalizePhone(%q) = %q: not E.164", in, got)
		}
		again, err := tsunagu.NormalizePhone(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, got, again, err)
		}
	})
}

func TestFormatAndMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"+819012345678": "090-1234-5678", "+81312345678": "03-1234-5678", "+81120123456": "0120-123-456", "+12125550100": "+12125550100"} {
		if got := tsunagu.FormatPhoneJP(in); got != want {
			t.Errorf("FormatPhoneJP(%q) = %q, want %q", in, got, want)
		}
	}
	if got := tsunagu.MaskPhone("+819012345678"); got != "+81******5678" {
		t.Errorf("MaskPhone = %q", got)
	}
}

func TestCustomer_Masked(t *testing.T) {
	c := tsunagu.Customer{Name: "佐藤 花子", Kana: "さとう はなこ", Email: "hanako@example.jp", Notes: "秘密", Phones: []tsunagu.Phone{{Number: "+819012345678"}}}
	m := c.Masked()
	if m.Name != "佐藤 **" || m.Kana != "さとう ***" || m.Email != "h***@example.jp" || m.Notes != "" || m.Phones[0].Number != "+81******5678" {
		t.Fatalf("masked = %+v", m)
	}
	if c.Phones[0].Number != "+819012345678" {
		t.Fatal("Masked changed the original")
	}
}
