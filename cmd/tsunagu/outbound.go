package main

import (
	"context"

	"tsunagu"
	"tsunagu/telephony"
)

// OutboundTrunk is the tenant's trunk for agents' calls, with its secret.
func (v voice) OutboundTrunk(ctx context.Context, tenant tsunagu.TenantID) (*tsunagu.Trunk, error) {
	return v.db.OutboundTrunk(ctx, tenant)
}

// Dial calls the customer with the agent's browser softphone as the first
// leg (it hears the ringback, then the customer).
func (v voice) Dial(ctx context.Context, c *tsunagu.Contact, callerID string, route tsunagu.TrunkOutbound) error {
	leg, ok := v.soft.Leg(c.AgentID)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Connect your softphone before you make a call.")
	}
	return v.tel.Dial(ctx, telephony.OutboundCall{Contact: c, CallerID: callerID, Route: route, Leg: leg})
}
