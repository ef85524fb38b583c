package sqlite

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"tsunagu"
)

// BenchmarkCountsSince measures today's counts as the desk's status bar
// (one agent) and the floor (every agent) ask for them: 200 agents, each
// with 60 contacts a day for the last eight days (96,000 contacts), a
// fifth of them conversions and a third with a thank-you.
func BenchmarkCountsSince(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	const agents, perDay, days = 200, 60, 8
	if err := db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "sale", Name: "成約", Conversion: true}); err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Now()
	today := tsunagu.DayStart(now, loc)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for a := 0; a < agents; a++ {
		for d := 0; d < days; d++ {
			day := today.AddDate(0, 0, -d)
			for i := 0; i < perDay; i++ {
				at := ms(day.Add(time.Duration(i) * 7 * time.Minute))
				disp := "solved"
				if n%5 == 0 {
					disp = "sale"
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO contacts(tenant_id, id, direction, state, agent_id, arrived_at, connected_at, wrapped_at,
					disposition_id, thank_you) VALUES ('t', ?, 'inbound', 'wrapped', ?, ?, ?, ?, ?, ?)`,
					fmt.Sprintf("con_%08d", n), fmt.Sprintf("agt_%03d", a), at, at, at+60000, disp, n%3 == 0); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		agent tsunagu.AgentID
		want  int
	}{{"agent", "agt_007", 1}, {"floor", "", agents}} {
		b.Run(c.name, func(b *testing.B) {
			// CPU time as well as wall time: on a shared machine the wall
			// time mostly measures waiting for a core.
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				cs, err := db.CountsSince(ctx, "t", today, c.agent)
				if err != nil || len(cs) != c.want || cs[0].Inbound == 0 {
					b.Fatalf("counts = %d rows, %v", len(cs), err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
