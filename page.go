package tsunagu

// Page asks for one page of a list: at most Limit items after Cursor, an
// opaque string returned by the previous page.
type Page struct {
	Limit  int
	Cursor string
}

// DefaultPageLimit and MaxPageLimit bound list sizes.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// Clamp applies the defaults and bounds to p.Limit.
func (p Page) Clamp() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	return p
}
