// Package sim is a discrete-event simulation of a contact center that drives
// the real acd.Engine with a fake clock: Poisson arrivals per queue,
// exponential handle times, exponential caller patience (abandonment), fixed
// after-call work, skills and agent breaks. It is pure: no I/O, no wall
// clock; the same Config and Seed give the same Result.
package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Config describes one simulation run.
type Config struct {
	Queues   []QueueSpec // empty: one queue "q" served by all agents
	Agents   []AgentGroup
	Duration time.Duration // simulated time after the warm-up
	Warmup   time.Duration // simulated time before measuring (contacts arriving then are not counted)
	Batch    time.Duration // > 0: also report per-batch figures (batch means)
	Seed     uint64

	// BreakEvery and BreakLength give each agent a break of BreakLength every
	// BreakEvery, staggered across agents; a break asked for on a contact
	// starts after it.
	BreakEvery, BreakLength time.Duration
	// Engine configures the engine under test.
	Engine acd.Config
}

// QueueSpec is one queue's traffic.
type QueueSpec struct {
	ID          tsunagu.QueueID
	Skill       tsunagu.SkillID
	Rate        float64       // arrivals per second
	AHT         time.Duration // mean talk time (exponential)
	Patience    time.Duration // mean patience (exponential); 0 = callers never hang up
	ACW         time.Duration // fixed wrap-up after each contact
	SLThreshold time.Duration
	Strategy    acd.Strategy
	Weight      float64 // the engine's queue weight; 0 means 1
}

// AgentGroup is Count agents with the same skills.
type AgentGroup struct {
	Count  int
	Skills []tsunagu.SkillID
}

// Figures are measured results for a set of contacts.
type Figures struct {
	Contacts     int           // arrivals counted
	Answered     int           //
	AnsweredInSL int           //
	Abandoned    int           //
	Overflowed   int           // rejected or sent elsewhere by the engine
	WaitAnswered time.Duration // total wait of answered contacts
}

// ServiceLevel is answered within the threshold over answered plus abandoned.
func (f Figures) ServiceLevel() float64 {
	if d := f.Answered + f.Abandoned; d > 0 {
		return float64(f.AnsweredInSL) / float64(d)
	}
	return 1
}

// ASA is the mean wait of answered contacts.
func (f Figures) ASA() time.Duration {
	if f.Answered == 0 {
		return 0
	}
	return f.WaitAnswered / time.Duration(f.Answered)
}

// AbandonRate is abandoned over answered plus abandoned.
func (f Figures) AbandonRate() float64 {
	if d := f.Answered + f.Abandoned; d > 0 {
		return float64(f.Abandoned) / float64(d)
	}
	return 0
}

func (f *Figures) add(g Figures) {
	f.Contacts += g.Contacts
	f.Answered += g.Answered
	f.AnsweredInSL += g.AnsweredInSL
	f.Abandoned += g.Abandoned
	f.Overflowed += g.Overflowed
	f.WaitAnswered += g.WaitAnswered
}

// Result is the outcome of a run.
type Result struct {
	Total     Figures
	PerQueue  map[tsunagu.QueueID]Figures
	Batches   []Figures // by arrival time, when Config.Batch > 0
	Occupancy float64   // handling (talk + ACW) over staffed time not on break
	Decisions int       // engine decisions processed
}

type evKind uint8

const (
	evArrival evKind = iota
	evServiceEnd
	evPatience
	evBreakStart
	evBreakEnd
)

// event is a simulator event as step sees it.
type event struct {
	at    time.Time
	kind  evKind
	q     int // queue index for arrivals
	c     *call
	agent int // agent index for breaks
}

// slot is an event as the heap stores it: no pointers and no time.Time, so
// that the millions of swaps of a simulated day cost no GC write barriers.
// ref is the queue, call or agent index depending on kind.
type slot struct {
	at   int64 // ns since epoch
	seq  uint64
	kind evKind
	ref  int32
}

// events is a binary min-heap of slots by (at, seq).
type events []slot

func (h events) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *events) push(x slot) {
	*h = append(*h, x)
	s := *h
	for j := len(s) - 1; j > 0; {
		i := (j - 1) / 2
		if !s.less(j, i) {
			break
		}
		s[i], s[j] = s[j], s[i]
		j = i
	}
}

func (h *events) pop() slot {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && s.less(r, l) {
			j = r
		}
		if !s.less(j, i) {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
	*h = s
	return top
}

type call struct {
	id       tsunagu.ContactID
	idx      int32 // in state.slab
	q        int
	arrived  time.Time
	counted  bool // arrived after the warm-up
	done     bool // answered, abandoned or overflowed
	answered bool
}

// epoch is the simulated start; any fixed instant would do.
var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if c.Duration <= 0 {
		return fmt.Errorf("sim: duration must be > 0")
	}
	for _, q := range c.Queues {
		if q.Rate < 0 || q.AHT <= 0 || q.Patience < 0 || q.ACW < 0 {
			return fmt.Errorf("sim: queue %s: rate, aht, patience and acw must be >= 0 (aht > 0)", q.ID)
		}
	}
	n := 0
	for _, g := range c.Agents {
		n += g.Count
	}
	if n <= 0 {
		return fmt.Errorf("sim: at least one agent is needed")
	}
	if c.BreakEvery < 0 || c.BreakLength < 0 || (c.BreakEvery > 0 && c.BreakLength >= c.BreakEvery) {
		return fmt.Errorf("sim: break length must be shorter than the break interval")
	}
	return nil
}

func exp(r *rand.Rand, mean time.Duration) time.Duration {
	return time.Duration(r.ExpFloat64() * float64(mean))
}

func agentID(i int) tsunagu.AgentID { return tsunagu.AgentID("a" + strconv.Itoa(i)) }
