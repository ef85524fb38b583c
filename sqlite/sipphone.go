package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

var _ tsunagu.SIPPhoneStore = (*DB)(nil)

// SetSIPCredentials stores the agent's SIP username and digest hashes; the
// password is hashed here and dropped.
func (db *DB) SetSIPCredentials(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID, c tsunagu.SIPCredentials) (*tsunagu.SIPPhone, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	md5hex, shahex := c.HA1()
	err := db.write(ctx, func(tx *tx) error {
		if err := tx.agentExists(tenant, agent); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sip_phones(tenant_id, agent_id, username, ha1_md5, ha1_sha256, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(tenant_id, agent_id) DO UPDATE SET username = excluded.username, ha1_md5 = excluded.ha1_md5,
			ha1_sha256 = excluded.ha1_sha256, updated_at = excluded.updated_at`,
			tenant, agent, c.Username, md5hex, shahex, tx.now.UnixMilli())
		if isUnique(err) {
			return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "username", Message: "That SIP username is taken."}
		} else if err != nil {
			return fmt.Errorf("set sip credentials: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventAgentSIPSet, tx.now, map[string]any{"username": c.Username})
		e.AgentID = agent
		return tx.appendEvent(e)
	})
	if err != nil {
		return nil, err
	}
	return db.FindSIPPhone(ctx, tenant, agent)
}

// SetPhoneKind records where the agent's offers ring.
func (db *DB) SetPhoneKind(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID, kind tsunagu.PhoneKind) (*tsunagu.SIPPhone, error) {
	if err := kind.Validate(); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(tx *tx) error {
		if err := tx.agentExists(tenant, agent); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sip_phones(tenant_id, agent_id, kind, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(tenant_id, agent_id) DO UPDATE SET kind = excluded.kind, updated_at = excluded.updated_at`,
			tenant, agent, kind, tx.now.UnixMilli()); err != nil {
			return fmt.Errorf("set phone kind: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventAgentPhoneChosen, tx.now, map[string]any{"kind": kind})
		e.AgentID = agent
		return tx.appendEvent(e)
	})
	if err != nil {
		return nil, err
	}
	return db.FindSIPPhone(ctx, tenant, agent)
}

func (t *tx) agentExists(tenant tsunagu.TenantID, agent tsunagu.AgentID) error {
	var one int
	err := t.QueryRowContext(t.ctx, `SELECT 1 FROM agents WHERE tenant_id = ? AND id = ?`, tenant, agent).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Agent")
	}
	return err
}

// FindSIPPhone returns the agent's phone; an agent who never set one has
// the browser and no SIP account.
func (db *DB) FindSIPPhone(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID) (*tsunagu.SIPPhone, error) {
	p := &tsunagu.SIPPhone{TenantID: tenant, AgentID: agent, Kind: tsunagu.PhoneBrowser}
	var user sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT kind, username, ha1_md5, ha1_sha256 FROM sip_phones WHERE tenant_id = ? AND agent_id = ?`, tenant, agent).
		Scan(&p.Kind, &user, &p.HA1MD5, &p.HA1SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := db.FindAgent(ctx, tenant, agent); err != nil {
			return nil, err
		}
		return p, nil
	} else if err != nil {
		return nil, fmt.Errorf("find sip phone: %w", err)
	}
	p.Username = user.String
	return p, nil
}

// FindSIPUser finds the account a REGISTER names.
func (db *DB) FindSIPUser(ctx context.Context, username string) (*tsunagu.SIPPhone, error) {
	p := &tsunagu.SIPPhone{Username: username}
	err := db.r.QueryRowContext(ctx, `SELECT tenant_id, agent_id, kind, ha1_md5, ha1_sha256 FROM sip_phones WHERE username = ?`, username).
		Scan(&p.TenantID, &p.AgentID, &p.Kind, &p.HA1MD5, &p.HA1SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("SIP user")
	} else if err != nil {
		return nil, fmt.Errorf("find sip user: %w", err)
	}
	return p, nil
}

// PhoneKindOf returns where the agent's offers ring, looked up by agent ID
// alone (agent IDs are unique across tenants): routing asks it on every
// offer and availability check, where only the agent is at hand. An agent
// with no row is browser. A read that fails (a timeout under load) is an
// error, not "browser": taking it for one left a desk-phone agent's phone
// silent while the offer waited for the desk.
func (db *DB) PhoneKindOf(ctx context.Context, agent tsunagu.AgentID) (tsunagu.PhoneKind, error) {
	var k tsunagu.PhoneKind
	err := db.r.QueryRowContext(ctx, `SELECT kind FROM sip_phones WHERE agent_id = ?`, agent).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return tsunagu.PhoneBrowser, nil
	} else if err != nil {
		return "", fmt.Errorf("phone kind: %w", err)
	}
	return k, nil
}
