package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"tsunagu"
)

// catchUpPage is how many events one store read returns while catching up.
const catchUpPage = 500

// streamPing is how often an idle stream is pinged and its login re-checked,
// so a logged-out or disabled user's stream ends within this time.
const streamPing = 30 * time.Second

// EventPage is the JSON (non-WebSocket) answer of GET /api/v1/events.
// LastSeq is where to continue (?since=LastSeq) even when events the caller
// may not see were skipped.
type EventPage struct {
	Events  []tsunagu.Event `json:"events"`
	LastSeq int64           `json:"last_seq"`
}

// events serves the event log to the caller: as a WebSocket that first
// replays events after ?since= from the store, then follows the bus live, or,
// without an Upgrade header, as one JSON page. Without ?since= a stream starts
// at the present.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return tsunagu.FieldError("since", "since must be a sequence number ≥ 0.")
		}
		since = n
	} else {
		n, err := s.store.LastSeq(r.Context())
		if err != nil {
			return err
		}
		since = n
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return s.eventPage(w, r, p, since)
	}
	// Accept checks that the Origin matches the Host: another site's page
	// cannot open a stream with the user's cookie.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		s.log.DebugContext(r.Context(), "websocket accept", "err", err)
		return nil // Accept has answered the request
	}
	defer c.CloseNow()
	s.streams.Add(1)
	defer s.streams.Done()
	s.metrics.streams.Inc()
	defer s.metrics.streams.Dec()
	ctx := c.CloseRead(r.Context()) // we only send; this handles pings and close frames
	err = s.stream(ctx, r, c, p, since)
	var ce websocket.CloseError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.As(err, &ce):
		c.Close(websocket.StatusNormalClosure, "")
	case tsunagu.ErrorCode(err) == tsunagu.EUNAUTHORIZED:
		c.Close(websocket.StatusPolicyViolation, tsunagu.ErrorMessage(err))
	default:
		s.log.WarnContext(ctx, "event stream ended", "user", p.Username, "err", err)
		c.Close(websocket.StatusInternalError, "stream error; reconnect with ?since=")
	}
	return nil
}

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request, p *tsunagu.Principal, since int64) error {
	limit := catchUpPage
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return tsunagu.FieldError("limit", "limit must be 1–5000.")
		}
		limit = n
	}
	evs, err := s.store.ListEvents(r.Context(), p.TenantID, since, limit)
	if err != nil {
		return err
	}
	out := EventPage{Events: []tsunagu.Event{}, LastSeq: since}
	for _, e := range evs {
		if e.Visible(p) {
			out.Events = append(out.Events, e)
		}
		out.LastSeq = e.Seq
	}
	return reply(w, http.StatusOK, out)
}

// stream sends the caller's events after since, in order, each once. It
// subscribes to the server's hub (the bus, fanned out) before reading the
// store so nothing falls between the two, and drops duplicates by sequence.
// When the hub drops it for being slow, it catches up from the store again:
// the log is the truth, the bus only a hint that there is more.
func (s *Server) stream(ctx context.Context, r *http.Request, c *websocket.Conn, p *tsunagu.Principal, since int64) error {
	last := since
	write := func(b []byte) error {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := c.Write(wctx, websocket.MessageText, b); err != nil {
			return err
		}
		s.metrics.eventsSent.Inc()
		return nil
	}
	// send is for events read from the store, checked and encoded here.
	send := func(e tsunagu.Event) error {
		if e.Seq <= last || e.TenantID != p.TenantID {
			return nil
		}
		last = e.Seq
		if !e.Visible(p) {
			return nil
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return write(b)
	}
	// sendFrame is for live events: the hub has checked and encoded them.
	sendFrame := func(f *frame) error {
		if f.seq == 0 {
			return write(f.data) // queue tiles: not from the log
		}
		if f.seq <= last {
			return nil
		}
		last = f.seq
		if f.err != nil {
			return f.err
		}
		return write(f.data)
	}
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		live, cancel := s.hub.subscribe(p)
		for {
			evs, err := s.store.ListEvents(ctx, p.TenantID, last, catchUpPage)
			if err != nil {
				cancel()
				return err
			}
			for _, e := range evs {
				if err := send(e); err != nil {
					cancel()
					return err
				}
			}
			if len(evs) < catchUpPage {
				break
			}
		}
	follow:
		for {
			select {
			case <-ctx.Done():
				cancel()
				return ctx.Err()
			case f, ok := <-live:
				if !ok {
					break follow // dropped for lagging: catch up from the store
				}
				if err := sendFrame(f); err != nil {
					cancel()
					return err
				}
			case <-ping.C:
				if _, _, _, err := s.authenticate(r); err != nil {
					cancel()
					return err
				}
				pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
				err := c.Ping(pctx)
				pcancel()
				if err != nil {
					cancel()
					return err
				}
			}
		}
		cancel()
	}
}
