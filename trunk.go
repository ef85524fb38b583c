package tsunagu

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// TrunkID identifies a SIP trunk.
type TrunkID string

// Trunk is a carrier connection that delivers calls for some numbers. A call
// is accepted only from the trunk's allowed networks and only for its
// numbers: anything else is refused, so the center is never an open relay.
type Trunk struct {
	ID          TrunkID  `json:"id"`
	TenantID    TenantID `json:"tenant_id"`
	Name        string   `json:"name"`
	AllowedNets []string `json:"allowed_nets"` // CIDR prefixes or addresses, e.g. "127.0.0.1/32"
	Numbers     []DID    `json:"numbers"`
}

// DID is a dialled number a trunk delivers and the phone menu that answers it.
// A number belongs to one tenant in the whole installation: it is how an
// incoming call finds its center.
type DID struct {
	Number   string       `json:"number"`   // E.164 after Normalize
	Greeting string       `json:"greeting"` // spoken first, e.g. "お電話ありがとうございます。"
	Menu     []MenuOption `json:"menu"`     // empty: straight to DefaultQueue
	// DefaultQueue takes callers who choose nothing (or when Menu is empty).
	DefaultQueue QueueID `json:"default_queue"`
	// Hours, when set, are when the number answers with its menu; outside
	// them callers hear that the center is closed (in the tenant's zone).
	Hours *BusinessHours `json:"hours,omitempty"`
}

// MenuOption maps a DTMF digit to a queue.
type MenuOption struct {
	Digit   string  `json:"digit"` // 0–9, * or #
	Label   string  `json:"label"` // what the prompt says, e.g. 一般のお問い合わせ
	QueueID QueueID `json:"queue_id"`
}

// Normalize validates the trunk and brings its numbers to E.164 and its
// networks to canonical prefixes.
func (t *Trunk) Normalize() error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 {
		return FieldError("name", "Trunk name is required (at most 100 characters).")
	}
	if len(t.AllowedNets) == 0 {
		return FieldError("allowed_nets", "Name at least one network the trunk's calls come from.")
	}
	for i, n := range t.AllowedNets {
		p, err := parsePrefix(n)
		if err != nil {
			return FieldError("allowed_nets["+itoa(i)+"]", "%q is not an address or CIDR prefix.", n)
		}
		t.AllowedNets[i] = p.String()
	}
	if len(t.Numbers) == 0 {
		return FieldError("numbers", "A trunk needs at least one number.")
	}
	seen := map[string]bool{}
	for i := range t.Numbers {
		d := &t.Numbers[i]
		f := "numbers[" + itoa(i) + "]"
		n, err := NormalizePhone(d.Number)
		if err != nil {
			return FieldError(f+".number", "%s", ErrorMessage(err))
		}
		if seen[n] {
			return FieldError(f+".number", "Number %s is listed twice.", n)
		}
		seen[n] = true
		d.Number = n
		digits := map[string]bool{}
		for j, o := range d.Menu {
			of := f + ".menu[" + itoa(j) + "]"
			if len(o.Digit) != 1 || !strings.Contains("0123456789*#", o.Digit) {
				return FieldError(of+".digit", "A menu digit is one of 0–9, * or #.")
			}
			if digits[o.Digit] {
				return FieldError(of+".digit", "Digit %s is used twice.", o.Digit)
			}
			digits[o.Digit] = true
			if o.QueueID == "" {
				return FieldError(of+".queue_id", "Each menu option needs a queue.")
			}
		}
		if len(d.Menu) == 0 && d.DefaultQueue == "" {
			return FieldError(f+".default_queue", "A number without a menu needs a default queue.")
		}
		if d.Hours != nil {
			if err := d.Hours.Validate(); err != nil {
				return FieldError(f+".hours."+ErrorField(err), "%s", ErrorMessage(err))
			}
		}
	}
	return nil
}

// Allows reports whether a call from addr may use the trunk.
func (t *Trunk) Allows(addr netip.Addr) bool {
	for _, n := range t.AllowedNets {
		if p, err := netip.ParsePrefix(n); err == nil && p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
