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
	// Outbound, when set, is how agents' calls leave through this trunk
	// (PUT /trunks/{id}/outbound); nil: the trunk only takes calls.
	Outbound *TrunkOutbound `json:"outbound,omitempty"`
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
	// GreetingPrompt, when set, is an uploaded prompt played instead of the
	// built-in greeting.
	GreetingPrompt PromptID `json:"greeting_prompt,omitempty"`
	// MenuPrompt, when set, is an uploaded prompt played instead of the
	// built-in menu announcement ("press the number of your inquiry"); a
	// digit cuts it as it cuts the built-in one. Only with a Menu.
	MenuPrompt PromptID `json:"menu_prompt,omitempty"`
	// ClosedPrompt, when set, is an uploaded prompt played instead of the
	// built-in closed message outside Hours (with Voicemail, before the
	// request to leave a message). Only with Hours.
	ClosedPrompt PromptID `json:"closed_prompt,omitempty"`
	// Hours, when set, are when the number answers with its menu; outside
	// them callers hear that the center is closed (in the tenant's zone).
	Hours *BusinessHours `json:"hours,omitempty"`
	// Voicemail, when set, is the number's answering machine (voicemail.go).
	Voicemail *Voicemail `json:"voicemail,omitempty"`
	// Direct sends callers straight to DefaultQueue without the greeting: a
	// direct line (a partner's hotline, an internal number). It has no menu;
	// business hours and voicemail still apply.
	Direct bool `json:"direct,omitempty"`
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
		if d.Direct && len(d.Menu) > 0 {
			return FieldError(f+".direct", "A direct number goes straight to its default queue: it has no menu.")
		}
		if d.MenuPrompt != "" && len(d.Menu) == 0 {
			return FieldError(f+".menu_prompt", "A number without menu options plays no menu announcement.")
		}
		if d.ClosedPrompt != "" && d.Hours == nil {
			return FieldError(f+".closed_prompt", "A number without business hours is never closed: set its hours first.")
		}
		if len(d.Menu) == 0 && d.DefaultQueue == "" {
			return FieldError(f+".default_queue", "A number without a menu needs a default queue.")
		}
		if d.Hours != nil {
			if err := d.Hours.Validate(); err != nil {
				return FieldError(f+".hours."+ErrorField(err), "%s", ErrorMessage(err))
			}
		}
		if d.Voicemail != nil {
			if err := d.Voicemail.Validate(); err != nil {
				return FieldError(f+".voicemail."+ErrorField(err), "%s", ErrorMessage(err))
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

// TrunkOutbound is where a trunk sends agents' outbound calls and which
// numbers they may reach. The carrier's digest secret is write-only: it is
// stored apart and never read back through the API or the event log.
type TrunkOutbound struct {
	// Target is the carrier's SIP address, host:port.
	Target string `json:"target"`
	// Transport is "udp" (default) or "tcp".
	Transport string `json:"transport"`
	// Username and Password answer the carrier's digest challenge (401/407).
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// HasPassword tells an admin a secret is stored, without showing it.
	HasPassword bool `json:"has_password,omitempty"`
	// AllowedPrefixes are the E.164 prefixes agents may dial; empty means
	// Japanese numbers only (+81). International fraud (toll fraud through
	// a hijacked account) is the costly failure, so anything else must be
	// allowed by name, e.g. "+1" or "+8210".
	AllowedPrefixes []string `json:"allowed_prefixes"`
	// CallerID is the number customers see; empty means the trunk's first
	// DID. QueueCallerIDs gives a queue its own number (one of the trunk's
	// DIDs, so the customer can call that queue back).
	CallerID       string             `json:"caller_id,omitempty"`
	QueueCallerIDs map[QueueID]string `json:"queue_caller_ids,omitempty"`
}

// CallRequest is an agent's click-to-call (POST /api/v1/calls): a number,
// or an open callback (whose number is used when Number is empty), and
// optionally the queue the call is made for (its caller ID, its wrap-up).
type CallRequest struct {
	Number     string     `json:"number"`
	QueueID    QueueID    `json:"queue_id,omitempty"`
	CallbackID CallbackID `json:"callback_id,omitempty"`
}

// DefaultOutboundPrefixes is what agents may dial when a trunk names none.
var DefaultOutboundPrefixes = []string{"+81"}

// Normalize validates the outbound settings of trunk t.
func (o *TrunkOutbound) Normalize(t *Trunk) error {
	o.Target = strings.TrimSpace(o.Target)
	if _, err := netip.ParseAddrPort(o.Target); err != nil {
		if h, p, ok := strings.Cut(o.Target, ":"); !ok || h == "" || p == "" || strings.ContainsAny(h, " /@") {
			return FieldError("target", "Give the carrier's SIP address as host:port.")
		}
	}
	o.Transport = strings.ToLower(strings.TrimSpace(o.Transport))
	switch o.Transport {
	case "":
		o.Transport = "udp"
	case "udp", "tcp":
	default:
		return FieldError("transport", "Transport is udp or tcp.")
	}
	if o.Password != "" && o.Username == "" {
		return FieldError("username", "A password needs a username.")
	}
	if len(o.AllowedPrefixes) == 0 {
		o.AllowedPrefixes = append([]string(nil), DefaultOutboundPrefixes...)
	}
	for i, p := range o.AllowedPrefixes {
		p = strings.TrimSpace(p)
		ok := len(p) >= 2 && p[0] == '+'
		for _, r := range p[min(1, len(p)):] {
			ok = ok && r >= '0' && r <= '9'
		}
		if !ok {
			return FieldError("allowed_prefixes["+itoa(i)+"]", "%q is not an E.164 prefix such as +81.", p)
		}
		o.AllowedPrefixes[i] = p
	}
	own := func(field, n string) (string, error) {
		e, err := NormalizePhone(n)
		if err != nil {
			return "", FieldError(field, "%s", ErrorMessage(err))
		}
		for _, d := range t.Numbers {
			if d.Number == e {
				return e, nil
			}
		}
		return "", FieldError(field, "Caller ID %s is not one of this trunk's numbers.", e)
	}
	if o.CallerID != "" {
		n, err := own("caller_id", o.CallerID)
		if err != nil {
			return err
		}
		o.CallerID = n
	}
	for q, n := range o.QueueCallerIDs {
		e, err := own("queue_caller_ids."+string(q), n)
		if err != nil {
			return err
		}
		o.QueueCallerIDs[q] = e
	}
	return nil
}

// Allows reports whether agents may dial number (E.164).
func (o *TrunkOutbound) Allows(number string) bool {
	ps := o.AllowedPrefixes
	if len(ps) == 0 {
		ps = DefaultOutboundPrefixes
	}
	for _, p := range ps {
		if strings.HasPrefix(number, p) {
			return true
		}
	}
	return false
}

// CallerIDFor is the number a call for queue shows: the queue's own, the
// trunk's outbound caller ID, or the trunk's first DID.
func (o *TrunkOutbound) CallerIDFor(t *Trunk, queue QueueID) string {
	if n := o.QueueCallerIDs[queue]; n != "" && queue != "" {
		return n
	}
	if o.CallerID != "" {
		return o.CallerID
	}
	if len(t.Numbers) > 0 {
		return t.Numbers[0].Number
	}
	return ""
}
