package acd

import (
	"time"

	"tsunagu"
)

// Root returns the tsunagu.AgentState with the same meaning.
func (s AgentState) Root() tsunagu.AgentState { return tsunagu.AgentState(s.String()) }

// QueueFrom builds the routing part of a queue's configuration from the
// stored queue: skills, priority, SL, ACW, strategy, maximum wait and
// length with their overflow queue. Widening and business hours are not in
// tsunagu.Queue yet and keep their zero values; the offer timeout is the
// caller's to set (it has the center's default).
func QueueFrom(q *tsunagu.Queue) QueueConfig {
	cfg := QueueConfig{
		ID:          q.ID,
		Priority:    q.Priority,
		SLThreshold: time.Duration(q.SLSeconds) * time.Second,
		SLTarget:    float64(q.SLPercent) / 100,
		ACW:         time.Duration(q.ACWSeconds) * time.Second,
		MaxWait:     time.Duration(q.MaxWaitSeconds) * time.Second,
		MaxLength:   q.MaxLength,
	}
	if s, err := ParseStrategy(q.Strategy); err == nil {
		cfg.Strategy = s
	}
	if q.OverflowQueue != "" {
		cfg.Overflow = Overflow{Kind: OverflowQueue, Queue: q.OverflowQueue}
	}
	if len(q.Skills) > 0 {
		cfg.Skills = make(map[tsunagu.SkillID]int, len(q.Skills))
		for _, s := range q.Skills {
			cfg.Skills[s.SkillID] = s.Level
		}
	}
	return cfg
}

// AgentFrom builds an AgentSpec from the stored agent.
func AgentFrom(a *tsunagu.Agent) AgentSpec {
	spec := AgentSpec{ID: a.ID, Team: a.TeamID}
	if len(a.Skills) > 0 {
		spec.Skills = make(map[tsunagu.SkillID]int, len(a.Skills))
		for _, s := range a.Skills {
			spec.Skills[s.SkillID] = s.Level
		}
	}
	return spec
}

// Position returns a waiting contact's 1-based place in its queue and the
// number waiting there, for "you are number 3 in line" announcements.
func (e *Engine) Position(id tsunagu.ContactID) (pos, of int, err error) {
	c, err := e.contact(id)
	if err != nil {
		return 0, 0, err
	}
	if c.state != waiting {
		return 0, 0, conflict("contact %s is not waiting", id)
	}
	for i, w := range c.q.waiting {
		if w == c {
			return i + 1, len(c.q.waiting), nil
		}
	}
	return 0, 0, conflict("contact %s is not waiting", id)
}
