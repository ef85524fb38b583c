package tsunagu

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do. Roles are ordered: each includes the rights of
// the ones before it (agent < supervisor < admin).
type Role string

// The roles of a call center.
const (
	RoleAgent      Role = "agent"      // オペレーター: takes and makes contacts
	RoleSupervisor Role = "supervisor" // リーダー / SV: watches the floor, approves exceptions
	RoleAdmin      Role = "admin"      // configures the center
)

// Rank orders roles for "at least" checks; an unknown role ranks below all.
func (r Role) Rank() int {
	switch r {
	case RoleAgent:
		return 1
	case RoleSupervisor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return r.Rank() >= min.Rank() && r.Rank() > 0 }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.Rank() > 0 }

// User is a login: an operator, a supervisor or an admin. Usernames are unique
// across the whole installation so that login needs no tenant field.
type User struct {
	ID          UserID    `json:"id"`
	TenantID    TenantID  `json:"tenant_id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Kana        string    `json:"kana,omitempty"` // reading of the display name (よみがな)
	Role        Role      `json:"role"`
	AgentID     AgentID   `json:"agent_id,omitempty"` // set when the user takes contacts
	TeamID      TeamID    `json:"team_id,omitempty"`
	Disabled    bool      `json:"disabled,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

var tenantIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B: at least 8).
const MinPasswordLength = 8

// Validate checks the fields a store needs.
func (u *User) Validate() error {
	if !usernameRE.MatchString(u.Username) {
		return FieldError("username", "Username must be 2–63 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.")
	}
	if strings.TrimSpace(u.DisplayName) == "" || utf8.RuneCountInString(u.DisplayName) > 100 {
		return FieldError("display_name", "Display name is required (at most 100 characters).")
	}
	if utf8.RuneCountInString(u.Kana) > 100 {
		return FieldError("kana", "Kana reading is at most 100 characters.")
	}
	if !u.Role.Valid() {
		return FieldError("role", "Role must be agent, supervisor or admin.")
	}
	if u.TenantID == "" {
		return FieldError("tenant_id", "Tenant is required.")
	}
	return nil
}

// ValidatePassword checks a new password's length (bytes are not limited
// beyond a sane cap so that passphrases in Japanese are fine).
func ValidatePassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return FieldError("password", "Password must be at least %d characters.", MinPasswordLength)
	}
	if len(pw) > 1024 {
		return FieldError("password", "Password is too long.")
	}
	return nil
}

// Tenant is one call center sharing the installation.
type Tenant struct {
	ID       TenantID `json:"id"`
	Name     string   `json:"name"`
	TimeZone string   `json:"time_zone"` // IANA name; Asia/Tokyo by default
}

// Validate checks the tenant.
func (t *Tenant) Validate() error {
	// Tenant IDs name per-tenant files (search indexes), so they are plain.
	if !tenantIDRE.MatchString(string(t.ID)) {
		return FieldError("id", "Tenant ID must be 1–63 characters of a–z, 0–9, '_' or '-'.")
	}
	if strings.TrimSpace(t.Name) == "" {
		return FieldError("name", "Tenant name is required.")
	}
	if t.TimeZone != "" {
		if _, err := time.LoadLocation(t.TimeZone); err != nil {
			return FieldError("time_zone", "Unknown time zone %q.", t.TimeZone)
		}
	}
	return nil
}

// Principal is who is making a request: a logged-in user or an API token
// acting with a role. Every store call that reads or writes tenant data is
// scoped by Principal.TenantID.
type Principal struct {
	TenantID TenantID
	UserID   UserID
	AgentID  AgentID
	Username string
	Role     Role
	TokenID  TokenID // set when authenticated by an API token
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
