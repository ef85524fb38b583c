package sim

import (
	"math/rand/v2"
	"strconv"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// state is one run in progress.
type state struct {
	cfg     Config
	e       *acd.Engine
	rng     *rand.Rand
	ev      events
	seq     uint64
	calls   map[tsunagu.ContactID]*call
	slab    []*call // every call by index, for events; grows by one per arrival
	agents  []tsunagu.AgentID
	start   time.Time // end of warm-up
	end     time.Time
	res     Result
	work    []acd.Decision
	nextID  int
	busy    time.Duration // talk + ACW of measured contacts
	onBreak time.Duration // break time inside the measured window
}

// Run simulates cfg and returns the measured figures.
func Run(cfg Config) (Result, error) {
	if len(cfg.Queues) == 0 {
		cfg.Queues = []QueueSpec{{ID: "q", Skill: "s", Rate: 100.0 / 1800, AHT: 180 * time.Second}}
	}
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	s := &state{cfg: cfg, e: acd.New(cfg.Engine), rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		calls: map[tsunagu.ContactID]*call{}}
	s.start = epoch.Add(cfg.Warmup)
	s.end = s.start.Add(cfg.Duration)
	s.res.PerQueue = map[tsunagu.QueueID]Figures{}
	if cfg.Batch > 0 {
		s.res.Batches = make([]Figures, (cfg.Duration+cfg.Batch-1)/cfg.Batch)
	}
	for _, q := range cfg.Queues {
		qc := acd.QueueConfig{ID: q.ID, Skills: map[tsunagu.SkillID]int{q.Skill: 1}, SLThreshold: q.SLThreshold,
			ACW: q.ACW, Strategy: q.Strategy, Weight: q.Weight}
		if _, err := s.e.SetQueue(epoch, qc); err != nil {
			return Result{}, err
		}
	}
	nAgents := 0
	for _, g := range cfg.Agents {
		nAgents += g.Count
	}
	i := 0
	for _, g := range cfg.Agents {
		skills := map[tsunagu.SkillID]int{}
		for _, sk := range g.Skills {
			skills[sk] = 1
		}
		for range g.Count {
			id := agentID(i)
			s.agents = append(s.agents, id)
			if _, err := s.e.Login(epoch, acd.AgentSpec{ID: id, Skills: skills}); err != nil {
				return Result{}, err
			}
			s.handle(s.e.Ready(epoch, id))
			if cfg.BreakEvery > 0 {
				// Stagger the breaks so that the floor never empties at once.
				off := time.Duration(int64(cfg.BreakEvery) * int64(i) / int64(nAgents))
				s.push(event{at: epoch.Add(off), kind: evBreakStart, agent: i})
			}
			i++
		}
	}
	for qi, q := range cfg.Queues {
		if q.Rate > 0 {
			s.push(event{at: epoch.Add(s.interarrival(q)), kind: evArrival, q: qi})
		}
	}
	for {
		next, ok := s.e.NextDeadline()
		if len(s.ev) > 0 && (!ok || next.Sub(epoch) >= time.Duration(s.ev[0].at)) {
			ev := s.unslot(s.ev.pop())
			if !ev.at.Before(s.end) {
				break
			}
			s.step(ev)
			continue
		}
		if !ok || !next.Before(s.end) {
			break
		}
		s.handle(s.e.Tick(next), nil)
	}
	s.res.Occupancy = float64(s.busy) / (float64(nAgents)*float64(cfg.Duration) - float64(s.onBreak))
	for _, f := range s.res.PerQueue {
		s.res.Total.add(f)
	}
	return s.res, nil
}

func (s *state) interarrival(q QueueSpec) time.Duration {
	return time.Duration(s.rng.ExpFloat64() / q.Rate * float64(time.Second))
}

func (s *state) push(ev event) {
	s.seq++
	sl := slot{at: int64(ev.at.Sub(epoch)), seq: s.seq, kind: ev.kind}
	switch ev.kind {
	case evArrival:
		sl.ref = int32(ev.q)
	case evPatience, evServiceEnd:
		sl.ref = ev.c.idx
	default:
		sl.ref = int32(ev.agent)
	}
	s.ev.push(sl)
}

func (s *state) unslot(sl slot) event {
	ev := event{at: epoch.Add(time.Duration(sl.at)), kind: sl.kind}
	switch sl.kind {
	case evArrival:
		ev.q = int(sl.ref)
	case evPatience, evServiceEnd:
		ev.c = s.slab[sl.ref]
	default:
		ev.agent = int(sl.ref)
	}
	return ev
}

// figures returns the counters a measured call adds to: its queue's and, with
// batches, its arrival batch's. The caller writes both back via add.
func (s *state) count(c *call, f func(*Figures)) {
	if !c.counted {
		return
	}
	q := s.cfg.Queues[c.q]
	pq := s.res.PerQueue[q.ID]
	f(&pq)
	s.res.PerQueue[q.ID] = pq
	if s.cfg.Batch > 0 {
		b := int(c.arrived.Sub(s.start) / s.cfg.Batch)
		f(&s.res.Batches[b])
	}
}

func (s *state) step(ev event) {
	now := ev.at
	switch ev.kind {
	case evArrival:
		q := s.cfg.Queues[ev.q]
		s.push(event{at: now.Add(s.interarrival(q)), kind: evArrival, q: ev.q})
		s.nextID++
		c := &call{id: tsunagu.ContactID(strconv.Itoa(s.nextID)), idx: int32(len(s.slab)), q: ev.q, arrived: now, counted: !now.Before(s.start)}
		s.calls[c.id] = c
		s.slab = append(s.slab, c)
		s.count(c, func(f *Figures) { f.Contacts++ })
		if q.Patience > 0 {
			s.push(event{at: now.Add(exp(s.rng, q.Patience)), kind: evPatience, c: c})
		}
		s.handle(s.e.Queue(now, acd.ContactSpec{ID: c.id, Queue: q.ID}))
	case evPatience:
		c := ev.c
		if c.done {
			return
		}
		// The caller hangs up while waiting (or while the phone rings).
		s.handle(s.e.Abandon(now, c.id))
		c.done = true
		delete(s.calls, c.id)
		s.count(c, func(f *Figures) { f.Abandoned++ })
	case evServiceEnd:
		delete(s.calls, ev.c.id)
		s.handle(s.e.End(now, ev.c.id))
	case evBreakStart:
		s.handle(s.e.NotReady(now, s.agents[ev.agent], acd.ReasonBreak))
		s.push(event{at: now.Add(s.cfg.BreakLength), kind: evBreakEnd, agent: ev.agent})
	case evBreakEnd:
		id := s.agents[ev.agent]
		st, err := s.e.Agent(id)
		if err != nil {
			return
		}
		switch {
		case st.State == acd.NotReady:
			from := st.Since
			if from.Before(s.start) {
				from = s.start
			}
			if now.After(from) {
				s.onBreak += now.Sub(from)
			}
			s.handle(s.e.Ready(now, id))
			s.push(event{at: now.Add(s.cfg.BreakEvery - s.cfg.BreakLength), kind: evBreakStart, agent: ev.agent})
		default:
			// Still busy with the break pending: give it its full length
			// from when it can start.
			s.push(event{at: now.Add(s.cfg.BreakLength), kind: evBreakEnd, agent: ev.agent})
		}
	}
}

// handle processes decisions, including those caused by the simulator's own
// reactions (an accept never causes more, an end may cause an offer).
func (s *state) handle(ds []acd.Decision, err error) {
	if err != nil {
		panic("sim: engine refused a valid input: " + err.Error())
	}
	start := len(s.work)
	s.work = append(s.work, ds...)
	for i := start; i < len(s.work); i++ {
		d := s.work[i]
		s.res.Decisions++
		switch d.Kind {
		case acd.DecisionOffer:
			c := s.calls[d.Contact]
			c.done, c.answered = true, true
			// Agents answer at once: ringing time is not part of the model.
			if _, err := s.e.Accept(d.At, d.Contact, d.Agent); err != nil {
				panic("sim: accept: " + err.Error())
			}
			q := s.cfg.Queues[c.q]
			talk := exp(s.rng, q.AHT)
			wait := d.At.Sub(c.arrived)
			s.count(c, func(f *Figures) {
				f.Answered++
				f.WaitAnswered += wait
				if wait <= q.SLThreshold {
					f.AnsweredInSL++
				}
			})
			if c.counted {
				s.busy += talk + q.ACW
			}
			s.push(event{at: d.At.Add(talk), kind: evServiceEnd, c: c})
		case acd.DecisionOverflow, acd.DecisionRejected:
			if c := s.calls[d.Contact]; c != nil {
				c.done = true
				s.count(c, func(f *Figures) { f.Overflowed++ })
			}
		}
	}
	s.work = s.work[:start]
}
