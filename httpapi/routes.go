package httpapi

import (
	"net/http"

	"tsunagu"
)

// Roles, shortened for the table below.
const (
	public     tsunagu.Role = ""
	agent                   = tsunagu.RoleAgent
	supervisor              = tsunagu.RoleSupervisor
	admin                   = tsunagu.RoleAdmin
)

// apiRoutes is the whole API: method, pattern, the least role, a summary (the
// OpenAPI document must list exactly these; a test keeps them in step).
func (s *Server) apiRoutes() []route {
	return []route{
		{"POST", "/api/v1/auth/login", public, "Log in; sets the session cookie and returns the user and CSRF token", s.login},
		{"POST", "/api/v1/auth/logout", public, "Log out; ends the session", s.logout},
		{"GET", "/api/v1/me", agent, "The caller, their agent state and CSRF token", s.me},
		{"PUT", "/api/v1/me/state", agent, "Set the caller's own agent state (available, not_ready with reason, offline)", s.setMyState},
		{"PUT", "/api/v1/me/password", agent, "Change the caller's own password", s.setMyPassword},
		{"GET", "/api/v1/me/phone", agent, "The caller's phone: browser softphone or SIP desk phone", s.getMyPhone},
		{"PUT", "/api/v1/me/phone", agent, "Choose where offers ring: the browser or the SIP desk phone", s.setMyPhone},

		{"GET", "/api/v1/users", admin, "List users", s.listUsers},
		{"POST", "/api/v1/users", admin, "Create a user", s.createUser},
		{"GET", "/api/v1/users/{id}", admin, "Get a user", s.getUser},
		{"PUT", "/api/v1/users/{id}", admin, "Change a user's name, role, team or disabled flag (audited)", s.updateUser},
		{"PUT", "/api/v1/users/{id}/password", admin, "Reset a user's password", s.resetPassword},

		{"GET", "/api/v1/tokens", admin, "List API tokens", s.listTokens},
		{"POST", "/api/v1/tokens", admin, "Create an API token (the secret is shown once)", s.createToken},
		{"DELETE", "/api/v1/tokens/{id}", admin, "Revoke an API token", s.revokeToken},

		{"GET", "/api/v1/agents", supervisor, "List agents with state and skills", listIn(s, tsunagu.Store.ListAgents)},
		{"PUT", "/api/v1/agents/{id}/state", supervisor, "Change an agent's state", s.setAgentState},
		{"PUT", "/api/v1/agents/{id}/skills", admin, "Replace an agent's skills", s.setAgentSkills},
		{"GET", "/api/v1/agents/{id}/sip", admin, "An agent's SIP desk-phone account (username and phone choice)", s.getAgentSIP},
		{"PUT", "/api/v1/agents/{id}/sip", admin, "Set an agent's SIP desk-phone username and password (stored as digest hashes only)", s.setAgentSIP},
		{"PUT", "/api/v1/agents/{id}/phone", admin, "Choose where an agent's offers ring: the browser or the SIP desk phone", s.setAgentPhone},

		{"GET", "/api/v1/queues", agent, "List queues", listIn(s, tsunagu.Store.ListQueues)},
		{"POST", "/api/v1/queues", admin, "Create a queue", s.createQueue},
		{"PUT", "/api/v1/queues/{id}", admin, "Replace a queue's settings (SL target, ACW, verification, hold-callback threshold; audited)", s.updateQueue},
		{"GET", "/api/v1/queues/stats", agent, "Today's figures per queue and agents by state", s.queueStats},
		{"GET", "/api/v1/queues/{id}/dispositions", agent, "The dispositions the queue's wrap-up offers (all: every disposition of the tenant)", s.getQueueDispositions},
		{"PUT", "/api/v1/queues/{id}/dispositions", admin, "Choose the dispositions the queue's wrap-up offers (empty: all; audited)", s.setQueueDispositions},
		{"GET", "/api/v1/skills", agent, "List skills", listIn(s, tsunagu.Store.ListSkills)},
		{"POST", "/api/v1/skills", admin, "Create a skill", createIn(s, func(v *tsunagu.Skill, t tsunagu.TenantID) { v.TenantID = t }, tsunagu.Store.CreateSkill)},
		{"GET", "/api/v1/teams", agent, "List teams", listIn(s, tsunagu.Store.ListTeams)},
		{"POST", "/api/v1/teams", admin, "Create a team", createIn(s, func(v *tsunagu.Team, t tsunagu.TenantID) { v.TenantID = t }, tsunagu.Store.CreateTeam)},
		{"GET", "/api/v1/reasons", agent, "List contact reasons", listIn(s, tsunagu.Store.ListReasons)},
		{"POST", "/api/v1/reasons", admin, "Create a contact reason", createIn(s, func(v *tsunagu.ContactReason, t tsunagu.TenantID) { v.TenantID = t }, tsunagu.Store.CreateReason)},
		{"GET", "/api/v1/dispositions", agent, "List dispositions", listIn(s, tsunagu.Store.ListDispositions)},
		{"POST", "/api/v1/dispositions", admin, "Create a disposition", createIn(s, func(v *tsunagu.Disposition, t tsunagu.TenantID) { v.TenantID = t }, tsunagu.Store.CreateDisposition)},

		{"GET", "/api/v1/prompts", admin, "List uploaded prompts (announcements in the center's own voice)", s.listPrompts},
		{"POST", "/api/v1/prompts", admin, "Upload a prompt: a 16-bit PCM WAV body (?name=), kept as 8 kHz µ-law, at most 60 s", s.uploadPrompt},
		{"DELETE", "/api/v1/prompts/{id}", admin, "Delete a prompt no number or announcement plays (409 naming each use otherwise; audited)", s.deletePrompt},
		{"GET", "/api/v1/prompts/{id}/audio", admin, "A prompt as callers hear it, as 8 kHz WAV (preview)", s.promptAudio},
		{"GET", "/api/v1/announcements", admin, "The fixed announcements an uploaded prompt may replace for the whole tenant, and the prompts that do", s.getAnnouncements},
		{"PUT", "/api/v1/announcements", admin, "Replace the tenant's announcement prompts at once (left out: the built-in voice; audited)", s.setAnnouncements},
		{"GET", "/api/v1/holidays", agent, "Japan's public holidays of ?year= (1980–2099), for business hours", s.holidays},
		{"GET", "/api/v1/trunks", admin, "List SIP trunks with their numbers and phone menus", listIn(s, tsunagu.Store.ListTrunks)},
		{"POST", "/api/v1/trunks", admin, "Create a SIP trunk: allowed networks, numbers and their menus", s.createTrunk},
		{"PUT", "/api/v1/trunks/{id}", admin, "Replace a trunk's networks, numbers, menus and business hours (audited)", s.updateTrunk},

		{"GET", "/api/v1/customers", agent, "Find customers by caller ID (?phone=) or list them; personal data masked", s.listCustomers},
		{"POST", "/api/v1/customers", agent, "Create a customer", s.createCustomer},
		{"GET", "/api/v1/customers/{id}", agent, "Get a customer, masked", s.getCustomer},
		{"PUT", "/api/v1/customers/{id}", agent, "Replace a customer's fields and phones", s.updateCustomer},
		{"DELETE", "/api/v1/customers/{id}", supervisor, "Delete a customer", s.deleteCustomer},
		{"POST", "/api/v1/customers/{id}/reveal", agent, "Get a customer unmasked; the read is audited", s.revealCustomer},

		{"GET", "/api/v1/contacts", agent, "List contacts (agents: their own, or a customer's history)", s.listContacts},
		{"GET", "/api/v1/contacts/{id}", agent, "Get a contact with its events", s.getContact},
		{"POST", "/api/v1/contacts/{id}/answer", agent, "Answer the contact offered to you (connects the audio)", s.answerContact},
		{"POST", "/api/v1/contacts/{id}/decline", agent, "Decline the contact offered to you; the caller keeps their place", s.declineContact},
		{"POST", "/api/v1/contacts/{id}/hold", agent, "Put your connected caller on hold (they hear music)", s.holdContact},
		{"POST", "/api/v1/contacts/{id}/resume", agent, "Take your caller off hold", s.resumeContact},
		{"POST", "/api/v1/contacts/{id}/hangup", agent, "End your connected contact; you go to after-call work", s.hangupContact},
		{"POST", "/api/v1/contacts/{id}/dtmf", agent, "Send keypad digits (0-9 * # A-D, at most 32) to the other party of your connected call; 202, digits never logged", s.sendDTMF},
		{"POST", "/api/v1/contacts/{id}/recording/pause", agent, "Pause the call's recording (silence from now, e.g. for a card number): the agent on the call or a supervisor", s.pauseRecording},
		{"POST", "/api/v1/contacts/{id}/recording/resume", agent, "Resume the call's paused recording: the agent on the call or a supervisor", s.resumeRecording},
		{"GET", "/api/v1/contacts/{id}/recording", agent, "Download the call's recording (stereo WAV: caller left, operator right; a voicemail is mono): supervisors, and agents of the queue for a voicemail; the read is audited", s.downloadRecording},
		{"POST", "/api/v1/contacts/{id}/monitor", supervisor, "Listen to a connected call through your softphone, or switch mode: listen, whisper (only the operator hears you) or barge", s.monitorContact},
		{"DELETE", "/api/v1/contacts/{id}/monitor", supervisor, "Stop listening to the call", s.stopMonitor},
		{"POST", "/api/v1/contacts/{id}/transfer", agent, "Blind-transfer your connected caller to a queue, an agent or the leader; you go to after-call work", s.transferContact},
		{"POST", "/api/v1/contacts/{id}/consult", agent, "Warm transfer: hold your caller and ring a colleague (an agent, a queue's best available agent or the leader)", s.consultContact},
		{"POST", "/api/v1/contacts/{id}/consult/complete", agent, "Complete the warm transfer: the caller talks to the consulted colleague; you go to after-call work", s.completeConsult},
		{"POST", "/api/v1/contacts/{id}/consult/cancel", agent, "Cancel the consultation: back to your caller", s.cancelConsult},
		{"GET", "/api/v1/transfer/targets", agent, "Where a call can be transferred: queues, colleagues with their states, whether a leader is available", s.transferTargets},
		{"POST", "/api/v1/softphone/session", agent, "Connect the browser softphone: a WebRTC SDP offer in, the answer out", s.softphoneSession},
		{"POST", "/api/v1/contacts/{id}/wrapup", agent, "Write the wrap-up of your ended contact; you are ready again", s.wrapContact},
		{"POST", "/api/v1/contacts/{id}/customer", agent, "Register the unknown caller of your call as a new customer, or link them to one (their number is added)", s.linkCaller},
		{"POST", "/api/v1/contacts/{id}/verification", agent, "Record the identity check of your call: verified, refused or failed, with the items checked", s.verifyContact},
		{"GET", "/api/v1/note-templates", agent, "The tenant's wrap-up note templates", s.getNoteTemplates},
		{"PUT", "/api/v1/note-templates", admin, "Replace the tenant's wrap-up note templates", s.setNoteTemplates},
		{"GET", "/api/v1/callbacks", agent, "Callbacks to make (?owner=me|anyone|mine|all&status=open|done|all&queue=ID), soonest due first; an agent sees a queue's voicemails only if they serve it", s.listCallbacks},
		{"POST", "/api/v1/callbacks", agent, "Schedule a callback (for a contact: the caller's number by default)", s.createCallback},
		{"POST", "/api/v1/callbacks/{id}/done", agent, "Mark a callback done", s.completeCallback},
		{"POST", "/api/v1/calls", agent, "Call a customer as yourself (a number or an open callback): your softphone first, then the trunk", s.placeCall},
		{"PUT", "/api/v1/trunks/{id}/outbound", admin, "Set a trunk's outbound target, carrier credentials (write-only), allowed prefixes and caller IDs", s.setTrunkOutbound},

		{"GET", "/api/v1/kb/search", agent, "Search the knowledge base (Japanese-aware); ?q=&limit=&category=&queue_id=&prefix=1", s.kbSearch},
		{"GET", "/api/v1/kb/suggest", agent, "Articles for a contact before anything is typed; ?contact_id=&limit=", s.kbSuggest},
		{"GET", "/api/v1/kb/articles", agent, "List articles (agents: published only)", s.listArticles},
		{"POST", "/api/v1/kb/articles", supervisor, "Create an article", s.createArticle},
		{"GET", "/api/v1/kb/articles/{id}", agent, "Get an article", s.getArticle},
		{"PUT", "/api/v1/kb/articles/{id}", supervisor, "Save a new version of an article (send the version edited)", s.updateArticle},
		{"GET", "/api/v1/kb/articles/{id}/versions", supervisor, "Every version of an article, newest first", s.articleVersions},
		{"POST", "/api/v1/kb/articles/{id}/solved", agent, "Record that the article solved a contact", s.articleSolved},
		{"POST", "/api/v1/kb/articles/{id}/rollback", supervisor, "Save an earlier version's content as a new version", s.rollbackArticle},
		{"POST", "/api/v1/kb/feedback", agent, "Tell the editors an article is wrong, outdated or missing", s.createFeedback},
		{"GET", "/api/v1/kb/feedback", supervisor, "Feedback for the editors (?status=open|all)", s.listFeedback},
		{"POST", "/api/v1/kb/feedback/{id}/resolve", supervisor, "Close a feedback entry", s.resolveFeedback},
		{"GET", "/api/v1/kb/synonyms", supervisor, "The tenant's synonym dictionary", s.getSynonyms},
		{"PUT", "/api/v1/kb/synonyms", admin, "Replace the tenant's synonym dictionary (checked line by line)", s.setSynonyms},

		{"POST", "/api/v1/escalations", agent, "Ask the leader for an exception about your live call (エスカレ)", s.createEscalation},
		{"GET", "/api/v1/escalations", supervisor, "The escalation inbox (?status=pending, the default) or exceptions granted (?status=approved|declined|cancelled|all)", s.listEscalations},
		{"POST", "/api/v1/escalations/{id}/approve", supervisor, "Approve a pending escalation, with a note for the operator", s.approveEscalation},
		{"POST", "/api/v1/escalations/{id}/decline", supervisor, "Decline a pending escalation, with a note for the operator", s.declineEscalation},

		{"GET", "/api/v1/me/today", agent, "Your day: inbound, outbound, conversions (成約), thank-yous, hard calls, with your targets and any protection", s.myToday},
		{"GET", "/api/v1/today", supervisor, "The day of every agent and team (?team_id=): counts against targets", s.today},
		{"GET", "/api/v1/targets", agent, "Daily targets (agents: the ones that apply to them)", s.listTargets},
		{"PUT", "/api/v1/targets", supervisor, "Set a daily target for everyone, an agent or a team (daily 0 removes it)", s.setTarget},
		{"POST", "/api/v1/kudos", supervisor, "Praise an agent (praise:kudos: their desk and the floor display show it)", s.createKudos},
		{"GET", "/api/v1/praise", agent, "Praise history, newest first (?agent_id=&since=&limit=; agents: their own)", s.listPraise},
		{"GET", "/api/v1/protection", supervisor, "The tenant's protection settings: recovery break after an abusive call, queue for flagged callers", s.getProtection},
		{"PUT", "/api/v1/protection", admin, "Change the protection settings", s.setProtection},
		{"PUT", "/api/v1/agents/{id}/protect", supervisor, "Keep calls away from an agent until a time (null clears)", s.protectAgent},

		{"GET", "/api/v1/floor", supervisor, "The floor now: queues, agents, alerts and praise, folded from the event log (?after=SEQ waits until that event is in)", s.getFloor},

		{"GET", "/api/v1/events", agent, "The event stream: a WebSocket (resumable with ?since=SEQ), or one JSON page without Upgrade", s.events},
		{"GET", "/api/v1/openapi.json", public, "This API's OpenAPI 3.1 document", s.openapi},
	}
}

// Routes lists "METHOD PATTERN" of every API route (for docs and tests).
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, r := range s.routes {
		out[i] = r.method + " " + r.pattern
	}
	return out
}

// RouteRole returns the least role a route needs ("" for public).
func (s *Server) RouteRole(methodPattern string) (tsunagu.Role, bool) {
	for _, r := range s.routes {
		if r.method+" "+r.pattern == methodPattern {
			return r.min, true
		}
	}
	return "", false
}

func created(w http.ResponseWriter, v any) error { return reply(w, http.StatusCreated, v) }
