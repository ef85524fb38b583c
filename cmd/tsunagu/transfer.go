package main

import (
	"context"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/telephony"
)

var _ dispatch.TransferPhone = voice{}

// Requeue lets the operator go and plays the hold music to the caller until
// routing connects the next operator (blind transfer).
func (v voice) Requeue(ctx context.Context, id tsunagu.ContactID) error {
	return v.tel.Requeue(ctx, id)
}

// ConsultJoin joins the operator's phone with the consulted agent's (their
// desk phone when it rang for the consultation, else their softphone)
// while the caller is on hold (warm transfer).
func (v voice) ConsultJoin(ctx context.Context, id tsunagu.ContactID, agent tsunagu.AgentID) error {
	if leg, ok := v.tel.ConsultLeg(id); ok {
		return v.tel.ConsultJoin(ctx, id, leg)
	}
	leg, ok := v.soft.Leg(agent)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Agent %s has no softphone connected.", agent)
	}
	return v.tel.ConsultJoin(ctx, id, leg)
}

var _ dispatch.ConsultReleaser = voice{}

// ReleaseConsult hangs up a desk phone that answered a consultation that
// had ended (dispatch.ConsultReleaser).
func (v voice) ReleaseConsult(id tsunagu.ContactID) { v.tel.DropConsultDesk(id) }

// ConsultEnd bridges the caller with the consulted agent (complete) or with
// the first operator again.
func (v voice) ConsultEnd(ctx context.Context, id tsunagu.ContactID, complete bool) error {
	return v.tel.ConsultEnd(ctx, id, complete)
}

var _ dispatch.NumberPhone = voice{}

// TransferOut dials an outside number for the caller over the outbound
// trunk (a blind transfer to a number): the operator's leg hears the
// ringback, then the caller talks with the outside party.
func (v voice) TransferOut(ctx context.Context, id tsunagu.ContactID, number, callerID string, route tsunagu.TrunkOutbound, done func(tsunagu.TransferOutcome)) error {
	return v.tel.TransferOut(ctx, id, telephony.NumberTransfer{Number: number, CallerID: callerID, Route: route, Done: done})
}
