package httpapi

import (
	"context"

	"tsunagu"
)

// Voicemail (留守番電話, docs/telephony.md "Voicemail"): a message a caller
// left is the contact's recording, and a callback task for the queue whose
// operators are to call back. Supervisors see and play every one; an agent
// sees a queue's voicemails in "My callbacks" and plays them only when the
// agent serves that queue (has the skills it requires). Call recordings
// stay supervisors' only.

// serves reports whether agent a may take q's contacts: every skill the
// queue requires at its level (the routing engine's test before any
// widening).
func serves(a *tsunagu.Agent, q *tsunagu.Queue) bool {
	for _, need := range q.Skills {
		ok := false
		for _, has := range a.Skills {
			if has.SkillID == need.SkillID && has.Level >= need.Level {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// servedQueues returns the IDs of the queues agent id serves.
func (s *Server) servedQueues(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.AgentID) (map[tsunagu.QueueID]bool, error) {
	out := map[tsunagu.QueueID]bool{}
	if id == "" {
		return out, nil
	}
	a, err := s.store.FindAgent(ctx, tenant, id)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	qs, err := s.store.ListQueues(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i := range qs {
		if serves(a, &qs[i]) {
			out[qs[i].ID] = true
		}
	}
	return out, nil
}

// mayPlayVoicemail lets a supervisor download any recording; anyone else
// only a voicemail (the contact ended with contact:voicemail) left for a
// queue they serve.
func (s *Server) mayPlayVoicemail(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID) error {
	if p.Role.AtLeast(tsunagu.RoleSupervisor) {
		return nil
	}
	c, err := s.store.FindContact(ctx, p.TenantID, id)
	if err != nil {
		return err
	}
	denied := tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only supervisors download call recordings; operators play the voicemails of their queues.")
	evs, err := s.store.ContactEvents(ctx, p.TenantID, id)
	if err != nil {
		return err
	}
	voicemail := false
	for _, e := range evs {
		voicemail = voicemail || e.Type == tsunagu.EventContactVoicemail
	}
	if !voicemail || c.QueueID == "" {
		return denied
	}
	served, err := s.servedQueues(ctx, p.TenantID, p.AgentID)
	if err != nil {
		return err
	}
	if !served[c.QueueID] {
		return denied
	}
	return nil
}

// queueCallbacks keeps, of cbs, those of queue (when given) and, for an
// agent, drops the voicemails of queues they do not serve: a message is
// for the operators who can help, and its audio is theirs only.
func (s *Server) queueCallbacks(ctx context.Context, p *tsunagu.Principal, cbs []tsunagu.Callback, queue tsunagu.QueueID) ([]tsunagu.Callback, error) {
	var served map[tsunagu.QueueID]bool // read once, when a queue's callback is listed to an agent
	out := cbs[:0]
	for _, cb := range cbs {
		if queue != "" && cb.QueueID != queue {
			continue
		}
		if cb.QueueID != "" && cb.OwnerID == "" && !p.Role.AtLeast(tsunagu.RoleSupervisor) {
			if served == nil {
				var err error
				if served, err = s.servedQueues(ctx, p.TenantID, p.AgentID); err != nil {
					return nil, err
				}
			}
			if !served[cb.QueueID] {
				continue
			}
		}
		out = append(out, cb)
	}
	return out, nil
}
