package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/sqlite"
	"tsunagu/storetest"
)

// open returns a fresh store in a temp dir, closed when the test ends.
func open(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tsunagu.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tsunagu.Store { return open(t) })
}

// TestCallerIDLookup_UsesIndex checks the screen-pop query plan starts from
// the phone index rather than scanning customers: O(log n) at any size.
func TestCallerIDLookup_UsesIndex(t *testing.T) {
	db := open(t)
	plan, err := db.ExplainCallerID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(plan)
	if !strings.Contains(plan, "SEARCH p USING") && strings.Contains(plan, "number=?") || strings.Contains(plan, "SCAN") {
		t.Fatalf("caller-ID lookup plan does not start from the phone index:\n%s", plan)
	}
}

// TestGroupCommit_FailureIsolated runs many concurrent writes, a third of
// which fail inside their transaction (duplicate usernames), so groups mix
// failures and successes: each failure must undo only itself.
func TestGroupCommit_FailureIsolated(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "x"}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.LastSeq(ctx)
	const writers, each = 8, 30
	var wg sync.WaitGroup
	var ok, conflicts atomic.Int64
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Every third username is shared by all writers: only one wins.
				name := fmt.Sprintf("u%d-%d", w, i)
				if i%3 == 0 {
					name = fmt.Sprintf("shared-%d", i)
				}
				err := db.CreateUser(ctx, &tsunagu.User{TenantID: "t", Username: name, DisplayName: "x", Role: tsunagu.RoleAgent}, "h")
				switch tsunagu.ErrorCode(err) {
				case "":
					ok.Add(1)
				case tsunagu.ECONFLICT:
					conflicts.Add(1)
				default:
					t.Errorf("create %s: %v", name, err)
				}
			}
		}()
	}
	wg.Wait()
	wantOK := int64(writers*each - writers*each/3 + each/3)
	if ok.Load() != wantOK || conflicts.Load() != int64(writers*each)-wantOK {
		t.Fatalf("%d created, %d conflicts; want %d created", ok.Load(), conflicts.Load(), wantOK)
	}
	users, _, _ := db.ListUsers(ctx, "t", tsunagu.Page{Limit: 500})
	agents, _ := db.ListAgents(ctx, "t")
	evs, _ := db.ListEvents(ctx, "t", before, 10000)
	if int64(len(users)) != wantOK || int64(len(agents)) != wantOK || int64(len(evs)) != wantOK {
		t.Fatalf("%d users, %d agents, %d events; want %d of each: a failed write left rows or events behind",
			len(users), len(agents), len(evs), wantOK)
	}
}

// TestPublish_ForeignWrites: events another process appends to the same file
// (the CLI while the server runs) reach this process's subscribers, in
// sequence order, before this process's own later events.
func TestPublish_ForeignWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx := context.Background()
	server, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	got := make(chan tsunagu.Event, 100)
	server.SetPublish(func(evs ...tsunagu.Event) {
		for _, e := range evs {
			got <- e
		}
	})
	cli, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "from the CLI"}); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	// The server's own next write publishes the foreign event first.
	if err := server.AppendEvents(ctx, tsunagu.NewEvent("t", "test:own", time.Now(), nil)); err != nil {
		t.Fatal(err)
	}
	first, second := <-got, <-got
	if first.Type != tsunagu.EventTenantCreated || second.Type != "test:own" || second.Seq <= first.Seq {
		t.Fatalf("published %s(%d) then %s(%d)", first.Type, first.Seq, second.Type, second.Seq)
	}
	// An idle server finds foreign events by itself.
	cli, _ = sqlite.Open(ctx, path)
	if err := cli.AppendEvents(ctx, tsunagu.NewEvent("t", "test:foreign", time.Now(), nil)); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	select {
	case e := <-got:
		if e.Type != "test:foreign" {
			t.Fatalf("published %s", e.Type)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an idle server did not publish a foreign event within 10 s")
	}
}
