package sqlite_test

import (
	"context"
	"path/filepath"
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
