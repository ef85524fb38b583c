package tsunagu

import (
	"context"
	"time"
)

// The store interfaces below are implemented by sqlite (and, scaled out, by
// postgres) and checked by the one conformance suite in storetest. Every
// method that reads or writes tenant data takes the tenant explicitly; no
// method can reach another tenant's rows. Every write appends its events to
// the log in the same transaction; the acting user, when there is one, is
// taken from the Principal in ctx.
//
// Errors: ENOTFOUND when the entity does not exist in the tenant, ECONFLICT on
// a duplicate unique key, EINVALID when validation fails; anything else is
// EINTERNAL.

// TenantStore keeps tenants.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	FindTenant(ctx context.Context, id TenantID) (*Tenant, error)
}

// UserStore keeps logins and their password hashes. Hashing is the caller's
// job (argon2id in httpapi): the store never sees a password.
type UserStore interface {
	// CreateUser creates u; when u.Role can take contacts (agent) an Agent
	// row is created too and u.AgentID set. ECONFLICT when the username exists.
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	FindUser(ctx context.Context, tenant TenantID, id UserID) (*User, error)
	// FindLogin finds a user by username across tenants, for login only.
	FindLogin(ctx context.Context, username string) (*Login, error)
	ListUsers(ctx context.Context, tenant TenantID, p Page) ([]User, string, error)
	// UpdateUser changes display name, kana, role, team or disabled through
	// fn; the rest is kept. Becoming an agent creates the agent row;
	// disabling ends the user's sessions. user:updated names the fields.
	UpdateUser(ctx context.Context, tenant TenantID, id UserID, fn func(*User) error) (*User, error)
	SetPassword(ctx context.Context, tenant TenantID, id UserID, passwordHash string) error
	// RecordLoginFailure counts a failed login and locks the account until
	// lockUntil once failures reach the limit; it returns the failure count.
	RecordLoginFailure(ctx context.Context, id UserID, at time.Time, limit int, lockUntil time.Time) (int, error)
	// RecordLogin resets the failure count and logs user:logged_in.
	RecordLogin(ctx context.Context, id UserID, at time.Time) error
}

// Login is what authentication needs to know about a user.
type Login struct {
	User         User
	PasswordHash string
	Failures     int
	LockedUntil  time.Time
}

// Session is a browser login. Only the SHA-256 of its secret is stored.
type Session struct {
	TokenHash string
	CSRFToken string
	TenantID  TenantID
	UserID    UserID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is an API token for integrations, acting with Role in TenantID.
type Token struct {
	ID        TokenID   `json:"id"`
	TenantID  TenantID  `json:"tenant_id"`
	UserID    UserID    `json:"user_id"` // who created it
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	Revoked   bool      `json:"revoked"`
}

// AuthStore keeps sessions and API tokens.
type AuthStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the unexpired session with the token hash, else ENOTFOUND.
	FindSession(ctx context.Context, tokenHash string, now time.Time) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	CreateToken(ctx context.Context, t *Token) error
	// FindToken returns the unrevoked token with the hash, else ENOTFOUND.
	FindToken(ctx context.Context, hash string) (*Token, error)
	ListTokens(ctx context.Context, tenant TenantID) ([]Token, error)
	RevokeToken(ctx context.Context, tenant TenantID, id TokenID) error
}

// AgentStore keeps agents and their states.
type AgentStore interface {
	FindAgent(ctx context.Context, tenant TenantID, id AgentID) (*Agent, error)
	ListAgents(ctx context.Context, tenant TenantID) ([]Agent, error)
	SetAgentSkills(ctx context.Context, tenant TenantID, id AgentID, skills []SkillLevel) error
	// SetAgentState records a state change and appends agent:state_changed.
	SetAgentState(ctx context.Context, tenant TenantID, id AgentID, state AgentState, reason string, at time.Time) (*Agent, error)
}

// QueueStore keeps queues and the reference data that contacts point to.
type QueueStore interface {
	CreateQueue(ctx context.Context, q *Queue) error
	// UpdateQueue replaces a queue's settings; queue:updated names the
	// fields that changed (none: nothing is written).
	UpdateQueue(ctx context.Context, q *Queue) error
	ListQueues(ctx context.Context, tenant TenantID) ([]Queue, error)
	// QueueStats computes each queue's figures for contacts since the given
	// time (the start of the tenant's day) and the agents' current states.
	QueueStats(ctx context.Context, tenant TenantID, since, now time.Time) ([]QueueStats, error)
	CreateSkill(ctx context.Context, s *Skill) error
	ListSkills(ctx context.Context, tenant TenantID) ([]Skill, error)
	CreateTeam(ctx context.Context, t *Team) error
	ListTeams(ctx context.Context, tenant TenantID) ([]Team, error)
	CreateReason(ctx context.Context, r *ContactReason) error
	ListReasons(ctx context.Context, tenant TenantID) ([]ContactReason, error)
	CreateDisposition(ctx context.Context, d *Disposition) error
	ListDispositions(ctx context.Context, tenant TenantID) ([]Disposition, error)
	// QueueDispositions returns the dispositions a queue offers in the
	// wrap-up, in the admin's order; empty means every disposition of the
	// tenant (the default). ENOTFOUND for an unknown queue.
	QueueDispositions(ctx context.Context, tenant TenantID, queue QueueID) ([]DispositionID, error)
	// SetQueueDispositions replaces them (empty: all) and appends
	// queue:updated {"fields":["dispositions"]}. EINVALID on field
	// disposition_ids for an unknown or repeated disposition; ENOTFOUND for
	// an unknown queue.
	SetQueueDispositions(ctx context.Context, tenant TenantID, queue QueueID, ids []DispositionID) error
}

// CustomerStore keeps customers and finds them by caller ID.
type CustomerStore interface {
	// CreateCustomer normalises and validates c, then stores it. A number
	// may belong to several customers (a family landline): lookups return
	// every match.
	CreateCustomer(ctx context.Context, c *Customer) error
	FindCustomer(ctx context.Context, tenant TenantID, id CustomerID) (*Customer, error)
	// FindCustomersByPhone returns the customers with the E.164 number, via
	// an index (O(log n)).
	FindCustomersByPhone(ctx context.Context, tenant TenantID, e164 string) ([]Customer, error)
	ListCustomers(ctx context.Context, tenant TenantID, p Page) ([]Customer, string, error)
	UpdateCustomer(ctx context.Context, c *Customer) error
	DeleteCustomer(ctx context.Context, tenant TenantID, id CustomerID) error
	// RecordReveal appends customer:revealed: an audited read of personal data.
	RecordReveal(ctx context.Context, tenant TenantID, id CustomerID, at time.Time) error
}

// ContactStore keeps contacts; their history is their events.
type ContactStore interface {
	// CreateContact stores c and appends contact:arrived.
	CreateContact(ctx context.Context, c *Contact) error
	FindContact(ctx context.Context, tenant TenantID, id ContactID) (*Contact, error)
	ListContacts(ctx context.Context, tenant TenantID, f ContactFilter) ([]Contact, string, error)
	// UpdateContact applies fn to the current contact and stores the result,
	// appending an event of type typ with payload, all in one transaction.
	UpdateContact(ctx context.Context, tenant TenantID, id ContactID, typ EventType, payload any, fn func(*Contact) error) (*Contact, error)
	// ContactEvents returns the contact's events in order.
	ContactEvents(ctx context.Context, tenant TenantID, id ContactID) ([]Event, error)
}

// TrunkStore keeps SIP trunks and the numbers they deliver.
type TrunkStore interface {
	// CreateTrunk normalises and stores t; ECONFLICT when one of its numbers
	// already belongs to any trunk of any tenant.
	CreateTrunk(ctx context.Context, t *Trunk) error
	// UpdateTrunk replaces a trunk's name, networks and numbers at once.
	UpdateTrunk(ctx context.Context, t *Trunk) error
	ListTrunks(ctx context.Context, tenant TenantID) ([]Trunk, error)
	// FindTrunkByNumber finds the trunk (and so the tenant) for a dialled
	// E.164 number, across tenants: an incoming call names only the number.
	FindTrunkByNumber(ctx context.Context, e164 string) (*Trunk, *DID, error)
}

// SIPPhoneStore keeps agents' SIP accounts (hashes only) and phone choice.
type SIPPhoneStore interface {
	// SetSIPCredentials sets the agent's SIP username and hashes; ECONFLICT
	// when another agent (of any tenant: REGISTER names only the username)
	// has the username, ENOTFOUND for an unknown agent.
	SetSIPCredentials(ctx context.Context, tenant TenantID, agent AgentID, c SIPCredentials) (*SIPPhone, error)
	// SetPhoneKind chooses where the agent's offers ring.
	SetPhoneKind(ctx context.Context, tenant TenantID, agent AgentID, kind PhoneKind) (*SIPPhone, error)
	// FindSIPPhone returns the agent's phone (kind browser and no username
	// when never set).
	FindSIPPhone(ctx context.Context, tenant TenantID, agent AgentID) (*SIPPhone, error)
	// FindSIPUser finds the account of a SIP username, across tenants;
	// ENOTFOUND when none.
	FindSIPUser(ctx context.Context, username string) (*SIPPhone, error)
}

// Store is everything the API serves from.
type Store interface {
	TenantStore
	UserStore
	AuthStore
	AgentStore
	QueueStore
	CustomerStore
	ContactStore
	TrunkStore
	ArticleStore
	KnowledgeStore
	EscalationStore
	SIPPhoneStore
	CallbackStore
	DeskStore
	TargetStore
	PromptStore
	EventLog
	// Ping reports whether the store can serve (for /readyz).
	Ping(ctx context.Context) error
}
