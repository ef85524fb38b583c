package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
