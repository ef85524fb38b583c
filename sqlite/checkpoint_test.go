package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// The writer never checkpoints inside a commit; the checkpointer folds the
// WAL beside it, so under steady writes the WAL is reused instead of
// growing with everything written.
func TestCheckpointer_KeepsWALSmall(t *testing.T) {
	every, backlog := checkpointEvery, walBacklog
	checkpointEvery, walBacklog = 5*time.Millisecond, 500
	t.Cleanup(func() { checkpointEvery, walBacklog = every, backlog })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tsunagu.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var auto int
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Errorf("the writer checkpoints every %d pages itself", auto)
	}

	// 2,000 commits of a few pages each: ~30 MB through the WAL.
	payload := map[string]string{"text": strings.Repeat("あ", 1500)}
	const commits = 2000
	for i := range commits {
		e := tsunagu.NewEvent("t", tsunagu.EventAgentStateChanged, time.Now(), payload)
		if err := db.AppendEvents(ctx, e); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if bound := int64(4 * walBacklog * 4096); st.Size() > bound {
		t.Errorf("WAL is %d KiB after %d commits, more than %d KiB: not checkpointed while writing", st.Size()/1024, commits, bound/1024)
	}
}
