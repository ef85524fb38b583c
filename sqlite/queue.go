package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tsunagu"
)

// queueColumns validates q, fills its empty lists and returns the JSON of
// its skills and verification checklist, as both the create and the
// update store them.
func queueColumns(q *tsunagu.Queue) (skills, verification []byte, err error) {
	if err := q.Validate(); err != nil {
		return nil, nil, err
	}
	if q.Skills == nil {
		q.Skills = []tsunagu.SkillLevel{}
	}
	if q.Verification == nil {
		q.Verification = []string{}
	}
	skills, _ = json.Marshal(q.Skills)
	verification, _ = json.Marshal(q.Verification)
	return skills, verification, nil
}

// CreateQueue creates a queue; a missing ID is generated.
func (db *DB) CreateQueue(ctx context.Context, q *tsunagu.Queue) error {
	skills, verification, err := queueColumns(q)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if q.ID == "" {
			q.ID = tsunagu.QueueID(newID("que_", tx.now))
		}
		if err := checkOverflow(ctx, tx, q); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO queues(tenant_id, id, name, name_en, priority, sl_percent, sl_seconds, acw_seconds,
			hold_callback_seconds, verification, verification_required, dtmf, skills,
			strategy, offer_timeout_seconds, max_wait_seconds, max_length, overflow_queue, callback_offer, callback_offer_after_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			q.TenantID, q.ID, q.Name, q.NameEn, q.Priority, q.SLPercent, q.SLSeconds, q.ACWSeconds, q.HoldCallbackSeconds,
			string(verification), q.VerificationRequired, q.DTMF, string(skills),
			q.Strategy, q.OfferTimeoutSeconds, q.MaxWaitSeconds, q.MaxLength, q.OverflowQueue, q.CallbackOffer, q.CallbackOfferAfterSeconds)
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Queue %s exists.", q.ID)
		} else if err != nil {
			return fmt.Errorf("create queue: %w", err)
		}
		e := tsunagu.NewEvent(q.TenantID, tsunagu.EventQueueCreated, tx.now, map[string]any{"name": q.Name})
		e.Subject = string(q.ID)
		return tx.appendEvent(e)
	})
}

// ListQueues lists a tenant's queues by menu digit then ID.
func (db *DB) ListQueues(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Queue, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id, id, name, name_en, priority, sl_percent, sl_seconds, acw_seconds,
		hold_callback_seconds, verification, verification_required, dtmf, skills,
		strategy, offer_timeout_seconds, max_wait_seconds, max_length, overflow_queue, callback_offer, callback_offer_after_seconds FROM queues WHERE tenant_id = ? ORDER BY dtmf, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Queue{}
	for rows.Next() {
		var q tsunagu.Queue
		var verification, skills string
		if err := rows.Scan(&q.TenantID, &q.ID, &q.Name, &q.NameEn, &q.Priority, &q.SLPercent, &q.SLSeconds, &q.ACWSeconds,
			&q.HoldCallbackSeconds, &verification, &q.VerificationRequired, &q.DTMF, &skills,
			&q.Strategy, &q.OfferTimeoutSeconds, &q.MaxWaitSeconds, &q.MaxLength, &q.OverflowQueue, &q.CallbackOffer, &q.CallbackOfferAfterSeconds); err != nil {
			return nil, fmt.Errorf("list queues: %w", err)
		}
		if err := json.Unmarshal([]byte(verification), &q.Verification); err != nil {
			return nil, fmt.Errorf("queue %s verification: %w", q.ID, err)
		}
		if err := json.Unmarshal([]byte(skills), &q.Skills); err != nil {
			return nil, fmt.Errorf("queue %s skills: %w", q.ID, err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// QueueStats computes today's figures per queue from the contacts table and
// the agents' current states. The ACD keeps the live figures once it runs;
// this is the store's own view, so the numbers agree after a restart.
func (db *DB) QueueStats(ctx context.Context, tenant tsunagu.TenantID, since, now time.Time) ([]tsunagu.QueueStats, error) {
	queues, err := db.ListQueues(ctx, tenant)
	if err != nil {
		return nil, err
	}
	byState := map[tsunagu.AgentState]int{}
	srows, err := db.r.QueryContext(ctx, `SELECT state, count(*) FROM agents WHERE tenant_id = ? GROUP BY state`, tenant)
	if err != nil {
		return nil, fmt.Errorf("queue stats: %w", err)
	}
	for srows.Next() {
		var s tsunagu.AgentState
		var n int
		if err := srows.Scan(&s, &n); err != nil {
			srows.Close()
			return nil, fmt.Errorf("queue stats: %w", err)
		}
		byState[s] = n
	}
	srows.Close()
	out := make([]tsunagu.QueueStats, 0, len(queues))
	for _, q := range queues {
		st := tsunagu.QueueStats{QueueID: q.ID, Name: q.Name, AgentsByState: byState}
		var oldest *int64
		err := db.r.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE state = 'queued'),
			min(queued_at) FILTER (WHERE state = 'queued'),
			count(*) FILTER (WHERE queued_at >= ?),
			count(*) FILTER (WHERE queued_at >= ? AND connected_at IS NOT NULL),
			count(*) FILTER (WHERE queued_at >= ? AND state = 'abandoned'),
			count(*) FILTER (WHERE queued_at >= ? AND connected_at IS NOT NULL AND connected_at - queued_at <= ?)
			FROM contacts WHERE tenant_id = ? AND queue_id = ? AND (state = 'queued' OR queued_at >= ?)`,
			ms(since), ms(since), ms(since), ms(since), int64(q.SLSeconds)*1000, tenant, q.ID, ms(since)).
			Scan(&st.Waiting, &oldest, &st.OfferedToday, &st.AnsweredToday, &st.AbandonedToday, &st.AnsweredWithinSL)
		if err != nil {
			return nil, fmt.Errorf("queue stats %s: %w", q.ID, err)
		}
		if oldest != nil {
			st.LongestWaitSec = int(max(0, ms(now)-*oldest) / 1000)
		}
		if st.OfferedToday > 0 {
			sl := float64(st.AnsweredWithinSL) / float64(st.OfferedToday)
			st.ServiceLevel = &sl
		}
		out = append(out, st)
	}
	return out, nil
}

// CreateSkill creates a skill.
func (db *DB) CreateSkill(ctx context.Context, s *tsunagu.Skill) error {
	return db.createRef(ctx, s.TenantID, "skill", (*string)(&s.ID), "skl_", s.Name,
		`INSERT INTO skills(tenant_id, id, name) VALUES (?, ?, ?)`, func(id string) []any { return []any{s.TenantID, id, s.Name} })
}

// CreateTeam creates a team.
func (db *DB) CreateTeam(ctx context.Context, t *tsunagu.Team) error {
	return db.createRef(ctx, t.TenantID, "team", (*string)(&t.ID), "tem_", t.Name,
		`INSERT INTO teams(tenant_id, id, name, leader_id) VALUES (?, ?, ?, ?)`, func(id string) []any { return []any{t.TenantID, id, t.Name, t.LeaderID} })
}

// CreateReason creates a contact reason.
func (db *DB) CreateReason(ctx context.Context, r *tsunagu.ContactReason) error {
	return db.createRef(ctx, r.TenantID, "reason", (*string)(&r.ID), "rsn_", r.Name,
		`INSERT INTO contact_reasons(tenant_id, id, name, name_en) VALUES (?, ?, ?, ?)`, func(id string) []any { return []any{r.TenantID, id, r.Name, r.NameEn} })
}

// CreateDisposition creates a disposition.
func (db *DB) CreateDisposition(ctx context.Context, d *tsunagu.Disposition) error {
	return db.createRef(ctx, d.TenantID, "disposition", (*string)(&d.ID), "dsp_", d.Name,
		`INSERT INTO dispositions(tenant_id, id, name, name_en, conversion) VALUES (?, ?, ?, ?, ?)`,
		func(id string) []any { return []any{d.TenantID, id, d.Name, d.NameEn, d.Conversion} })
}

// createRef inserts one row of reference data (skills, teams, reasons,
// dispositions share the shape: tenant, ID, name) with its event.
func (db *DB) createRef(ctx context.Context, tenant tsunagu.TenantID, kind string, id *string, prefix, name, insert string, args func(id string) []any) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 100 {
		return tsunagu.FieldError("name", "A name is required (at most 100 characters).")
	}
	return db.write(ctx, func(tx *tx) error {
		if *id == "" {
			*id = newID(prefix, tx.now)
		}
		_, err := tx.ExecContext(ctx, insert, args(*id)...)
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "%s %s exists.", kind, *id)
		} else if err != nil {
			return fmt.Errorf("create %s: %w", kind, err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventReferenceCreated, tx.now, map[string]any{"kind": kind, "name": name})
		e.Subject = *id
		return tx.appendEvent(e)
	})
}

// ListSkills lists skills.
func (db *DB) ListSkills(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Skill, error) {
	return listRef(ctx, db, `SELECT tenant_id, id, name FROM skills WHERE tenant_id = ? ORDER BY id`, tenant,
		func(s *tsunagu.Skill) []any { return []any{&s.TenantID, &s.ID, &s.Name} })
}

// ListTeams lists teams.
func (db *DB) ListTeams(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Team, error) {
	return listRef(ctx, db, `SELECT tenant_id, id, name, leader_id FROM teams WHERE tenant_id = ? ORDER BY id`, tenant,
		func(t *tsunagu.Team) []any { return []any{&t.TenantID, &t.ID, &t.Name, &t.LeaderID} })
}

// ListReasons lists contact reasons.
func (db *DB) ListReasons(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.ContactReason, error) {
	return listRef(ctx, db, `SELECT tenant_id, id, name, name_en FROM contact_reasons WHERE tenant_id = ? ORDER BY id`, tenant,
		func(r *tsunagu.ContactReason) []any { return []any{&r.TenantID, &r.ID, &r.Name, &r.NameEn} })
}

// ListDispositions lists dispositions.
func (db *DB) ListDispositions(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Disposition, error) {
	return listRef(ctx, db, `SELECT tenant_id, id, name, name_en, conversion FROM dispositions WHERE tenant_id = ? ORDER BY id`, tenant,
		func(d *tsunagu.Disposition) []any {
			return []any{&d.TenantID, &d.ID, &d.Name, &d.NameEn, &d.Conversion}
		})
}

func listRef[T any](ctx context.Context, db *DB, query string, tenant tsunagu.TenantID, fields func(*T) []any) ([]T, error) {
	rows, err := db.r.QueryContext(ctx, query, tenant)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := rows.Scan(fields(&v)...); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// checkOverflow refuses an overflow queue the tenant does not have
// (voicemail is a target, not a queue, and no queue may take its name).
func checkOverflow(ctx context.Context, tx *tx, q *tsunagu.Queue) error {
	if q.ID == tsunagu.QueueVoicemail {
		return tsunagu.FieldError("id", "%q is reserved for voicemail.", q.ID)
	}
	if q.OverflowQueue == "" || q.OverflowQueue == tsunagu.QueueVoicemail {
		return nil
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM queues WHERE tenant_id = ? AND id = ?`, q.TenantID, q.OverflowQueue).Scan(&one); err != nil {
		return tsunagu.FieldError("overflow_queue", "Unknown queue %q.", q.OverflowQueue)
	}
	return nil
}
