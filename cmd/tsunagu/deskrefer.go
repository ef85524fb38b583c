package main

import (
	"context"

	"tsunagu"
	"tsunagu/telephony"
)

var _ telephony.DeskTransferer = deskHandler{}

// DeskTransfer: the agent pressed transfer on the desk phone (REFER). It is
// the desk's blind transfer in the agent's name, through the same routing
// call as POST /contacts/{id}/transfer.
func (h deskHandler) DeskTransfer(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, to tsunagu.TransferTarget) error {
	p := &tsunagu.Principal{TenantID: tenant, AgentID: agent, Role: tsunagu.RoleAgent}
	_, err := h.disp.Transfer(tsunagu.NewContext(ctx, p), p, contact, to)
	return err
}
