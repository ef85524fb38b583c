package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"tsunagu"
	"tsunagu/floor"
)

// FloorBoard is the live picture of the floor (floor.Board): figures folded from
// the event log on the server, so every supervisor's console and the floor
// display show the same numbers by the same rules.
type FloorBoard interface {
	// Snapshot returns the tenant's floor at now including every event up
	// to at least after, waiting for that until ctx ends.
	Snapshot(ctx context.Context, tenant tsunagu.TenantID, after int64, now time.Time) (floor.Snapshot, error)
}

// floorWait bounds how long GET /floor?after= waits for the board to reach
// the event the screen saw; the board applies events within milliseconds of
// their commit, so reaching the limit means it is stuck, and the answer is
// then the board as it stands (its seq says how far it got).
const floorWait = 2 * time.Second

// getFloor serves the supervisor console's and the floor display's figures.
// A screen follows the event stream and, when a floor event arrives, asks
// again with ?after= that event's seq, so the answer includes it.
func (s *Server) getFloor(w http.ResponseWriter, r *http.Request) error {
	if s.floorBoard == nil {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "The floor figures are not running on this server.")
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return tsunagu.FieldError("after", "after must be a sequence number ≥ 0.")
		}
		after = n
	}
	p := principal(r)
	ctx, cancel := context.WithTimeout(r.Context(), floorWait)
	defer cancel()
	snap, err := s.floorBoard.Snapshot(ctx, p.TenantID, after, s.now())
	if err == context.DeadlineExceeded && r.Context().Err() == nil {
		s.log.WarnContext(r.Context(), "floor: board behind the log", "after", after)
		snap, err = s.floorBoard.Snapshot(r.Context(), p.TenantID, 0, s.now())
	}
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, snap)
}
