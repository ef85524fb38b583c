package main

import (
	"context"

	"tsunagu"
	"tsunagu/telephony"
)

var (
	_ telephony.DeskTransferer = deskHandler{}
	_ telephony.DeskConsulter  = deskHandler{}
)

// DeskTransfer: the agent pressed transfer on the desk phone (REFER). It is
// the desk's blind transfer in the agent's name, through the same routing
// call as POST /contacts/{id}/transfer.
func (h deskHandler) DeskTransfer(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, to tsunagu.TransferTarget) error {
	p := &tsunagu.Principal{TenantID: tenant, AgentID: agent, Role: tsunagu.RoleAgent}
	_, err := h.disp.Transfer(tsunagu.NewContext(ctx, p), p, contact, to)
	return err
}

// DeskConsult: the desk phone placed a consult call (attended transfer,
// telephony/deskconsult.go). It is the desk's consult in the agent's name,
// through the same routing call as POST /contacts/{id}/consult.
func (h deskHandler) DeskConsult(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, to tsunagu.TransferTarget) error {
	p := &tsunagu.Principal{TenantID: tenant, AgentID: agent, Role: tsunagu.RoleAgent}
	_, err := h.disp.Consult(tsunagu.NewContext(ctx, p), p, contact, to)
	return err
}

// DeskConsultEnd: the phone's REFER with Replaces (complete) or its hang-up
// of the consult call (cancel), as the desk's complete and cancel.
func (h deskHandler) DeskConsultEnd(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, complete bool) error {
	p := &tsunagu.Principal{TenantID: tenant, AgentID: agent, Role: tsunagu.RoleAgent}
	ctx = tsunagu.NewContext(ctx, p)
	var err error
	if complete {
		_, err = h.disp.CompleteConsult(ctx, p, contact)
	} else {
		_, err = h.disp.CancelConsult(ctx, p, contact)
	}
	return err
}
