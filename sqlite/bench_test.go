package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"tsunagu"
)

func openBench(b *testing.B) *DB {
	b.Helper()
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.CreateTenant(context.Background(), &tsunagu.Tenant{ID: "t", Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkEventAppend measures the event log's write rate with one writer:
// one event per transaction (every agent state change is one), and batches
// of 100 (an import, or a busy moment's group of changes).
func BenchmarkEventAppend(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db := openBench(b)
			ctx := context.Background()
			evs := make([]tsunagu.Event, batch)
			for i := range evs {
				evs[i] = tsunagu.NewEvent("t", tsunagu.EventAgentStateChanged, time.Now(), map[string]string{"from": "available", "to": "on_contact"})
				evs[i].AgentID = "agt_01"
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				if err := db.AppendEvents(ctx, evs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkEventAppendConcurrent is the production shape: many goroutines
// (calls, agents' browsers) each appending one event per request, sharing the
// one writer through group commit.
func BenchmarkEventAppendConcurrent(b *testing.B) {
	for _, writers := range []int{8, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := openBench(b)
			ctx := context.Background()
			ev := tsunagu.NewEvent("t", tsunagu.EventAgentStateChanged, time.Now(), map[string]string{"from": "available", "to": "on_contact"})
			b.SetParallelism(writers / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.AppendEvents(ctx, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

var (
	millionOnce sync.Once
	millionDB   *DB
	millionNums []string
)

// millionCustomers builds, once per process, a store with 1,000,000
// customers (one mobile number each) by bulk insert.
func millionCustomers(b *testing.B) (*DB, []string) {
	millionOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tsunagu-bench-")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		db, err := Open(ctx, filepath.Join(dir, "million.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "bench"}); err != nil {
			b.Fatal(err)
		}
		const n = 1_000_000
		err = db.write(ctx, func(tx *tx) error {
			cs, err := tx.PrepareContext(ctx, `INSERT INTO customers(tenant_id, id, name, created_at, updated_at) VALUES ('t', ?, ?, 0, 0)`)
			if err != nil {
				return err
			}
			ps, err := tx.PrepareContext(ctx, `INSERT INTO customer_phones(tenant_id, customer_id, number, position) VALUES ('t', ?, ?, 0)`)
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				id := fmt.Sprintf("cus_%08d", i)
				num := fmt.Sprintf("+8190%08d", (i*7919)%100_000_000) // spread over the number space
				if _, err := cs.ExecContext(ctx, id, "顧客"); err != nil {
					return err
				}
				if _, err := ps.ExecContext(ctx, id, num); err != nil {
					return err
				}
				if i%1000 == 0 {
					millionNums = append(millionNums, num)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
		millionDB = db
	})
	if millionDB == nil {
		b.Fatal("setup failed earlier")
	}
	return millionDB, millionNums
}

// BenchmarkCallerIDLookup measures the screen pop's store read: the
// customer(s) for a caller's E.164 number among 1,000,000 customers.
func BenchmarkCallerIDLookup(b *testing.B) {
	db, nums := millionCustomers(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		cs, err := db.FindCustomersByPhone(ctx, "t", nums[i%len(nums)])
		lat = append(lat, time.Since(t0))
		if err != nil || len(cs) != 1 {
			b.Fatalf("lookup %s: %d customers, %v", nums[i%len(nums)], len(cs), err)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
