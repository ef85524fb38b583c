package sqlite_test

import (
	"testing"
	"time"

	"tsunagu"
)

func TestDB_Recording(t *testing.T) {
	db := open(t)
	ctx := t.Context()
	for _, id := range []tsunagu.TenantID{"ta", "tb"} {
		if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: id, Name: string(id)}); err != nil {
			t.Fatal(err)
		}
	}
	c := &tsunagu.Contact{TenantID: "ta", Direction: tsunagu.Inbound, State: tsunagu.ContactConnected, AgentID: "agt_1", ArrivedAt: time.Now()}
	if err := db.CreateContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	r := &tsunagu.Recording{TenantID: "ta", ContactID: c.ID, Path: "ta/2026-11-25/" + string(c.ID) + ".wav", StartedAt: t0}

	t.Run("OK", func(t *testing.T) {
		if err := db.StartRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.AgentID != "agt_1" {
			t.Errorf("agent %q", r.AgentID)
		}
		if err := db.StartRecording(ctx, r); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("second start: %v", err)
		}
		if _, err := db.ResumeRecording(ctx, "ta", c.ID, t0); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("resume while recording: %v", err)
		}
		got, err := db.PauseRecording(ctx, "ta", c.ID, t0.Add(10*time.Second))
		if err != nil || !got.IsPaused() {
			t.Fatalf("pause: %+v, %v", got, err)
		}
		if _, err := db.PauseRecording(ctx, "ta", c.ID, t0); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("second pause: %v", err)
		}
		if got, err = db.ResumeRecording(ctx, "ta", c.ID, t0.Add(15*time.Second)); err != nil || got.IsPaused() {
			t.Fatalf("resume: %+v, %v", got, err)
		}
		if _, err := db.PauseRecording(ctx, "ta", c.ID, t0.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
		// Stopping closes the open pause.
		if got, err = db.StopRecording(ctx, "ta", c.ID, t0.Add(30*time.Second), 30.02, 3); err != nil {
			t.Fatal(err)
		}
		got, err = db.FindRecording(ctx, "ta", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EndedAt == nil || got.Duration != 30.02 || got.Dropped != 3 || len(got.Paused) != 2 ||
			got.Paused[0].To == nil || !got.Paused[0].To.Equal(t0.Add(15*time.Second)) || got.Paused[1].To == nil || got.Path != r.Path {
			t.Errorf("recording %+v", got)
		}
		if _, err := db.PauseRecording(ctx, "ta", c.ID, t0); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("pause after stop: %v", err)
		}
		if err := db.RecordRecordingRead(ctx, "ta", c.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordMonitor(ctx, "ta", c.ID, "usr_sv", tsunagu.EventMonitorStarted, map[string]any{"mode": "listen"}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordMonitor(ctx, "ta", c.ID, "usr_sv", tsunagu.EventContactEnded, nil); tsunagu.ErrorCode(err) != tsunagu.EINVALID {
			t.Errorf("a foreign event type: %v", err)
		}
		es, err := db.ContactEvents(ctx, "ta", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var types []tsunagu.EventType
		for _, e := range es {
			types = append(types, e.Type)
			switch e.Type {
			case tsunagu.EventRecordingPaused, tsunagu.EventRecordingStopped:
				if e.AgentID != "agt_1" {
					t.Errorf("%s without the agent", e.Type)
				}
			case tsunagu.EventMonitorStarted, tsunagu.EventRecordingDownloaded:
				// Supervisors only: an agent sees events of their own agent.
				if e.AgentID != "" || (e.Type == tsunagu.EventMonitorStarted && e.Subject != "usr_sv") {
					t.Errorf("%s: %+v", e.Type, e)
				}
				if e.Visible(&tsunagu.Principal{TenantID: "ta", AgentID: "agt_1", Role: tsunagu.RoleAgent}) {
					t.Errorf("%s visible to the agent", e.Type)
				}
			}
		}
		want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventRecordingStarted, tsunagu.EventRecordingPaused,
			tsunagu.EventRecordingResumed, tsunagu.EventRecordingPaused, tsunagu.EventRecordingStopped,
			tsunagu.EventRecordingDownloaded, tsunagu.EventMonitorStarted}
		if len(types) != len(want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		for i := range want {
			if types[i] != want[i] {
				t.Fatalf("events %v, want %v", types, want)
			}
		}
	})
	t.Run("TenantIsolation", func(t *testing.T) {
		if _, err := db.FindRecording(ctx, "tb", c.ID); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("find from another tenant: %v", err)
		}
		if _, err := db.PauseRecording(ctx, "tb", c.ID, t0); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("pause from another tenant: %v", err)
		}
		if err := db.StartRecording(ctx, &tsunagu.Recording{TenantID: "tb", ContactID: c.ID, Path: "x.wav"}); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("start for another tenant's contact: %v", err)
		}
		if err := db.RecordMonitor(ctx, "tb", c.ID, "u", tsunagu.EventMonitorStopped, nil); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("monitor event for another tenant's contact: %v", err)
		}
	})
}
