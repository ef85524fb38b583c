package sqlbench

import (
	"database/sql"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"tsunagu"
	"tsunagu/acd"
)

var base = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// population is one synthetic center shared by both sides: agents with 4
// skills (levels 1..5), queues requiring one skill at level 1..3.
type population struct {
	agentSkills []map[int]int
	queueSkill  []int
	queueLevel  []int
}

func newPopulation(agents, queues, skills int) population {
	r := rand.New(rand.NewPCG(1, 2))
	p := population{}
	for i := range queues {
		p.queueSkill = append(p.queueSkill, i%skills)
		p.queueLevel = append(p.queueLevel, 1+i/skills%3)
	}
	for range agents {
		sk := map[int]int{}
		for len(sk) < 4 {
			sk[r.IntN(skills)] = 1 + r.IntN(5)
		}
		p.agentSkills = append(p.agentSkills, sk)
	}
	return p
}

// router is one side of the comparison: route a contact arriving in queue q
// to the longest-idle available agent with the skill (reserving them), or
// -1; settle does the untimed bookkeeping after a decision (the engine's
// agent answers); free makes an agent available again.
type router interface {
	route(tb testing.TB, q int) int
	settle(tb testing.TB)
	free(tb testing.TB, agent int)
}

type engineSide struct {
	e       *acd.Engine
	now     time.Time
	n       int
	byAgnt  map[int]tsunagu.ContactID
	pending []acd.Decision
	ids     []tsunagu.ContactID // pre-built contact IDs, so the timed part does not format them
}

func newEngineSide(tb testing.TB, p population) *engineSide {
	s := &engineSide{e: acd.New(acd.Config{ExplainRunnersUp: -1}), now: base, byAgnt: map[int]tsunagu.ContactID{}}
	for i := range p.queueSkill {
		if _, err := s.e.SetQueue(s.now, acd.QueueConfig{ID: tsunagu.QueueID("q" + strconv.Itoa(i)),
			Skills: map[tsunagu.SkillID]int{tsunagu.SkillID("s" + strconv.Itoa(p.queueSkill[i])): p.queueLevel[i]}}); err != nil {
			tb.Fatal(err)
		}
	}
	for i, sk := range p.agentSkills {
		m := map[tsunagu.SkillID]int{}
		for s, l := range sk {
			m[tsunagu.SkillID("s"+strconv.Itoa(s))] = l
		}
		id := tsunagu.AgentID(strconv.Itoa(i))
		s.e.Login(s.now, acd.AgentSpec{ID: id, Skills: m})
		s.now = s.now.Add(time.Millisecond)
		s.e.Ready(s.now, id)
	}
	return s
}

var queueIDs = func() (ids []tsunagu.QueueID) {
	for i := range 1000 {
		ids = append(ids, tsunagu.QueueID("q"+strconv.Itoa(i)))
	}
	return ids
}()

func (s *engineSide) route(tb testing.TB, q int) int {
	s.n++
	s.now = s.now.Add(time.Millisecond)
	for len(s.ids) <= s.n {
		s.ids = append(s.ids, tsunagu.ContactID("c"+strconv.Itoa(len(s.ids))))
	}
	ds, err := s.e.Queue(s.now, acd.ContactSpec{ID: s.ids[s.n], Queue: queueIDs[q]})
	if err != nil {
		tb.Fatal(err)
	}
	s.pending = append(s.pending[:0], ds...)
	if len(ds) == 1 && ds[0].Kind == acd.DecisionOffer {
		a, _ := strconv.Atoi(string(ds[0].Agent))
		return a
	}
	return -1
}

func (s *engineSide) settle(tb testing.TB) {
	id := s.ids[s.n]
	if len(s.pending) == 1 && s.pending[0].Kind == acd.DecisionOffer {
		if _, err := s.e.Accept(s.now, id, s.pending[0].Agent); err != nil {
			tb.Fatal(err)
		}
		a, _ := strconv.Atoi(string(s.pending[0].Agent))
		s.byAgnt[a] = id
		return
	}
	s.e.Abandon(s.now, id) // nobody free with the skill: drop it, like the SQL side
}

func (s *engineSide) free(tb testing.TB, a int) {
	s.now = s.now.Add(time.Millisecond)
	if _, err := s.e.End(s.now, s.byAgnt[a]); err != nil {
		tb.Fatal(err)
	}
	delete(s.byAgnt, a)
}

// sqlSide keeps agents in tables and decides with one indexed query plus an
// update in a transaction, on a WAL database with one connection: the best
// case for the SQL design (no network, no contention).
type sqlSide struct {
	db    *sql.DB
	pick  *sql.Stmt
	clock int64
}

func newSQLSide(tb testing.TB, p population) *sqlSide {
	db, err := sql.Open("sqlite", "file:"+tb.TempDir()+"/acd.db?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE agents (id INTEGER PRIMARY KEY, state TEXT NOT NULL, idle_since INTEGER NOT NULL)`,
		`CREATE TABLE agent_skills (agent_id INTEGER NOT NULL, skill INTEGER NOT NULL, level INTEGER NOT NULL, PRIMARY KEY (skill, agent_id))`,
		`CREATE TABLE queues (id INTEGER PRIMARY KEY, skill INTEGER NOT NULL, min_level INTEGER NOT NULL)`,
		`CREATE INDEX agents_state_idle ON agents (state, idle_since)`,
	} {
		if _, err := db.Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
	tx, _ := db.Begin()
	for i := range p.queueSkill {
		tx.Exec(`INSERT INTO queues VALUES (?, ?, ?)`, i, p.queueSkill[i], p.queueLevel[i])
	}
	for i, sk := range p.agentSkills {
		tx.Exec(`INSERT INTO agents VALUES (?, 'available', ?)`, i, i)
		for s, l := range sk {
			tx.Exec(`INSERT INTO agent_skills VALUES (?, ?, ?)`, i, s, l)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	pick, err := db.Prepare(`SELECT a.id FROM queues q
		JOIN agent_skills s ON s.skill = q.skill AND s.level >= q.min_level
		JOIN agents a ON a.id = s.agent_id
		WHERE q.id = ? AND a.state = 'available'
		ORDER BY a.idle_since, a.id LIMIT 1`)
	if err != nil {
		tb.Fatal(err)
	}
	return &sqlSide{db: db, pick: pick, clock: int64(len(p.agentSkills))}
}

func (s *sqlSide) route(tb testing.TB, q int) int {
	tx, err := s.db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	id := -1
	switch err := tx.Stmt(s.pick).QueryRow(q).Scan(&id); err {
	case nil:
		if _, err := tx.Exec(`UPDATE agents SET state = 'busy' WHERE id = ?`, id); err != nil {
			tb.Fatal(err)
		}
	case sql.ErrNoRows:
	default:
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return id
}

func (s *sqlSide) settle(testing.TB) {}

func (s *sqlSide) free(tb testing.TB, a int) {
	s.clock++
	if _, err := s.db.Exec(`UPDATE agents SET state = 'available', idle_since = ? WHERE id = ?`, s.clock, a); err != nil {
		tb.Fatal(err)
	}
}

// load drives r: arrivals until half the agents are busy, then n rounds of
// one timed arrival and one freed agent. It returns the chosen agents and the
// latencies of the timed decisions.
func load(tb testing.TB, r router, agents, queues, n int) ([]int, []time.Duration) {
	rng := rand.New(rand.NewPCG(3, 4))
	var busy, chosen []int
	for len(busy) < agents/2 {
		a := r.route(tb, rng.IntN(queues))
		r.settle(tb)
		if a >= 0 {
			busy = append(busy, a)
		}
	}
	lat := make([]time.Duration, 0, n)
	for range n {
		q := rng.IntN(queues)
		t0 := time.Now()
		a := r.route(tb, q)
		lat = append(lat, time.Since(t0))
		r.settle(tb)
		chosen = append(chosen, a)
		if a >= 0 {
			busy = append(busy, a)
		}
		i := rng.IntN(len(busy))
		r.free(tb, busy[i])
		busy[i] = busy[len(busy)-1]
		busy = busy[:len(busy)-1]
	}
	return chosen, lat
}

// BenchmarkDecision: with 10,000 agents (half busy), 500 queues and 100
// skills, a contact arrives in a random queue and is given to the
// longest-idle available agent with the skill; then a busy agent is freed
// to keep the balance. Only the decision (choose + reserve) is in the
// reported percentiles; ns/op includes the freeing.
func BenchmarkDecision(b *testing.B) {
	p := newPopulation(10_000, 500, 100)
	for _, side := range []struct {
		name string
		new  func(testing.TB, population) router
	}{
		{"engine", func(tb testing.TB, p population) router { return newEngineSide(tb, p) }},
		{"sqlite", func(tb testing.TB, p population) router { return newSQLSide(tb, p) }},
	} {
		b.Run(side.name, func(b *testing.B) {
			r := side.new(b, p)
			b.ResetTimer()
			_, lat := load(b, r, 10_000, 500, b.N)
			b.StopTimer()
			slices.Sort(lat)
			q := func(f float64) float64 { return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Nanoseconds()) }
			b.ReportMetric(q(0.5), "p50-ns")
			b.ReportMetric(q(0.99), "p99-ns")
		})
	}
}

// TestSameDecision checks that both sides choose the same agent for the same
// arrivals, so that the benchmark compares like with like.
func TestSameDecision(t *testing.T) {
	p := newPopulation(300, 30, 10)
	a, _ := load(t, newEngineSide(t, p), 300, 30, 2000)
	b, _ := load(t, newSQLSide(t, p), 300, 30, 2000)
	routed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("decision %d: engine chose %d, SQL chose %d", i, a[i], b[i])
		}
		if a[i] >= 0 {
			routed++
		}
	}
	if routed < 1000 {
		t.Errorf("only %d of 2000 contacts routed; the comparison is too thin", routed)
	}
}
