package tsunagu

import (
	"context"
	"encoding/json"
	"time"
)

// EventType names what happened, as noun:past_tense.
type EventType string

// Event types. The payload of each is a JSON object documented beside it.
const (
	EventTenantCreated     EventType = "tenant:created"
	EventUserCreated       EventType = "user:created"              // {"username","role"}
	EventUserUpdated       EventType = "user:updated"              // {"fields":[...]}
	EventUserPasswordSet   EventType = "user:password_changed"     // {}
	EventUserLoggedIn      EventType = "user:logged_in"            // {"username"}
	EventUserLoggedOut     EventType = "user:logged_out"           // {"username"}
	EventUserLoginFailed   EventType = "user:login_failed"         // {"username","locked"}
	EventTokenCreated      EventType = "token:created"             // {"name","role"}
	EventTokenRevoked      EventType = "token:revoked"             // {}
	EventAgentStateChanged EventType = "agent:state_changed"       // {"from","to","reason"}
	EventQueueCreated      EventType = "queue:created"             // {"name"}
	EventQueueUpdated      EventType = "queue:updated"             // {"fields":[...]}
	EventArticleChanged    EventType = "article:changed"           // {"version","status"}: created or a new version
	EventArticleSolved     EventType = "article:solved"            // {"solved_count"}: an agent solved a contact with it
	EventArticleFeedback   EventType = "article:feedback_given"    // {"kind","article_id"}: an agent told the editors
	EventFeedbackResolved  EventType = "article:feedback_resolved" // {}
	EventSynonymsChanged   EventType = "kb:synonyms_changed"       // {}
	EventTrunkCreated      EventType = "trunk:created"             // {"name","numbers"}
	EventTrunkUpdated      EventType = "trunk:updated"             // {"name","numbers"}
	EventPromptUploaded    EventType = "prompt:uploaded"           // {"name","seconds"}
	EventPromptDeleted     EventType = "prompt:deleted"            // {"name"}
	EventTrunkOutboundSet  EventType = "trunk:outbound_set"        // {"target","transport","allowed_prefixes","auth"}: outbound settings (never the secret)
	EventCustomerCreated   EventType = "customer:created"          // {}
	EventCustomerUpdated   EventType = "customer:updated"          // {"fields":[...]}
	EventCustomerDeleted   EventType = "customer:deleted"          // {}
	EventCustomerRevealed  EventType = "customer:revealed"         // {"by"}: a read of unmasked personal data
	EventContactArrived    EventType = "contact:arrived"           // {"direction","number_masked"}
	EventContactIVRDone    EventType = "contact:ivr_done"          // {"choice","queue_id"}: the phone menu chose a queue
	EventContactDialing    EventType = "contact:dialing"           // {"agent_id","queue_id","caller_id","number_masked","callback_id"}: an agent's outbound call is being set up
	EventContactRinging    EventType = "contact:ringing"           // {"status"}: the customer's phone rings (180/183)
	EventContactQueued     EventType = "contact:queued"            // {"queue_id"}
	EventContactOffered    EventType = "contact:offered"           // {"agent_id"}
	EventContactConnected  EventType = "contact:connected"         // {"agent_id"}
	EventContactHeld       EventType = "contact:held"              // {}: the caller hears the hold music
	EventContactResumed    EventType = "contact:resumed"           // {"held_seconds"}
	EventContactAbandoned  EventType = "contact:abandoned"         // {"wait_seconds"}
	EventContactEnded      EventType = "contact:ended"             // {"by"}
	EventContactWrapped    EventType = "contact:wrapped"           // {"disposition_id","reason_id","thank_you"}
	// EventContactVoicemail ends a contact whose caller left a message (voicemail.go): not an abandon.
	EventContactVoicemail EventType = "contact:voicemail" // {"queue_id","reason","duration_seconds","recording_id","callback_id"}
	// Transfers (docs/acd.md). contact:transferred goes to the agent who
	// let the caller go (blind) or who took them (warm); consult_started
	// and consult_ended go to the consulted agent's desk, except
	// consult_ended {"outcome":"completed"} and consult_joined, which go to
	// the agent who asked.
	EventContactTransferred    EventType = "contact:transferred"     // {"kind":"blind"|"warm","from_agent","to":{"queue_id"|"agent_id"|"leader"|"number"},"queue_id","agent_id","number_masked","caller_id","reason"}
	EventContactConsultStarted EventType = "contact:consult_started" // {"from_agent","queue_id"}: the consulted agent's desk rings
	EventContactConsultJoined  EventType = "contact:consult_joined"  // {"from_agent","to_agent"}: the two operators talk (the asking agent's event)
	EventContactConsultEnded   EventType = "contact:consult_ended"   // {"outcome":"completed"|"cancelled"|"caller_hung_up","from_agent","to_agent"}
	// A blind transfer to an outside number that was not answered: the
	// caller is back with the operator ("returned") or queued again
	// ("requeued", followed by contact:transferred to the queue).
	EventContactTransferFailed EventType = "contact:transfer_failed" // {"to":{"number"},"number_masked","reason","sip_status","outcome":"returned"|"requeued","from_agent"}
	// Recording (the agent's own events, so the desk shows the state) and
	// supervisor monitoring (no agent: supervisors alone see those).
	EventRecordingStarted    EventType = "contact:recording_started"    // {}
	EventRecordingPaused     EventType = "contact:recording_paused"     // {}: silence from now on
	EventRecordingResumed    EventType = "contact:recording_resumed"    // {"paused_seconds"}
	EventRecordingStopped    EventType = "contact:recording_stopped"    // {"duration_seconds","dropped_frames"}
	EventRecordingDownloaded EventType = "contact:recording_downloaded" // {}: an audited read of the audio
	EventMonitorStarted      EventType = "contact:monitor_started"      // {"mode"}; Subject: the supervisor's user
	EventMonitorChanged      EventType = "contact:monitor_changed"      // {"mode","from"}
	EventMonitorStopped      EventType = "contact:monitor_stopped"      // {"reason"}: "stopped" or "call_ended"

	EventReferenceCreated EventType = "reference:created" // skills, teams, reasons, dispositions: {"kind","id"}
	// The desk around a call (docs/desk.md). contact:flagged alerts the
	// supervisor and offers the operator a recovery break.
	EventContactVerified       EventType = "contact:verified"         // {"outcome","checked"}
	EventContactFeedback       EventType = "contact:feedback"         // {"category","text"}: お客様の声 for the product team
	EventContactFlagged        EventType = "contact:flagged"          // {"severity"}: an abusive call
	EventContactCustomerLinked EventType = "contact:customer_linked"  // {"customer_id"}: an unknown caller registered or linked
	EventContactDTMFSent       EventType = "contact:dtmf_sent"        // {"count"}: keypad digits sent to the other party, never the digits themselves
	EventCallbackScheduled     EventType = "callback:scheduled"       // {"due_at","owner_id","number_masked"}; Subject is the callback
	EventCallbackDone          EventType = "callback:done"            // {}
	EventNoteTemplatesChanged  EventType = "wrapup:templates_changed" // {"count"}
	// Escalations carry the contact and the asking agent, so that agent's
	// stream brings the leader's answer; Subject is the escalation's ID.
	EventEscalationRequested EventType = "escalation:requested" // {"reason","urgency","note"}
	EventEscalationApproved  EventType = "escalation:approved"  // {"note"}: an exception granted
	EventEscalationDeclined  EventType = "escalation:declined"  // {"note"}
	// SIP desk phones: the agent is AgentID; no secret is in the payload.
	EventAgentSIPSet      EventType = "agent:sip_credentials_set" // {"username"}
	EventAgentPhoneChosen EventType = "agent:phone_chosen"        // {"kind"}: browser or sip
	// Targets, praise and protection (docs/floor-praise.md). Praise and
	// agent:protected carry the agent, so that agent's desk sees them.
	EventTargetSet         EventType = "target:set"         // {"scope","scope_id","metric","daily"}
	EventPraiseAchieved    EventType = "praise:achieved"    // {"agent_name","message","message_en","metric","target","count","day"}; Subject: the praise
	EventPraiseKudos       EventType = "praise:kudos"       // {"agent_name","message","from_name"}; Subject: the praise
	EventProtectionChanged EventType = "protection:changed" // {"recovery_mode","recovery_minutes","flagged_queue_id"}
	EventAgentProtected    EventType = "agent:protected"    // {"until","reason"}: calls kept away until then (null: cleared)
	EventCallerFlagged     EventType = "caller:flagged"     // {"severity","number_masked","keep_recording"}: later calls warn
)

// EventContactCallbackRequested: a waiting caller pressed 1 to be called
// back keeping their place (docs/telephony.md); the contact stays queued as
// a callback task, and is not abandoned.
const EventContactCallbackRequested EventType = "contact:callback_requested" // {"queue_id","wait_seconds","number_masked"}

// EventAnnouncementsChanged: an admin chose which uploaded prompts replace
// the tenant's fixed announcements (prompt.go); the payload is all of them
// after the change, Subject empty.
const EventAnnouncementsChanged EventType = "prompt:announcements_changed" // {"announcements":{"wait":"prm_…",…}}

// Event is one entry of the durable event log. Seq is assigned by the store,
// monotonic across the whole store (not per tenant), in commit order.
type Event struct {
	Seq       int64           `json:"seq"`
	TenantID  TenantID        `json:"tenant_id"`
	Type      EventType       `json:"type"`
	Time      time.Time       `json:"time"`
	ActorID   UserID          `json:"actor_id,omitempty"`   // who caused it, when a user did
	AgentID   AgentID         `json:"agent_id,omitempty"`   // the agent it concerns
	ContactID ContactID       `json:"contact_id,omitempty"` // the contact it concerns
	Subject   string          `json:"subject,omitempty"`    // ID of any other entity it concerns
	Payload   json.RawMessage `json:"payload"`
}

// NewEvent builds an event with payload marshalled from p (nil -> {}).
func NewEvent(tenant TenantID, typ EventType, at time.Time, p any) Event {
	raw := json.RawMessage(`{}`)
	if p != nil {
		if b, err := json.Marshal(p); err == nil {
			raw = b
		}
	}
	return Event{TenantID: tenant, Type: typ, Time: at.UTC(), Payload: raw}
}

// agentVisible are the event types an agent sees for the whole tenant; other
// events reach an agent only when they concern that agent.
var agentVisible = map[EventType]bool{
	EventQueueCreated:   true,
	EventQueueUpdated:   true,
	EventArticleChanged: true, // the knowledge base is for everyone
	// Colleagues' state changes are not sent to agents: a desk's queue tiles
	// come pushed as figures instead (httpapi.TileType), so one change is
	// not a delivery to every desk on the floor (docs/benchmarks.md, "Desk").
}

// Visible reports whether p may see e. Supervisors and admins see every event
// of their tenant; agents see their own and the floor-wide ones. Nobody sees
// another tenant's events.
func (e *Event) Visible(p *Principal) bool {
	if p == nil || e.TenantID != p.TenantID {
		return false
	}
	if p.Role.AtLeast(RoleSupervisor) {
		return true
	}
	if e.Type == EventCustomerRevealed || e.Type == EventUserLoginFailed {
		return false // audit entries are for supervisors
	}
	if p.AgentID != "" && e.AgentID == p.AgentID {
		return true
	}
	return agentVisible[e.Type]
}

// EventLog reads the durable log. Appending happens inside the stores, in the
// same transaction as the change an event describes.
type EventLog interface {
	// ListEvents returns up to limit events of tenant with Seq > after, in
	// Seq order. An empty tenant lists every tenant's (for projections).
	ListEvents(ctx context.Context, tenant TenantID, after int64, limit int) ([]Event, error)
	// LastSeq returns the highest sequence number written so far.
	LastSeq(ctx context.Context) (int64, error)
}

// Bus delivers committed events to live subscribers on this node (inmem) or
// across nodes (natsbus). It may drop a slow subscriber: the subscription's
// channel is then closed and the subscriber resumes from the EventLog.
type Bus interface {
	// Publish hands committed events to subscribers, in Seq order.
	Publish(events ...Event)
	// Subscribe returns a channel of events published after the call and a
	// cancel function. The channel is closed when cancelled or when the
	// subscriber fell too far behind.
	Subscribe(buffer int) (<-chan Event, func())
}
