package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"tsunagu"
)

// SetTrunkOutbound sets (or, with o nil, removes) how trunk id sends agents'
// outbound calls, appending trunk:outbound_set. An empty o.Password keeps
// the stored secret, so an admin can change the target without retyping
// it; the secret is never part of the event.
func (db *DB) SetTrunkOutbound(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.TrunkID, o *tsunagu.TrunkOutbound) (*tsunagu.Trunk, error) {
	ts, err := db.trunks(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, notFound("Trunk")
	}
	t := &ts[0]
	var settings, secret string
	payload := map[string]any{"removed": true}
	if o != nil {
		if err := o.Normalize(t); err != nil {
			return nil, err
		}
		secret = o.Password
		o.Password, o.HasPassword = "", false
		b, _ := json.Marshal(o)
		settings = string(b)
		payload = map[string]any{"target": o.Target, "transport": o.Transport, "allowed_prefixes": o.AllowedPrefixes, "auth": o.Username != ""}
	}
	err = db.write(ctx, func(tx *tx) error {
		q := `UPDATE trunks SET outbound = ?, outbound_secret = ? WHERE tenant_id = ? AND id = ?`
		args := []any{settings, secret, tenant, id}
		if o != nil && secret == "" && o.Username != "" {
			q = `UPDATE trunks SET outbound = ? WHERE tenant_id = ? AND id = ?`
			args = []any{settings, tenant, id}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("set trunk outbound: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Trunk")
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventTrunkOutboundSet, tx.now, payload)
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
	if err != nil {
		return nil, err
	}
	ts, err = db.trunks(ctx, tenant, id)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return &ts[0], nil
}

// OutboundTrunk returns the tenant's trunk for outbound calls (the first,
// by ID, that has outbound settings) with its digest secret, for the SIP
// edge only. ENOTFOUND when the tenant has none.
func (db *DB) OutboundTrunk(ctx context.Context, tenant tsunagu.TenantID) (*tsunagu.Trunk, error) {
	var id tsunagu.TrunkID
	var secret string
	err := db.r.QueryRowContext(ctx, `SELECT id, outbound_secret FROM trunks WHERE tenant_id = ? AND outbound != '' ORDER BY id LIMIT 1`, tenant).Scan(&id, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "No trunk is set up for outbound calls.")
	} else if err != nil {
		return nil, fmt.Errorf("outbound trunk: %w", err)
	}
	ts, err := db.trunks(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 || ts[0].Outbound == nil {
		return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "No trunk is set up for outbound calls.")
	}
	ts[0].Outbound.Password = secret
	return &ts[0], nil
}
