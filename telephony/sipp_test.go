package telephony_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/inmem"
	"tsunagu/sqlite"
	"tsunagu/telephony"
)

// These tests call a real telephony.Server with real sipp (Debian
// sip-tester) over loopback, on a real SQLite store, and assert what a
// supervisor would see: the contact's events.

const (
	tenant  tsunagu.TenantID = "t1"
	dialled                  = "0312345678"
	caller                   = "+819012345678" // the From user of the scenarios
)

type center struct {
	db     *sqlite.DB
	bus    *inmem.Bus
	srv    *telephony.Server
	stop   context.CancelFunc
	done   chan error
	events <-chan tsunagu.Event
}

// newCenter opens a store with the demo's menu on dialled (1 general,
// 2 tech, 3 billing; default general), a trunk allowing allow, and starts a
// server on a free loopback port.
func newCenter(t *testing.T, allow string, tweak func(*telephony.Config)) *center {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bus := &inmem.Bus{}
	db.SetPublish(bus.Publish)
	must(t, db.CreateTenant(ctx, &tsunagu.Tenant{ID: tenant, Name: "テスト", TimeZone: "Asia/Tokyo"}))
	for _, q := range []tsunagu.QueueID{"general", "tech", "billing"} {
		must(t, db.CreateQueue(ctx, &tsunagu.Queue{ID: q, TenantID: tenant, Name: string(q), NameEn: string(q), SLPercent: 80, SLSeconds: 20}))
	}
	must(t, db.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: tenant, ID: "trunk", Name: "test trunk", AllowedNets: []string{allow},
		Numbers: []tsunagu.DID{{Number: dialled, Greeting: "お電話ありがとうございます。", DefaultQueue: "general",
			Menu: []tsunagu.MenuOption{{Digit: "1", Label: "一般", QueueID: "general"}, {Digit: "2", Label: "技術", QueueID: "tech"},
				{Digit: "3", Label: "料金", QueueID: "billing"}}}}}))
	must(t, db.CreateCustomer(ctx, &tsunagu.Customer{TenantID: tenant, Name: "佐藤 花子", Phones: []tsunagu.Phone{{Number: "090-1234-5678"}}}))

	cfg := telephony.Config{Addr: "127.0.0.1:0", Store: db, MenuTimeout: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := telephony.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	events, unsub := bus.Subscribe(1024)
	t.Cleanup(unsub)
	runCtx, stop := context.WithCancel(context.Background())
	c := &center{db: db, bus: bus, srv: srv, stop: stop, done: make(chan error, 1), events: events}
	go func() { c.done <- srv.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return c
}

// until collects the events of one contact until one of type last, failing
// the test after a deadline.
func (c *center) until(t *testing.T, last tsunagu.EventType) []tsunagu.Event {
	t.Helper()
	var got []tsunagu.Event
	var contact tsunagu.ContactID
	deadline := time.After(25 * time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				t.Fatal("event subscription dropped")
			}
			if e.ContactID == "" || (contact != "" && e.ContactID != contact) {
				continue
			}
			contact = e.ContactID
			got = append(got, e)
			if e.Type == last {
				return got
			}
		case <-deadline:
			t.Fatalf("no %s event; got %v", last, types(got))
		}
	}
}

func types(es []tsunagu.Event) []tsunagu.EventType {
	var out []tsunagu.EventType
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

func payload(t *testing.T, e tsunagu.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sipp runs one sipp call with the scenario against the server and returns
// its error (nil when the scenario passed) and its message trace.
func sipp(t *testing.T, srv *telephony.Server, scenario, service string, extra ...string) (error, string) {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sipp is missing (scripts/test installs sip-tester)")
		}
		t.Skip("sipp not installed (Debian package sip-tester)")
	}
	dir := t.TempDir()
	// sipp's pcap paths are relative: play_pcap_audio="pcap/…".
	if err := os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")); err != nil {
		t.Fatal(err)
	}
	sf, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	msgs := filepath.Join(dir, "messages.log")
	args := append([]string{"-sf", sf, "-s", service,
		"-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp", false)), "-mp", fmt.Sprint(freePort(t, "udp", true)),
		"-nostdin", "-m", "1", "-timeout", "20s", "-timeout_error",
		"-trace_msg", "-message_file", msgs, "-trace_err", "-error_file", filepath.Join(dir, "errors.log")}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, srv.Addr().String())...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	trace, _ := os.ReadFile(msgs)
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		err = fmt.Errorf("sipp %s: %w\n%s", scenario, err, tail(string(out)+string(errs), 2000))
	}
	return err, string(trace)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// freePort finds a free loopback port (even, when RTP needs one). sipp
// needs a concrete port, and parallel tests must not share sipp's defaults.
func freePort(t *testing.T, network string, even bool) int {
	t.Helper()
	for range 50 {
		c, err := net.ListenPacket(network, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if !even || p%2 == 0 {
			// For RTP, the RTCP port (p+1) should be free too.
			if even {
				c2, err := net.ListenPacket(network, fmt.Sprintf("127.0.0.1:%d", p+1))
				if err != nil {
					continue
				}
				c2.Close()
			}
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}

func TestServer_Call(t *testing.T) {
	t.Parallel()
	t.Run("DTMF2ToTechThenAbandon", func(t *testing.T) {
		t.Parallel()
		c := newCenter(t, "127.0.0.1/32", nil)
		var sippErr error
		var trace string
		var wg sync.WaitGroup
		wg.Go(func() { sippErr, trace = sipp(t, c.srv, "uac_dtmf2.xml", dialled) })
		got := c.until(t, tsunagu.EventContactAbandoned)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr)
		}
		want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactIVRDone, tsunagu.EventContactQueued, tsunagu.EventContactAbandoned}
		if fmt.Sprint(types(got)) != fmt.Sprint(want) {
			t.Fatalf("events %v, want %v", types(got), want)
		}
		if p := payload(t, got[1]); p["choice"] != "2" || p["queue_id"] != "tech" {
			t.Errorf("ivr_done payload %v, want choice 2, queue tech", p)
		}
		if p := payload(t, got[2]); p["queue_id"] != "tech" {
			t.Errorf("queued payload %v", p)
		}
		if _, ok := payload(t, got[3])["wait_seconds"].(float64); !ok {
			t.Errorf("abandoned payload %v has no wait_seconds", payload(t, got[3]))
		}
		ct, err := c.db.FindContact(t.Context(), tenant, got[0].ContactID)
		must(t, err)
		if ct.State != tsunagu.ContactAbandoned || ct.QueueID != "tech" || ct.Number != caller || ct.CustomerID == "" ||
			ct.SIPCallID == "" || !strings.Contains(trace, "Call-ID: "+ct.SIPCallID) || ct.Direction != tsunagu.Inbound {
			t.Errorf("contact %+v", ct)
		}
		if !strings.Contains(trace, "SIP/2.0 100 Trying") || !strings.Contains(trace, "a=rtpmap:0 PCMU/8000") {
			t.Errorf("no 100 Trying or PCMU answer in sipp's trace:\n%s", tail(trace, 3000))
		}
	})
	t.Run("NoDigitToDefaultQueue", func(t *testing.T) {
		t.Parallel()
		c := newCenter(t, "127.0.0.0/8", nil)
		var sippErr error
		var trace string
		var wg sync.WaitGroup
		wg.Go(func() { sippErr, trace = sipp(t, c.srv, "uac_nodigit.xml", "+81312345678") })
		got := c.until(t, tsunagu.EventContactAbandoned)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr)
		}
		if len(got) != 4 {
			t.Fatalf("events %v", types(got))
		}
		if p := payload(t, got[1]); p["choice"] != "" || p["queue_id"] != "general" {
			t.Errorf("ivr_done payload %v, want the default queue", p)
		}
		// The caller offered PCMA first: the answer takes it.
		if !strings.Contains(trace, "RTP/AVP 8 101") {
			t.Errorf("answer did not choose PCMA:\n%s", tail(trace, 3000))
		}
	})
	t.Run("UnknownNumber404", func(t *testing.T) {
		t.Parallel()
		c := newCenter(t, "127.0.0.1/32", nil)
		err, trace := sipp(t, c.srv, "uac_reject.xml", "0398765432")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(trace, "SIP/2.0 404 Not Found") {
			t.Errorf("want 404:\n%s", tail(trace, 3000))
		}
	})
	t.Run("TCP", func(t *testing.T) {
		t.Parallel()
		c := newCenter(t, "127.0.0.1/32", nil)
		var sippErr error
		var trace string
		var wg sync.WaitGroup
		// -t t1: one TCP connection for the call (sipp's transport modes).
		wg.Go(func() { sippErr, trace = sipp(t, c.srv, "uac_dtmf2.xml", dialled, "-t", "t1") })
		got := c.until(t, tsunagu.EventContactAbandoned)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr)
		}
		if p := payload(t, got[1]); p["choice"] != "2" || p["queue_id"] != "tech" {
			t.Errorf("ivr_done payload %v", p)
		}
		if !strings.Contains(trace, "SIP/2.0/TCP") {
			t.Errorf("not over TCP:\n%s", tail(trace, 2000))
		}
	})
	t.Run("SourceNotAllowed403", func(t *testing.T) {
		t.Parallel()
		c := newCenter(t, "192.0.2.0/24", nil)
		err, trace := sipp(t, c.srv, "uac_reject.xml", dialled)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(trace, "SIP/2.0 403 Forbidden") {
			t.Errorf("want 403:\n%s", tail(trace, 3000))
		}
		// Nothing was created for a refused call.
		if cs, _, err := c.db.ListContacts(t.Context(), tenant, tsunagu.ContactFilter{}); err != nil || len(cs) != 0 {
			t.Errorf("contacts %v, %v", cs, err)
		}
	})
	for _, transport := range []string{"u1", "t1"} {
		t.Run("DrainRefusesThenHangsUp/"+transport, func(t *testing.T) {
			t.Parallel()
			c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) { cfg.DrainTimeout = 4 * time.Second })
			var sippErr error
			var wg sync.WaitGroup
			wg.Go(func() { sippErr, _ = sipp(t, c.srv, "uac_wait_bye.xml", dialled, "-t", transport) })
			c.until(t, tsunagu.EventContactQueued)
			c.stop()
			<-c.srv.Draining()
			err, trace := sipp(t, c.srv, "uac_reject.xml", dialled)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(trace, "SIP/2.0 503 Service Unavailable") || !strings.Contains(trace, "Retry-After: ") {
				t.Errorf("want 503 with Retry-After:\n%s", tail(trace, 3000))
			}
			got := c.until(t, tsunagu.EventContactEnded)
			wg.Wait()
			if sippErr != nil {
				t.Fatal(sippErr)
			}
			if p := payload(t, got[len(got)-1]); p["by"] != "system" {
				t.Errorf("ended payload %v", p)
			}
			select {
			case err := <-c.done:
				c.done <- err
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after the drain")
			}
		})
	}
}
