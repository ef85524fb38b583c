package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"tsunagu"
)

// CreateTrunk stores a trunk and its numbers; a number already routed to any
// trunk of any tenant is a conflict.
func (db *DB) CreateTrunk(ctx context.Context, t *tsunagu.Trunk) error {
	if err := t.Normalize(); err != nil {
		return err
	}
	nets, _ := json.Marshal(t.AllowedNets)
	return db.write(ctx, func(tx *tx) error {
		if t.ID == "" {
			t.ID = tsunagu.TrunkID(newID("trk_", tx.now))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO trunks(tenant_id, id, name, allowed_nets) VALUES (?, ?, ?, ?)`, t.TenantID, t.ID, t.Name, string(nets))
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Trunk %s exists.", t.ID)
		} else if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		} else if err != nil {
			return fmt.Errorf("create trunk: %w", err)
		}
		numbers, err := insertNumbers(ctx, tx, t)
		if err != nil {
			return err
		}
		e := tsunagu.NewEvent(t.TenantID, tsunagu.EventTrunkCreated, tx.now, map[string]any{"name": t.Name, "numbers": numbers})
		e.Subject = string(t.ID)
		return tx.appendEvent(e)
	})
}

// insertNumbers stores t's numbers in order and returns them.
func insertNumbers(ctx context.Context, tx *tx, t *tsunagu.Trunk) ([]string, error) {
	numbers := make([]string, len(t.Numbers))
	for i, d := range t.Numbers {
		if d.Menu == nil {
			d.Menu = []tsunagu.MenuOption{}
		}
		menu, _ := json.Marshal(d.Menu)
		var hours []byte
		if d.Hours != nil {
			hours, _ = json.Marshal(d.Hours)
		}
		var voicemail []byte
		if d.Voicemail != nil {
			voicemail, _ = json.Marshal(d.Voicemail)
		}
		for _, p := range []struct {
			field string
			id    tsunagu.PromptID
		}{{"greeting_prompt", d.GreetingPrompt}, {"menu_prompt", d.MenuPrompt}, {"closed_prompt", d.ClosedPrompt}} {
			if err := promptExists(ctx, tx, t.TenantID, p.id, fmt.Sprintf("numbers[%d].%s", i, p.field)); err != nil {
				return nil, err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO trunk_numbers(number, tenant_id, trunk_id, greeting, menu, default_queue, position, hours,
			greeting_prompt, voicemail, direct, menu_prompt, closed_prompt)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Number, t.TenantID, t.ID, d.Greeting, string(menu), d.DefaultQueue, i, string(hours),
			d.GreetingPrompt, string(voicemail), d.Direct, d.MenuPrompt, d.ClosedPrompt)
		if isUnique(err) {
			return nil, &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: fmt.Sprintf("numbers[%d].number", i), Message: fmt.Sprintf("Number %s already belongs to a trunk.", d.Number)}
		} else if err != nil {
			return nil, fmt.Errorf("create trunk number: %w", err)
		}
		numbers[i] = d.Number
	}
	return numbers, nil
}

// ListTrunks lists a tenant's trunks with their numbers.
func (db *DB) ListTrunks(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Trunk, error) {
	return db.trunks(ctx, tenant, "")
}

func (db *DB) trunks(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.TrunkID) ([]tsunagu.Trunk, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id, id, name, allowed_nets, outbound, outbound_secret != '' FROM trunks WHERE tenant_id = ? AND (? = '' OR id = ?) ORDER BY id`, tenant, id, id)
	if err != nil {
		return nil, fmt.Errorf("list trunks: %w", err)
	}
	out := []tsunagu.Trunk{}
	idx := map[tsunagu.TrunkID]int{}
	for rows.Next() {
		var t tsunagu.Trunk
		var nets, outbound string
		var secret bool
		if err := rows.Scan(&t.TenantID, &t.ID, &t.Name, &nets, &outbound, &secret); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list trunks: %w", err)
		}
		if err := json.Unmarshal([]byte(nets), &t.AllowedNets); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trunk %s nets: %w", t.ID, err)
		}
		if outbound != "" { // outbound.go: the secret stays out
			t.Outbound = &tsunagu.TrunkOutbound{}
			if err := json.Unmarshal([]byte(outbound), t.Outbound); err != nil {
				rows.Close()
				return nil, fmt.Errorf("trunk %s outbound: %w", t.ID, err)
			}
			t.Outbound.HasPassword = secret
		}
		t.Numbers = []tsunagu.DID{}
		idx[t.ID] = len(out)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	nrows, err := db.r.QueryContext(ctx, `SELECT trunk_id, number, greeting, menu, default_queue, hours, greeting_prompt, voicemail, direct, menu_prompt, closed_prompt FROM trunk_numbers
		WHERE tenant_id = ? AND (? = '' OR trunk_id = ?) ORDER BY trunk_id, position`, tenant, id, id)
	if err != nil {
		return nil, fmt.Errorf("list trunk numbers: %w", err)
	}
	defer nrows.Close()
	for nrows.Next() {
		var tid tsunagu.TrunkID
		var d tsunagu.DID
		var menu, hours, voicemail string
		if err := nrows.Scan(&tid, &d.Number, &d.Greeting, &menu, &d.DefaultQueue, &hours, &d.GreetingPrompt, &voicemail, &d.Direct, &d.MenuPrompt, &d.ClosedPrompt); err != nil {
			return nil, fmt.Errorf("list trunk numbers: %w", err)
		}
		if voicemail != "" {
			d.Voicemail = &tsunagu.Voicemail{}
			if err := json.Unmarshal([]byte(voicemail), d.Voicemail); err != nil {
				return nil, fmt.Errorf("trunk %s voicemail: %w", tid, err)
			}
		}
		if hours != "" {
			d.Hours = &tsunagu.BusinessHours{}
			if err := json.Unmarshal([]byte(hours), d.Hours); err != nil {
				return nil, fmt.Errorf("trunk %s hours: %w", tid, err)
			}
		}
		if err := json.Unmarshal([]byte(menu), &d.Menu); err != nil {
			return nil, fmt.Errorf("trunk %s menu: %w", tid, err)
		}
		if i, ok := idx[tid]; ok {
			out[i].Numbers = append(out[i].Numbers, d)
		}
	}
	return out, nrows.Err()
}

// FindTrunkByNumber finds which tenant's trunk takes calls for a number.
func (db *DB) FindTrunkByNumber(ctx context.Context, e164 string) (*tsunagu.Trunk, *tsunagu.DID, error) {
	var tenant tsunagu.TenantID
	var id tsunagu.TrunkID
	err := db.r.QueryRowContext(ctx, `SELECT tenant_id, trunk_id FROM trunk_numbers WHERE number = ?`, e164).Scan(&tenant, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("Number")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find trunk: %w", err)
	}
	ts, err := db.trunks(ctx, tenant, id)
	if err != nil {
		return nil, nil, err
	}
	if len(ts) == 0 {
		return nil, nil, notFound("Trunk")
	}
	for i := range ts[0].Numbers {
		if ts[0].Numbers[i].Number == e164 {
			return &ts[0], &ts[0].Numbers[i], nil
		}
	}
	return nil, nil, notFound("Number")
}
