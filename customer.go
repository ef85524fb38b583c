package tsunagu

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Customer is a person or company that contacts the center. Name and phones
// are personal data: masked in lists, revealed on purpose, reads audited.
type Customer struct {
	ID        CustomerID `json:"id"`
	TenantID  TenantID   `json:"tenant_id"`
	Name      string     `json:"name"`           // 氏名, e.g. 佐藤 花子
	Kana      string     `json:"kana,omitempty"` // reading, e.g. さとう はなこ
	Email     string     `json:"email,omitempty"`
	Phones    []Phone    `json:"phones"`
	Notes     string     `json:"notes,omitempty"`
	Flags     []string   `json:"flags,omitempty"` // e.g. "abusive", "vip"
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Phone is one of a customer's numbers, stored in E.164.
type Phone struct {
	Number string `json:"number"`          // E.164 after Normalize
	Label  string `json:"label,omitempty"` // 携帯, 自宅, 勤務先 ...
}

// MaxCustomerPhones caps phones per customer; more is a data-entry mistake.
const MaxCustomerPhones = 10

// Normalize converts phones to E.164 and trims names, then validates. It is
// what every write path calls, so a bad number is refused before any write.
func (c *Customer) Normalize() error {
	c.Name = strings.TrimSpace(c.Name)
	c.Kana = strings.TrimSpace(c.Kana)
	c.Email = strings.TrimSpace(c.Email)
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 200 {
		return FieldError("name", "Customer name is required (at most 200 characters).")
	}
	if utf8.RuneCountInString(c.Kana) > 200 {
		return FieldError("kana", "Kana reading is at most 200 characters.")
	}
	if c.Email != "" && (!strings.Contains(c.Email, "@") || len(c.Email) > 254) {
		return FieldError("email", "Email address is not valid.")
	}
	if len(c.Phones) > MaxCustomerPhones {
		return FieldError("phones", "At most %d phone numbers.", MaxCustomerPhones)
	}
	seen := map[string]bool{}
	for i := range c.Phones {
		n, err := NormalizePhone(c.Phones[i].Number)
		if err != nil {
			e := err.(*Error)
			e.Field = "phones[" + itoa(i) + "].number"
			return e
		}
		if seen[n] {
			return FieldError("phones["+itoa(i)+"].number", "Phone number %s is listed twice.", n)
		}
		seen[n] = true
		c.Phones[i].Number = n
		if utf8.RuneCountInString(c.Phones[i].Label) > 50 {
			return FieldError("phones["+itoa(i)+"].label", "Phone label is at most 50 characters.")
		}
	}
	if utf8.RuneCountInString(c.Notes) > 10000 {
		return FieldError("notes", "Notes are at most 10,000 characters.")
	}
	return nil
}

// Masked returns a copy with personal fields masked for list views: the
// given name and its reading, the email's local part, all but four phone
// digits, and the notes.
func (c Customer) Masked() Customer {
	c.Name = maskName(c.Name)
	c.Kana = maskName(c.Kana)
	if i := strings.IndexByte(c.Email, '@'); i > 0 {
		c.Email = c.Email[:1] + "***" + c.Email[i:]
	}
	phones := make([]Phone, len(c.Phones))
	for i, p := range c.Phones {
		phones[i] = Phone{Number: MaskPhone(p.Number), Label: p.Label}
	}
	c.Phones = phones
	c.Notes = ""
	return c
}

// maskName keeps the family name (first word) and masks the rest:
// "佐藤 花子" -> "佐藤 **".
func maskName(n string) string {
	f := strings.Fields(n)
	if len(f) <= 1 {
		r := []rune(n)
		if len(r) <= 1 {
			return n
		}
		return string(r[:1]) + strings.Repeat("*", len(r)-1)
	}
	return f[0] + " " + strings.Repeat("*", utf8.RuneCountInString(strings.Join(f[1:], "")))
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
