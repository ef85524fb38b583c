package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/sqlite"
)

// server is the real program serving on 127.0.0.1:0 in this process.
type server struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	out    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBound is how long a test waits for serve to be ready: seeding the
// demo with the race detector on a loaded 2-core machine has taken over 30 s.
const startBound = 90 * time.Second

func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeLogged(t, io.Discard, append([]string{"--log-level", "warn"}, args...)...)
}

// startServeLogged is startServe keeping serve's log in logs.
func startServeLogged(t *testing.T, logs io.Writer, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cancel: cancel, done: make(chan error, 1), out: &syncBuffer{}}
	ready := make(chan string, 1)
	go func() {
		s.done <- runServe(ctx, append([]string{"--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"}, args...), s.out, logs,
			func(addr string) { ready <- addr })
	}()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(startBound):
		t.Fatalf("serve did not start in %s", startBound)
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// stop cancels serve, as Ctrl-C does, and returns its error.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- nil // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop in 30 s")
	}
	return nil
}

type httpClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func login(t *testing.T, base, user, pw string) *httpClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	// Generous: the first knowledge search waits for the index build (the
	// Japanese dictionary loads once, slowly under the race detector).
	h := &httpClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 90 * time.Second}}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if code := h.call("POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw), &me); code != 200 {
		t.Fatalf("login %s: %d", user, code)
	}
	h.csrf = me.CSRFToken
	return h
}

func (h *httpClient) call(method, path, body string, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.base+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-CSRF-Token", h.csrf)
	res, err := h.c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// TestServe_Demo runs the README's command: a demo center a newcomer can log
// in to, that a second start reuses without duplicates.
func TestServe_Demo(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, "--data", data, "--demo")
	out := s.out.String()
	for _, want := range []string{"デモコールセンター (created)", "tsunagu-demo", "op01–op20", "0312345678"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	op := login(t, s.url, "op01", demoPassword)
	var queues struct{ Items []tsunagu.Queue }
	op.call("GET", "/api/v1/queues", "", &queues)
	var names []string
	for _, q := range queues.Items {
		names = append(names, q.DTMF+"="+q.Name)
	}
	if got := strings.Join(names, ","); got != "1=一般のお問い合わせ,2=技術サポート,3=料金・解約" {
		t.Fatalf("queues = %s", got)
	}
	var found struct{ Items []tsunagu.Customer }
	op.call("GET", "/api/v1/customers?phone=090-1234-5678", "", &found)
	if len(found.Items) != 1 || !strings.HasPrefix(found.Items[0].Name, "山田") {
		t.Fatalf("caller-ID lookup of the demo caller = %+v", found.Items)
	}
	var history struct{ Items []tsunagu.Contact }
	op.call("GET", "/api/v1/contacts?customer_id="+string(found.Items[0].ID), "", &history)
	if len(history.Items) == 0 {
		t.Fatal("the demo caller has no history")
	}
	// The knowledge base answers what an operator types on hold.
	var kbres struct {
		Results []struct{ ID, Title string }
	}
	op.call("GET", "/api/v1/kb/search?q=%E3%83%91%E3%82%B9%E3%83%AF%E3%83%BC%E3%83%89%E5%BF%98%E3%82%8C%E3%81%9F", "", &kbres) // パスワード忘れた
	if len(kbres.Results) == 0 || !strings.Contains(kbres.Results[0].Title, "パスワード") {
		t.Fatalf("demo knowledge search = %+v", kbres.Results)
	}
	for _, u := range []string{"sv01", "sv03", "op20"} {
		login(t, s.url, u, demoPassword)
	}
	admin := login(t, s.url, "admin", demoPassword)
	var trunks struct{ Items []tsunagu.Trunk }
	admin.call("GET", "/api/v1/trunks", "", &trunks)
	if len(trunks.Items) != 1 || trunks.Items[0].AllowedNets[0] != "127.0.0.1/32" || trunks.Items[0].Numbers[0].Number != "+81312345678" ||
		len(trunks.Items[0].Numbers[0].Menu) != 3 || trunks.Items[0].Numbers[0].Menu[2].QueueID != "billing" {
		t.Fatalf("demo trunk = %+v", trunks.Items)
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
	counts := func() (users, customers int) {
		db, err := sqlite.Open(context.Background(), filepath.Join(data, "tsunagu.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		us, _, _ := db.ListUsers(context.Background(), demoTenant, tsunagu.Page{Limit: 500})
		cs, _, _ := db.ListCustomers(context.Background(), demoTenant, tsunagu.Page{Limit: 500})
		return len(us), len(cs)
	}
	u1, c1 := counts()
	if u1 != 24 || c1 != 200 {
		t.Fatalf("demo has %d users and %d customers, want 24 and 200", u1, c1)
	}
	s2 := startServe(t, "--data", data, "--demo")
	if !strings.Contains(s2.out.String(), "(reused)") {
		t.Fatalf("second start did not reuse the demo:\n%s", s2.out.String())
	}
	if err := s2.stop(t); err != nil {
		t.Fatal(err)
	}
	if u2, c2 := counts(); u2 != u1 || c2 != c1 {
		t.Fatalf("second start duplicated: %d users, %d customers", u2, c2)
	}
}

// TestServe_GracefulShutdown stops the server while agents keep changing
// state, then checks the database: intact, and every agent's stored state is
// the one its last agent:state_changed event says.
func TestServe_GracefulShutdown(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, "--data", data, "--demo")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var changes atomic.Int64
	enough := make(chan struct{})
	var once sync.Once
	for i := 1; i <= 4; i++ {
		op := login(t, s.url, fmt.Sprintf("op%02d", i), demoPassword)
		wg.Add(1)
		go func() {
			defer wg.Done()
			states := []string{`{"state":"available"}`, `{"state":"not_ready","reason":"break"}`}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("PUT", op.base+"/api/v1/me/state", strings.NewReader(states[n%2]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", op.csrf)
				res, err := op.c.Do(req)
				if err != nil {
					return // the server has gone: expected during shutdown
				}
				res.Body.Close()
				if res.StatusCode == 200 && changes.Add(1) == 200 {
					once.Do(func() { close(enough) })
				}
			}
		}()
	}
	// Back up and stop in the middle of the writes, once 200 state changes
	// have landed.
	select {
	case <-enough:
	case <-time.After(30 * time.Second):
		t.Fatal("200 state changes did not land in 30 s")
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if code := run(context.Background(), []string{"backup", "--data", data, "--to", backup}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
		t.Fatalf("backup while serving: exit %d", code)
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
	close(stop)
	wg.Wait()

	// Both the database after shutdown and the backup taken mid-write are
	// consistent: each agent's state is the one its last event says.
	checkStatesMatchLog(t, filepath.Join(data, "tsunagu.db"))
	checkStatesMatchLog(t, backup)
}

func checkStatesMatchLog(t *testing.T, path string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Check(ctx); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	agents, _ := db.ListAgents(ctx, demoTenant)
	lastState := map[tsunagu.AgentID]string{}
	for after := int64(0); ; {
		evs, err := db.ListEvents(ctx, demoTenant, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.Type == tsunagu.EventAgentStateChanged {
				var p struct{ To string }
				json.Unmarshal(e.Payload, &p)
				lastState[e.AgentID] = p.To
			}
		}
		after = evs[len(evs)-1].Seq
	}
	changed := 0
	for _, a := range agents {
		want, ok := lastState[a.ID]
		if !ok {
			want = string(tsunagu.AgentOffline)
		} else {
			changed++
		}
		if string(a.State) != want {
			t.Errorf("%s: agent %s: stored state %s, log says %s", filepath.Base(path), a.ID, a.State, want)
		}
	}
	if changed == 0 {
		t.Fatal("no agent changed state: the test exercised nothing")
	}
}

func TestCLI_UserBackupMigrate(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	runCmd := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	// The schema version is the newest migration shipped in the binary.
	files, err := filepath.Glob("../../sqlite/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	newest := strings.SplitN(filepath.Base(files[len(files)-1]), "_", 2)[0]
	want := "schema version " + strings.TrimLeft(newest, "0") + " "
	if code, out, _ := runCmd("", "migrate", "--data", data); code != 0 || !strings.Contains(out, want) {
		t.Fatalf("migrate: %d %q, want %q", code, out, want)
	}
	db, err := sqlite.Open(ctx, filepath.Join(data, "tsunagu.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: "demo", Name: "x"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, out, errs := runCmd("a-good-password\n", "user", "add", "--data", data, "--username", "sato", "--name", "佐藤 花子", "--kana", "さとう はなこ", "--role", "supervisor"); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	if code, _, errs := runCmd("short\n", "user", "add", "--data", data, "--username", "kato", "--name", "加藤"); code != 2 || !strings.Contains(errs, "at least 8") {
		t.Fatalf("short password: %d %s", code, errs)
	}
	if code, _, errs := runCmd("a-good-password\n", "user", "add", "--data", data, "--username", "sato", "--name", "x"); code != 1 || !strings.Contains(errs, "taken") {
		t.Fatalf("duplicate user: %d %s", code, errs)
	}
	code, out, _ := runCmd("", "user", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "sato") || !strings.Contains(out, "さとう はなこ") || strings.Contains(out, "kato") {
		t.Fatalf("user list: %d\n%s", code, out)
	}
	if code, _, errs := runCmd("another-password\n", "user", "passwd", "--data", data, "sato"); code != 0 {
		t.Fatalf("passwd: %s", errs)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if code, out, errs := runCmd("", "backup", "--data", data, "--to", backup); code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %d %s %s", code, out, errs)
	}
	if code, _, _ := runCmd("", "backup", "--data", data, "--to", backup); code != 1 {
		t.Fatal("backup over an existing file succeeded")
	}
	bdb, err := sqlite.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if l, err := bdb.FindLogin(ctx, "sato"); err != nil || l.User.Kana != "さとう はなこ" {
		t.Fatalf("backup lacks the user: %v %+v", err, l)
	}
	// kb import: a CSV with two bad rows reports both by line and imports
	// nothing; the fixed file imports.
	csvPath := filepath.Join(t.TempDir(), "articles.csv")
	os.WriteFile(csvPath, []byte("id,title,body,category\nok-1,良い記事,本文です,FAQ\nbad-1,,本文,FAQ\nbad-2,題名,,FAQ\n"), 0o600)
	code, _, errs := runCmd("", "kb", "import", "--data", data, csvPath)
	if code != 1 || !strings.Contains(errs, "line 3") || !strings.Contains(errs, "line 4") || !strings.Contains(errs, "nothing imported") {
		t.Fatalf("bad import: %d\n%s", code, errs)
	}
	os.WriteFile(csvPath, []byte("id,title,body,category\nok-1,良い記事,本文です,FAQ\nok-2,二つ目,本文です,FAQ\n"), 0o600)
	if code, out, errs := runCmd("", "kb", "import", "--data", data, csvPath); code != 0 || !strings.Contains(out, "2 articles created, 0 updated") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if code, out, _ := runCmd("", "kb", "import", "--data", data, csvPath); code != 0 || !strings.Contains(out, "0 articles created, 2 updated") {
		t.Fatalf("re-import: %d %s", code, out)
	}
	if code, out, errs := runCmd("", "kb", "reindex", "--data", data); code != 0 || !strings.Contains(out, "demo: 2 articles indexed") {
		t.Fatalf("kb reindex: %d %s %s", code, out, errs)
	}
	if code, _, _ := runCmd("", "user", "list", "--data", filepath.Join(data, "nope")); code != 1 {
		t.Fatal("user list on a missing data dir succeeded")
	}
	if code, out, _ := runCmd("", "version"); code != 0 || !strings.HasPrefix(out, "tsunagu ") {
		t.Fatalf("version: %q", out)
	}
	if code, _, _ := runCmd("", "bogus"); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
	if code, _, errs := runCmd("", "serve", "--http", "nonsense"); code != 2 || !strings.Contains(errs, "host:port") {
		t.Fatalf("bad --http: %d %s", code, errs)
	}
}

// TestConfig_Sample parses the documented sample strictly and checks the
// precedence of file, environment and flags.
func TestConfig_Sample(t *testing.T) {
	c := defaultConfig()
	if err := loadConfigFile("../../docs/config-sample.yaml", &c); err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c != defaultConfig() {
		t.Fatalf("the sample's values differ from the defaults it documents:\n%+v\n%+v", c, defaultConfig())
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("htp: \":9090\"\n"), 0o600)
	if err := loadConfigFile(bad, &c); err == nil || !strings.Contains(err.Error(), "htp") {
		t.Fatalf("unknown key accepted: %v", err)
	}
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("http: \"127.0.0.1:7000\"\nsip: \"127.0.0.1:7060\"\ndata: /from/file\n"), 0o600)
	t.Setenv("TSUNAGU_SIP", "127.0.0.1:8060")
	t.Setenv("TSUNAGU_DATA", "/from/env")
	got, err := serveFlags([]string{"--config", file, "--data", "/from/flag"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got.HTTP != "127.0.0.1:7000" || got.SIP != "127.0.0.1:8060" || got.Data != "/from/flag" {
		t.Fatalf("precedence wrong: %+v", got)
	}
	if _, err := serveFlags([]string{"--log-level", "loud"}, io.Discard); !errors.Is(err, errUsage) {
		t.Fatalf("bad log level: %v", err)
	}
}
