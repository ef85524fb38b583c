package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
)

// fakeLive stands in for telephony (whose media path has its own tests
// with real peers): pausing goes to the store as telephony does, files come
// from a folder, and monitor calls are recorded.
type fakeLive struct {
	db  tsunagu.RecordingStore
	dir string

	mu      sync.Mutex
	monitor []string
}

func (f *fakeLive) PauseRecording(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, on bool) error {
	op := f.db.ResumeRecording
	if on {
		op = f.db.PauseRecording
	}
	_, err := op(ctx, tenant, id, time.Now())
	return err
}

func (f *fakeLive) OpenRecording(path string) (*os.File, error) {
	return os.Open(filepath.Join(f.dir, path))
}

func (f *fakeLive) Monitor(_ context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID, phone tsunagu.AgentID, mode tsunagu.MonitorMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.monitor = append(f.monitor, string(tenant)+" "+string(id)+" "+string(by)+" "+string(phone)+" "+string(mode))
	return nil
}

func (f *fakeLive) StopMonitor(_ context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.monitor = append(f.monitor, "stop "+string(id))
	return nil
}

func TestRecording_API(t *testing.T) {
	live := &fakeLive{dir: t.TempDir()}
	e := newEnv(t, func(c *httpapi.Config) { c.LiveCalls = live })
	live.db = e.db
	ctx := context.Background()
	call := e.liveCall("a-agent")
	rec := &tsunagu.Recording{TenantID: "a", ContactID: call.ID, Path: "a/" + string(call.ID) + ".wav", StartedAt: time.Now()}
	if err := e.db.StartRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	wav := []byte("RIFF....WAVEfmt the file's bytes")
	os.MkdirAll(filepath.Join(live.dir, "a"), 0o750)
	if err := os.WriteFile(filepath.Join(live.dir, rec.Path), wav, 0o640); err != nil {
		t.Fatal(err)
	}
	agent, sv, other := e.login("a-agent"), e.login("a-supervisor"), e.login("b-supervisor")
	base := "/api/v1/contacts/" + string(call.ID)

	t.Run("PauseResume", func(t *testing.T) {
		res := agent.do("POST", base+"/recording/pause", nil)
		var got tsunagu.Recording
		res.json(&got)
		if res.StatusCode != 200 || !got.IsPaused() || got.Path != "" {
			t.Fatalf("pause: %d %s", res.StatusCode, res.body)
		}
		if res := agent.do("POST", base+"/recording/pause", nil); res.StatusCode != 409 || res.problem().Code != tsunagu.ECONFLICT {
			t.Errorf("second pause: %d %s", res.StatusCode, res.body)
		}
		// A supervisor may resume the operator's call.
		if res := sv.do("POST", base+"/recording/resume", nil); res.StatusCode != 200 {
			t.Errorf("supervisor resume: %d %s", res.StatusCode, res.body)
		}
		if res := other.do("POST", base+"/recording/pause", nil); res.StatusCode != 404 {
			t.Errorf("another tenant's supervisor: %d %s", res.StatusCode, res.body)
		}
		if res := agent.do("POST", "/api/v1/contacts/nope/recording/pause", nil); res.StatusCode != 404 {
			t.Errorf("unknown contact: %d", res.StatusCode)
		}
	})
	t.Run("NotYourCall", func(t *testing.T) {
		mine := e.liveCall("a-agent")
		if _, err := e.db.UpdateContact(ctx, "a", mine.ID, tsunagu.EventContactOffered, nil, func(c *tsunagu.Contact) error {
			c.AgentID = "agt_someone_else"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if res := agent.do("POST", "/api/v1/contacts/"+string(mine.ID)+"/recording/pause", nil); res.StatusCode != 403 || res.problem().Code != tsunagu.EFORBIDDEN {
			t.Errorf("pause of another agent's call: %d %s", res.StatusCode, res.body)
		}
	})
	t.Run("Download", func(t *testing.T) {
		if res := sv.do("GET", base+"/recording", nil); res.StatusCode != 409 {
			t.Errorf("download while recording: %d %s", res.StatusCode, res.body)
		}
		if _, err := e.db.StopRecording(ctx, "a", call.ID, time.Now(), 12.5, 0); err != nil {
			t.Fatal(err)
		}
		if res := agent.do("GET", base+"/recording", nil); res.StatusCode != 403 {
			t.Errorf("agent download: %d", res.StatusCode)
		}
		if res := other.do("GET", base+"/recording", nil); res.StatusCode != 404 {
			t.Errorf("another tenant's download: %d", res.StatusCode)
		}
		res := sv.do("GET", base+"/recording", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/wav" || string(res.body) != string(wav) {
			t.Fatalf("download: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.body)
		}
		if res := agent.do("POST", base+"/recording/resume", nil); res.StatusCode != 409 {
			t.Errorf("resume after the call: %d %s", res.StatusCode, res.body)
		}
		es, err := e.db.ContactEvents(ctx, "a", call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := es[len(es)-1]; last.Type != tsunagu.EventRecordingDownloaded || last.ActorID != sv.me.User.ID {
			t.Errorf("last event %+v, want the audited download by the supervisor", last)
		}
	})
	t.Run("Monitor", func(t *testing.T) {
		for body, field := range map[string]string{`{"mode":"shout"}`: "mode", `{}`: "mode", `{"mode":"listen","tenant_id":"b"}`: "tenant_id"} {
			res := sv.do("POST", base+"/monitor", body)
			if p := res.problem(); res.StatusCode != 400 || p.Field != field {
				t.Errorf("%s: %d %+v", body, res.StatusCode, p)
			}
		}
		res := sv.do("POST", base+"/monitor", `{"mode":"whisper"}`)
		var st httpapi.MonitorState
		res.json(&st)
		if res.StatusCode != 200 || st.Mode != tsunagu.MonitorWhisper || st.ContactID != call.ID {
			t.Fatalf("monitor: %d %s", res.StatusCode, res.body)
		}
		if res := sv.do("DELETE", base+"/monitor", nil); res.StatusCode != 204 {
			t.Errorf("stop: %d %s", res.StatusCode, res.body)
		}
		if res := agent.do("POST", base+"/monitor", `{"mode":"listen"}`); res.StatusCode != 403 {
			t.Errorf("agent monitor: %d", res.StatusCode)
		}
		// The supervisor's softphone is named by their user ID (no agent row).
		want := "a " + string(call.ID) + " " + string(sv.me.User.ID) + " " + string(sv.me.User.ID) + " whisper"
		if len(live.monitor) != 2 || live.monitor[0] != want || live.monitor[1] != "stop "+string(call.ID) {
			t.Errorf("live calls got %q, want %q then stop", live.monitor, want)
		}
	})
}
