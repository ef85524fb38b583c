package floor_test

import (
	"testing"

	"tsunagu"
)

// TestFold_Voicemail: a waiting caller who leaves a message (contact:
// voicemail) left the queue as an overflow, not an abandon or an answer;
// one sent to voicemail who leaves no message ends with contact:abandoned
// and counts as the queue's abandon; a closed number's message (the caller
// never queued) changes no queue figure.
func TestFold_Voicemail(t *testing.T) {
	var s script
	s.at(0, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
	s.at(0, tsunagu.EventContactQueued, "", "c2", map[string]any{"queue_id": "general"})
	s.at(60, tsunagu.EventContactVoicemail, "", "c1", map[string]any{"queue_id": "general", "reason": "max_wait", "duration_seconds": 12.5})
	s.at(61, tsunagu.EventContactAbandoned, "", "c2", map[string]any{"wait_seconds": 61, "voicemail": "empty"})
	// A closed number's message: the caller never queued.
	s.at(70, tsunagu.EventContactVoicemail, "", "c3", map[string]any{"queue_id": "general", "reason": "closed"})
	snap := s.fold().Snapshot(at(80))
	if got, want := countsOf(queueOf(t, snap, "general")), (counts{Offered: 2, Overflowed: 1, Abandoned: 1}); got != want {
		t.Fatalf("general = %+v, want %+v", got, want)
	}
}

// TestFold_QueueCallback: a caller who pressed 1 to be called back keeps
// their place; if the callback then never connects (busy, no answer, a
// restart) the contact ends without being the queue's abandon — while a
// caller who simply hangs up still is one.
func TestFold_QueueCallback(t *testing.T) {
	var s script
	s.at(0, tsunagu.EventContactQueued, "", "c1", map[string]any{"queue_id": "general"})
	s.at(0, tsunagu.EventContactQueued, "", "c2", map[string]any{"queue_id": "general"})
	s.at(30, tsunagu.EventContactCallbackRequested, "", "c1", map[string]any{"queue_id": "general", "wait_seconds": 30})
	s.at(40, tsunagu.EventContactEnded, "", "c1", map[string]any{"by": "system", "reason": "callback_failed"})
	s.at(41, tsunagu.EventContactAbandoned, "", "c2", map[string]any{"wait_seconds": 41})
	snap := s.fold().Snapshot(at(50))
	if got, want := countsOf(queueOf(t, snap, "general")), (counts{Offered: 2, Abandoned: 1}); got != want {
		t.Fatalf("general = %+v, want %+v", got, want)
	}
}
