package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tsunagu"
	"tsunagu/inmem"
	"tsunagu/sqlite"
)

// The event-stream benchmark of issue 5: thousands of desks hold the
// WebSocket open while the floor's events are appended through the real
// store, and each desk's latency from append to receipt is measured.
//
//	go test ./httpapi/ -run '^$' -bench EventStream -benchtime 1x
//	TSUNAGU_WSBENCH_CLIENTS=5000 TSUNAGU_WSBENCH_EVENTS=300 TSUNAGU_WSBENCH_RATE=20 (the defaults)
//
// The server (SQLite store in a temp dir, inmem bus, this package's
// handler on a real 127.0.0.1 listener) runs in the benchmark's process; the
// clients run in a second process — this test binary started again with
// wsBenchChildEnv set, running TestWSBenchClients. Separate processes keep
// the clients' memory and goroutines out of the server's figures, and their
// garbage out of its GC; they still share the machine's two cores, so the
// latencies include the clients' CPU cost too (a pessimistic setup).
//
// Clients authenticate as desks do: 95% are agents with a session cookie
// (the session row written as login writes it — 5,000 argon2id logins would
// take minutes and trip the per-address login limit, and measure login, not
// streaming), 5% are supervisors with API tokens. Every stream is checked
// on connect and again at each 30 s ping, as in production.
//
// Modes (TSUNAGU_WSBENCH_MODE): broadcast — each event is queue:updated,
// which every desk on the floor sees (the worst case); private — each is a
// contact:offered to one agent, seen by that desk and the supervisors;
// floor — each "call" is a contact:offered and the agent's
// agent:state_changed (seen by that desk and the supervisors), while the
// server pushes the queue tiles (10 queues) to every desk every 2 s — what a
// busy floor sends. Events are appended with sqlite's AppendEvents (the same writer, group commit and
// publish as every store write), carrying its append start time in the
// payload. Latency = client's receive time − that time; both processes read
// the same system clock.
const wsBenchChildEnv = "TSUNAGU_WSBENCH_CHILD"

// wsBenchChild is what the client process is told (JSON in wsBenchChildEnv).
type wsBenchChild struct {
	URL     string `json:"url"`     // ws://127.0.0.1:PORT/api/v1/events?since=N
	Creds   string `json:"creds"`   // file: one "cookie SECRET" or "bearer SECRET" per line
	Expect  int    `json:"expect"`  // deliveries in all: done when the clients have them
	Timeout string `json:"timeout"` // give up after (counts as missing events)
}

// wsBenchResult is the client process's report (the line after RESULT).
type wsBenchResult struct {
	Clients  int     `json:"clients"`
	Received int     `json:"received"`
	Expected int     `json:"expected"`
	P50, P95 float64 // milliseconds
	P99, Max float64
	CPUms    float64 `json:"cpu_ms"` // the client process's CPU while events flowed
	// Tiles pushed (floor mode): deliveries and latency from the push's
	// time to receipt, milliseconds.
	Tiles            int
	TileP50, TileP99 float64
	TileMax          float64
	DialError        string `json:"dial_error,omitempty"`
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func BenchmarkEventStream(b *testing.B) {
	clients := envInt("TSUNAGU_WSBENCH_CLIENTS", 5000)
	events := envInt("TSUNAGU_WSBENCH_EVENTS", 300)
	rate := envInt("TSUNAGU_WSBENCH_RATE", 2)
	mode := os.Getenv("TSUNAGU_WSBENCH_MODE")
	switch mode {
	case "":
		mode = "broadcast"
	case "broadcast", "private", "floor":
	default:
		b.Fatalf("TSUNAGU_WSBENCH_MODE=%q: want broadcast, private or floor", mode)
	}
	for range b.N {
		runWSBench(b, clients, events, rate, mode)
	}
}

// memSnapshot is the server process's memory after a full GC.
type memSnapshot struct {
	heap, stack, rss int64
	goroutines       int
}

func snapshotMem(b *testing.B) memSnapshot {
	runtime.GC()
	debug.FreeOSMemory() // returns freed spans, so RSS tracks live memory
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSnapshot{heap: int64(ms.HeapInuse), stack: int64(ms.StackInuse), rss: rssBytes(b), goroutines: runtime.NumGoroutine()}
}

// rssBytes reads this process's resident set size.
func rssBytes(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runWSBench appends events at rate per second. Broadcast: each is a
// queue:updated, which every desk receives (the worst case). Private: each
// is a contact:offered to one agent, which that agent's desk and the
// supervisors receive (the ring; most of a center's events are like it).
// Floor: each is an offer and the agent's state change, and the tiles are
// pushed to every desk.
func runWSBench(b *testing.B, clients, events, rate int, mode string) {
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "t.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bus := &inmem.Bus{}
	db.SetPublish(bus.Publish)
	if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: "a", Name: "Center a"}); err != nil {
		b.Fatal(err)
	}
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	creds, agents := wsBenchUsers(b, ctx, db, clients, hash)
	expect := events * clients
	switch mode {
	case "private":
		expect = events * (1 + clients - len(agents)) // the agent and every supervisor
	case "floor":
		expect = 2 * events * (1 + clients - len(agents))
		for i := range 10 {
			q := &tsunagu.Queue{ID: tsunagu.QueueID(fmt.Sprintf("q%02d", i)), TenantID: "a", Name: fmt.Sprintf("窓口 %d", i), NameEn: fmt.Sprintf("Desk %d", i), SLPercent: 80, SLSeconds: 20}
			if err := db.CreateQueue(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	credFile := filepath.Join(dir, "creds")
	if err := os.WriteFile(credFile, []byte(strings.Join(creds, "\n")+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}

	api := New(Config{Store: db, Bus: bus, Log: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	base, cancelBase := context.WithCancel(ctx)
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return base }}
	go srv.Serve(ln)
	defer func() {
		cancelBase()
		srv.Close()
		api.Wait()
	}()
	since, err := db.LastSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	before := snapshotMem(b)

	spec, _ := json.Marshal(wsBenchChild{URL: fmt.Sprintf("ws://%s/api/v1/events?since=%d", ln.Addr(), since), Creds: credFile,
		Expect: expect, Timeout: (time.Duration(events/rate)*time.Second + 2*time.Minute).String()})
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	child := exec.CommandContext(ctx, exe, "-test.run=^TestWSBenchClients$", "-test.count=1", "-test.timeout=30m")
	child.Env = append(os.Environ(), wsBenchChildEnv+"="+string(spec))
	var childErr strings.Builder
	child.Stderr = &childErr
	out, err := child.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer child.Process.Kill()
	lines := bufio.NewScanner(out)
	lines.Buffer(make([]byte, 1<<16), 1<<20)
	waitLine := func(prefix string) string {
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(strings.TrimPrefix(l, prefix))
			}
		}
		child.Wait()
		b.Fatalf("the client process never printed %s: %s", prefix, childErr.String())
		return ""
	}
	connectStart := time.Now()
	if got := waitLine("READY"); got != strconv.Itoa(clients) {
		b.Fatalf("client process: %s", got)
	}
	// Every stream has subscribed to the bus (it does so after the
	// handshake the client saw): the server holds them all, idle.
	deadline := time.Now().Add(2 * time.Minute)
	poll := time.NewTicker(10 * time.Millisecond)
	for api.hub.count() < clients {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d streams subscribed", api.hub.count(), clients)
		}
		<-poll.C
	}
	poll.Stop()
	connectTook := time.Since(connectStart)
	idle := snapshotMem(b)

	// The floor's events, one every 1/rate seconds, through the store.
	b.StartTimer()
	cpu0, wall0 := cpuTime(), time.Now()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for n := range events {
		<-tick.C
		t0 := time.Now()
		agent := agents[n%len(agents)]
		payload, _ := json.Marshal(map[string]any{"fields": []string{"name"}, "bench_t0": t0.UnixNano(), "bench_n": n})
		evs := []tsunagu.Event{{TenantID: "a", Type: tsunagu.EventQueueUpdated, Time: t0, Subject: "q00", Payload: payload}}
		if mode != "broadcast" {
			payload, _ = json.Marshal(map[string]any{"agent_id": agent, "queue_id": "q00", "bench_t0": t0.UnixNano(), "bench_n": n})
			evs = []tsunagu.Event{{TenantID: "a", Type: tsunagu.EventContactOffered, Time: t0, AgentID: agent, ContactID: tsunagu.ContactID(fmt.Sprintf("con_bench%06d", n)), Payload: payload}}
		}
		if mode == "floor" {
			payload, _ = json.Marshal(map[string]any{"from": "available", "to": "reserved", "bench_t0": t0.UnixNano(), "bench_n": n})
			evs = append(evs, tsunagu.Event{TenantID: "a", Type: tsunagu.EventAgentStateChanged, Time: t0, AgentID: agent, Payload: payload})
		}
		if err := db.AppendEvents(ctx, evs...); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()
	publishTook := time.Since(wall0)
	var res wsBenchResult
	if err := json.Unmarshal([]byte(waitLine("RESULT")), &res); err != nil {
		b.Fatal(err)
	}
	serverCPU, flowTook := cpuTime()-cpu0, time.Since(wall0)
	b.StopTimer()
	if res.DialError != "" || res.Received != res.Expected {
		b.Fatalf("clients received %d of %d events (%s)", res.Received, res.Expected, res.DialError)
	}
	per := func(v int64) float64 { return float64(v) / float64(clients) }
	b.ReportMetric(res.P50, "p50-ms")
	b.ReportMetric(res.P95, "p95-ms")
	b.ReportMetric(res.P99, "p99-ms")
	b.ReportMetric(res.Max, "max-ms")
	b.ReportMetric(per(idle.heap-before.heap), "heap-B/conn")
	b.ReportMetric(per(idle.stack-before.stack), "stack-B/conn")
	b.ReportMetric(per(idle.rss-before.rss), "rss-B/conn")
	b.ReportMetric(per(int64(idle.goroutines-before.goroutines)), "goroutines/conn")
	b.ReportMetric(float64(serverCPU.Microseconds())/float64(res.Received+res.Tiles), "server-cpu-us/delivery")
	b.ReportMetric(serverCPU.Seconds()/flowTook.Seconds(), "server-cores")
	b.ReportMetric(res.CPUms*1000/float64(res.Received+res.Tiles), "client-cpu-us/delivery")
	if mode == "floor" {
		b.ReportMetric(float64(res.Tiles), "tiles-delivered")
		b.ReportMetric(res.TileP50, "tiles-p50-ms")
		b.ReportMetric(res.TileP99, "tiles-p99-ms")
		b.ReportMetric(res.TileMax, "tiles-max-ms")
	}
	b.Logf("%d clients connected in %v; %d events in %v (%.1f/s); %d deliveries; server heap %d MB → %d MB, RSS %d MB → %d MB, goroutines %d → %d",
		clients, connectTook.Round(time.Millisecond), events, publishTook.Round(time.Millisecond), float64(events)/publishTook.Seconds(),
		res.Received, before.heap>>20, idle.heap>>20, before.rss>>20, idle.rss>>20, before.goroutines, idle.goroutines)
	io.Copy(io.Discard, out)
	child.Wait()
}

// wsBenchUsers creates the clients' users and their credentials: agents
// with a session (as login stores it), every 20th a supervisor's API token.
// It returns the credential lines and the agents' IDs.
func wsBenchUsers(b *testing.B, ctx context.Context, db *sqlite.DB, n int, hash string) ([]string, []tsunagu.AgentID) {
	creds := make([]string, n)
	agentOf := make([]tsunagu.AgentID, n)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	next := atomic.Int64{}
	for range 32 { // concurrent writers: group commit takes them together
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				role := tsunagu.RoleAgent
				if i%20 == 19 {
					role = tsunagu.RoleSupervisor
				}
				u := &tsunagu.User{TenantID: "a", Username: fmt.Sprintf("u%05d", i), DisplayName: fmt.Sprintf("User %d", i), Role: role}
				err := db.CreateUser(ctx, u, hash)
				secret := newSecret()
				if err == nil && role == tsunagu.RoleAgent {
					now := time.Now()
					err = db.CreateSession(ctx, &tsunagu.Session{TokenHash: hashSecret(secret), CSRFToken: newSecret(), TenantID: "a", UserID: u.ID,
						CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)})
					creds[i], agentOf[i] = "cookie "+secret, u.AgentID
				} else if err == nil {
					err = db.CreateToken(ctx, &tsunagu.Token{TenantID: "a", UserID: u.ID, Name: "wall board " + u.Username, Role: role, Hash: hashSecret(secret)})
					creds[i] = "bearer " + secret
				}
				if err != nil {
					failed.Store(&err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	var agents []tsunagu.AgentID
	for _, a := range agentOf {
		if a != "" {
			agents = append(agents, a)
		}
	}
	return creds, agents
}

// TestWSBenchClients is the benchmark's client process; it does nothing
// unless BenchmarkEventStream started it (the os/exec helper-process idiom).
func TestWSBenchClients(t *testing.T) {
	raw := os.Getenv(wsBenchChildEnv)
	if raw == "" {
		t.Skip("the client side of BenchmarkEventStream")
	}
	var spec wsBenchChild
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	timeout, err := time.ParseDuration(spec.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	credRaw, err := os.ReadFile(spec.Creds)
	if err != nil {
		t.Fatal(err)
	}
	creds := strings.Fields(strings.ReplaceAll(string(credRaw), "\n", " "))
	n := len(creds) / 2
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	report := func(r wsBenchResult) {
		out, _ := json.Marshal(r)
		fmt.Printf("RESULT %s\n", out)
	}

	// Connect everyone, 64 handshakes at a time.
	conns := make([]*websocket.Conn, n)
	var dialErr atomic.Pointer[error]
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || dialErr.Load() != nil {
					return
				}
				h := http.Header{}
				if creds[2*i] == "cookie" {
					h.Set("Cookie", sessionCookie+"="+creds[2*i+1])
				} else {
					h.Set("Authorization", "Bearer "+creds[2*i+1])
				}
				c, _, err := websocket.Dial(ctx, spec.URL, &websocket.DialOptions{HTTPHeader: h})
				if err != nil {
					err = fmt.Errorf("client %d: %w", i, err)
					dialErr.Store(&err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	if err := dialErr.Load(); err != nil {
		report(wsBenchResult{Clients: n, DialError: (*err).Error()})
		return
	}
	fmt.Printf("READY %d\n", n)

	// Each client reads until the clients together have every delivery;
	// latencies in µs.
	lat := make([][]int32, n)
	tileLat := make([][]int32, n)
	var got atomic.Int64
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	cpu0 := cpuTime()
	for i, c := range conns {
		wg.Go(func() {
			for {
				_, msg, err := c.Read(readCtx)
				if err != nil {
					return
				}
				at := time.Now().UnixNano()
				var e struct {
					Type    string    `json:"type"`
					Time    time.Time `json:"time"`
					Payload struct {
						T0 int64 `json:"bench_t0"`
					} `json:"payload"`
				}
				if json.Unmarshal(msg, &e) == nil && e.Type == TileType {
					tileLat[i] = append(tileLat[i], int32((at-e.Time.UnixNano())/1000))
					continue
				}
				if e.Payload.T0 > 0 {
					lat[i] = append(lat[i], int32((at-e.Payload.T0)/1000))
					if got.Add(1) == int64(spec.Expect) {
						stop()
					}
				}
			}
		})
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	var all, tiles []int32
	for i, l := range lat {
		all = append(all, l...)
		tiles = append(tiles, tileLat[i]...)
	}
	slices.Sort(all)
	slices.Sort(tiles)
	pctOf := func(xs []int32, p float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		i := int(math.Ceil(p*float64(len(xs)))) - 1 // nearest rank
		return float64(xs[max(0, min(len(xs)-1, i))]) / 1000
	}
	pct := func(p float64) float64 { return pctOf(all, p) }
	for _, c := range conns {
		c.CloseNow()
	}
	report(wsBenchResult{Clients: n, Received: len(all), Expected: spec.Expect,
		P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Max: pct(1), CPUms: float64(cpu.Milliseconds()),
		Tiles: len(tiles), TileP50: pctOf(tiles, 0.50), TileP99: pctOf(tiles, 0.99), TileMax: pctOf(tiles, 1)})
}
