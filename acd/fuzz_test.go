package acd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"tsunagu"
)

// driver replays a byte string as a sequence of inputs against an engine
// and a model of what the outside world knows, and fails on the first
// broken rule: a contact lost or resurrected, a contact offered twice, an
// agent offered two contacts, or an internal inconsistency (see check).
type driver struct {
	t       *testing.T
	e       *Engine
	now     time.Time
	next    int
	alive   map[tsunagu.ContactID]bool            // in the engine, as far as the model knows
	offered map[tsunagu.ContactID]tsunagu.AgentID // ringing
	holding map[tsunagu.AgentID]tsunagu.ContactID // agent -> offered or connected contact
	conn    map[tsunagu.ContactID]bool
	queues  []QueueConfig
}

var fuzzAgents = []AgentSpec{
	{ID: "a0", Skills: map[tsunagu.SkillID]int{"billing": 3, "sales": 1}},
	{ID: "a1", Skills: map[tsunagu.SkillID]int{"billing": 1}},
	{ID: "a2", Skills: map[tsunagu.SkillID]int{"sales": 2, "english": 1}, Team: "backup"},
	{ID: "a3", Skills: map[tsunagu.SkillID]int{"support": 1}, Team: "backup"},
	{ID: "a4", Skills: map[tsunagu.SkillID]int{"billing": 2, "sales": 2, "support": 2}},
}

func newDriver(t *testing.T) *driver {
	d := &driver{t: t, e: New(Config{}), now: base, alive: map[tsunagu.ContactID]bool{},
		offered: map[tsunagu.ContactID]tsunagu.AgentID{}, holding: map[tsunagu.AgentID]tsunagu.ContactID{}, conn: map[tsunagu.ContactID]bool{}}
	qs := []QueueConfig{
		{ID: "billing", Skills: map[tsunagu.SkillID]int{"billing": 3}, OfferTimeout: 15 * time.Second, ACW: 20 * time.Second,
			Widening: []WideningStep{{After: 20 * time.Second, LevelDrop: 2}, {After: 60 * time.Second, Teams: []tsunagu.TeamID{"backup"}}},
			MaxWait:  90 * time.Second, Overflow: Overflow{Kind: OverflowQueue, Queue: "support"}, PreferredFor: 30 * time.Second},
		{ID: "sales", Skills: map[tsunagu.SkillID]int{"sales": 1}, Weight: 2, Strategy: SkillLevel, MaxLength: 3,
			Overflow: Overflow{Kind: OverflowVoicemail}, MaxWait: 45 * time.Second, LastAgentFor: 20 * time.Second},
		{ID: "support", Skills: map[tsunagu.SkillID]int{"support": 1}, Strategy: RoundRobin, MaxWait: 30 * time.Second,
			Overflow: Overflow{Kind: OverflowCallback}, OfferTimeout: 10 * time.Second, ACW: 5 * time.Second},
	}
	for _, q := range qs {
		d.apply(d.e.SetQueue(d.now, q))
	}
	d.queues = qs
	return d
}

func (d *driver) fail(format string, args ...any) {
	d.t.Helper()
	d.t.Fatalf("at %s: %s", d.now.Sub(base), fmt.Sprintf(format, args...))
}

// apply checks the decisions of one input against the model.
func (d *driver) apply(ds []Decision, err error) bool {
	d.t.Helper()
	for _, x := range ds {
		switch x.Kind {
		case DecisionOffer:
			if !d.alive[x.Contact] {
				d.fail("offer of unknown contact %s", x.Contact)
			}
			if a, ok := d.offered[x.Contact]; ok || d.conn[x.Contact] {
				d.fail("contact %s offered twice (already to %s)", x.Contact, a)
			}
			if c, ok := d.holding[x.Agent]; ok {
				d.fail("agent %s offered %s while holding %s", x.Agent, x.Contact, c)
			}
			d.offered[x.Contact] = x.Agent
			d.holding[x.Agent] = x.Contact
		case DecisionOfferCancelled, DecisionOfferTimedOut:
			if d.offered[x.Contact] != x.Agent {
				d.fail("%s for a contact not offered to that agent", x)
			}
			delete(d.offered, x.Contact)
			delete(d.holding, x.Agent)
		case DecisionRejected:
			delete(d.alive, x.Contact)
		case DecisionOverflow:
			if x.Overflow.Kind == OverflowVoicemail || x.Overflow.Kind == OverflowCallback && x.Reason != "max_wait" {
				delete(d.alive, x.Contact)
			}
		}
	}
	return err == nil
}

func (d *driver) pick(b byte, m map[tsunagu.ContactID]bool) (tsunagu.ContactID, bool) {
	var ids []tsunagu.ContactID
	for id, ok := range m {
		if ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", false
	}
	slices.Sort(ids)
	return ids[int(b)%len(ids)], true
}

// step performs one input chosen by op and arg.
func (d *driver) step(op, arg byte) {
	d.now = d.now.Add(time.Duration(arg%8) * time.Second)
	for {
		t, ok := d.e.NextDeadline()
		if !ok || t.After(d.now) {
			break
		}
		d.apply(d.e.Tick(t), nil)
	}
	e := d.e
	spec := fuzzAgents[int(arg)%len(fuzzAgents)]
	aid := spec.ID
	switch op % 14 {
	case 0:
		d.apply(e.Login(d.now, spec))
	case 1:
		if d.apply(e.Logout(d.now, aid)) {
			if c, ok := d.holding[aid]; ok {
				d.fail("agent %s logged out holding %s without a cancel", aid, c)
			}
		}
	case 2:
		d.apply(e.Ready(d.now, aid))
	case 3:
		d.apply(e.NotReady(d.now, aid, []Reason{ReasonBreak, ReasonLunch, ReasonRecovery}[arg%3]))
	case 4:
		d.next++
		id := tsunagu.ContactID("c" + strconv.Itoa(d.next))
		qs := []tsunagu.QueueID{"billing", "sales", "support"}
		spec := ContactSpec{ID: id, Queue: qs[int(arg>>3)%3], Priority: int(arg>>5) % 3}
		if arg&0x40 != 0 {
			spec.Preferred = fuzzAgents[int(arg>>2)%len(fuzzAgents)].ID
		}
		if arg&0x80 != 0 {
			spec.LastAgent = fuzzAgents[int(arg>>1)%len(fuzzAgents)].ID
		}
		d.alive[id] = true
		d.apply(e.Queue(d.now, spec))
	case 5:
		if id, ok := d.pick(arg, d.alive); ok {
			if d.apply(e.Abandon(d.now, id)) {
				delete(d.alive, id)
			}
		}
	case 6, 7, 8:
		var ids []tsunagu.ContactID
		for id := range d.offered {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return
		}
		slices.Sort(ids)
		id := ids[int(arg)%len(ids)]
		a := d.offered[id]
		switch op % 14 {
		case 6:
			if d.apply(e.Accept(d.now, id, a)) {
				delete(d.offered, id)
				d.conn[id] = true
			}
		case 7:
			// Refusing frees both sides without a decision of its own.
			delete(d.offered, id)
			delete(d.holding, a)
			d.apply(e.Refuse(d.now, id, a))
			if d.offered[id] == a {
				d.fail("refused contact %s offered again to %s", id, a)
			}
		case 8:
			d.apply(e.Missed(d.now, id, a))
		}
	case 9:
		if id, ok := d.pick(arg, d.conn); ok {
			for a, c := range d.holding {
				if c == id {
					delete(d.holding, a)
				}
			}
			delete(d.conn, id)
			delete(d.alive, id)
			d.apply(e.End(d.now, id))
		}
	case 10:
		if id, ok := d.pick(arg, d.alive); ok {
			d.apply(e.ConvertToCallback(d.now, id))
		}
	case 11:
		d.next++
		id := tsunagu.ContactID("cb" + strconv.Itoa(d.next))
		d.alive[id] = true
		spec := CallbackSpec{ID: id, Queue: "support", Due: d.now.Add(time.Duration(arg%64) * time.Second)}
		if arg&1 == 1 {
			spec.Owner, spec.OwnerFor = aid, time.Duration(arg%4)*20*time.Second
		}
		d.apply(e.ScheduleCallback(d.now, spec))
	case 12:
		d.now = d.now.Add(time.Duration(arg) * time.Second)
	case 13:
		// Reconfigure a queue while contacts wait and agents work.
		q := d.queues[int(arg)%len(d.queues)]
		q.Strategy = Strategy(arg>>2) % 4
		q.Weight = float64(arg>>4%3 + 1)
		if arg&0x40 != 0 {
			q.Widening = []WideningStep{{After: 5 * time.Second, LevelDrop: int(arg>>6) % 3}}
		} else {
			q.Widening = nil
		}
		d.apply(e.SetQueue(d.now, q))
	}
	d.verify()
}

func (d *driver) verify() {
	d.t.Helper()
	if err := d.e.check(); err != nil {
		d.fail("%v", err)
	}
	for id := range d.alive {
		if _, ok := d.e.contacts[id]; !ok {
			d.fail("contact %s lost", id)
		}
	}
	for id := range d.e.contacts {
		if !d.alive[id] {
			d.fail("contact %s is in the engine but finished", id)
		}
	}
	for id, a := range d.offered {
		c := d.e.contacts[id]
		if c == nil || c.state != offered || c.agent.id != a {
			d.fail("model has %s offered to %s, engine disagrees", id, a)
		}
	}
}

func runBytes(t *testing.T, data []byte) {
	d := newDriver(t)
	for i := 0; i+1 < len(data); i += 2 {
		d.step(data[i], data[i+1])
	}
}

// FuzzEngine: go test ./acd -run '^$' -fuzz FuzzEngine. The committed seed
// corpus is in testdata/fuzz/FuzzEngine.
func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 0, 2, 0, 4, 0, 6, 0, 9, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		runBytes(t, data)
	})
}

// TestEngine_RandomSequences runs the fuzz property over pseudo-random
// sequences biased towards realistic traffic (many logins and readies), so
// the default test run explores far more than the seed corpus.
func TestEngine_RandomSequences(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		data := make([]byte, 600)
		for i := range data {
			data[i] = byte(r.UintN(256))
		}
		// Front-load logins, readies and calls so agents and contacts exist.
		for i := 0; i < 20; i += 2 {
			data[i] = byte(i / 2 % 3 * 2) // 0 login, 2 ready, 4 call in turn
			data[i+1] = byte(i / 4)
		}
		t.Run(strconv.Itoa(seed), func(t *testing.T) { runBytes(t, data) })
	}
}
