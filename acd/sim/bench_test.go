package sim

import (
	"strconv"
	"testing"
	"time"

	"tsunagu"
)

// dayConfig is a simulated day of about 1,000,000 contacts over 10 queues
// handled by 2,000 agents who each have 3 of the 10 skills: 155 s talk plus
// 10 s ACW is about 1,910 Erlangs, occupancy ≈ 0.95, so queues form and the
// agent path (choosing among waiting contacts) is exercised; 2-minute
// patience.
func dayConfig() Config {
	const queues = 10
	cfg := Config{Duration: 24 * time.Hour, Seed: 1}
	for i := range queues {
		cfg.Queues = append(cfg.Queues, QueueSpec{ID: tsunagu.QueueID("q" + strconv.Itoa(i)), Skill: tsunagu.SkillID("s" + strconv.Itoa(i)),
			Rate: 1e6 / 86400 / queues, AHT: 155 * time.Second, Patience: 2 * time.Minute, ACW: 10 * time.Second, SLThreshold: 20 * time.Second})
	}
	for i := range queues {
		var sk []tsunagu.SkillID
		for j := range 3 {
			sk = append(sk, tsunagu.SkillID("s"+strconv.Itoa((i+j)%queues)))
		}
		cfg.Agents = append(cfg.Agents, AgentGroup{Count: 200, Skills: sk})
	}
	return cfg
}

// BenchmarkSimulatedDay runs the day above through the real engine; the
// goal is under 15 s per day on a 2-core machine.
func BenchmarkSimulatedDay(b *testing.B) {
	cfg := dayConfig()
	for range b.N {
		t0 := time.Now()
		r, err := Run(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Total.Contacts), "contacts")
		b.ReportMetric(time.Since(t0).Seconds(), "s/day")
		b.ReportMetric(r.Total.ServiceLevel(), "SL")
		b.ReportMetric(r.Occupancy, "occupancy")
	}
}
