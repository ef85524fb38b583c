package tsunagu

// Typed identifiers keep a queue ID from being passed where an agent ID is
// expected. All are opaque strings chosen by the store (ULID-like, sortable by
// creation time) or, for seeded data, stable readable keys.
type (
	// TenantID identifies one call center; every row and event carries it.
	TenantID string
	// UserID identifies a login (agent, supervisor, admin).
	UserID string
	// AgentID identifies an agent: the routing identity of a user who takes contacts.
	AgentID string
	// QueueID identifies a queue.
	QueueID string
	// SkillID identifies a skill (e.g. "billing", "english").
	SkillID string
	// TeamID identifies a team of agents under a leader.
	TeamID string
	// ContactID identifies one contact: a call or a callback, inbound or outbound.
	ContactID string
	// CustomerID identifies a customer.
	CustomerID string
	// ReasonID identifies a contact reason (why the customer called).
	ReasonID string
	// DispositionID identifies a disposition (how the contact ended).
	DispositionID string
	// TokenID identifies an API token.
	TokenID string
)
