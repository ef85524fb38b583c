package storetest

import (
	"bytes"
	"testing"

	"tsunagu"
)

func testPrompt(t *testing.T, s tsunagu.Store) {
	_, sv := newTenant(t, s, "a")
	newTenant(t, s, "b")
	svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "a", UserID: sv.ID, Role: tsunagu.RoleSupervisor})
	audio := bytes.Repeat([]byte{0xff, 0x7e, 0x80}, 8000) // 3 s
	p := &tsunagu.Prompt{TenantID: "a", Name: " 年末年始のご案内 ", Seconds: 3}
	must(t, s.CreatePrompt(svCtx, p, audio))
	if p.ID == "" || p.Name != "年末年始のご案内" || p.CreatedBy != sv.ID {
		t.Fatalf("created = %+v", p)
	}
	got, err := s.PromptAudio(ctx, "a", p.ID)
	must(t, err)
	if !bytes.Equal(got, audio) {
		t.Fatalf("audio: %d bytes back, %d stored", len(got), len(audio))
	}
	_, err = s.PromptAudio(ctx, "b", p.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	ps, err := s.ListPrompts(ctx, "a")
	must(t, err)
	if len(ps) != 1 || ps[0].Seconds != 3 || ps[0].Name != "年末年始のご案内" {
		t.Fatalf("list = %+v", ps)
	}
	if ps, _ := s.ListPrompts(ctx, "b"); len(ps) != 0 {
		t.Fatalf("tenant b sees %+v", ps)
	}
	mustCode(t, s.CreatePrompt(ctx, &tsunagu.Prompt{TenantID: "a", Name: "長すぎ", Seconds: 61}, audio), tsunagu.EINVALID)
	mustCode(t, s.CreatePrompt(ctx, &tsunagu.Prompt{TenantID: "a", Name: " ", Seconds: 1}, audio), tsunagu.EINVALID)

	// A number's greeting may name only a prompt of its own tenant.
	tr := &tsunagu.Trunk{TenantID: "b", Name: "B", AllowedNets: []string{"127.0.0.1"}, Numbers: []tsunagu.DID{
		{Number: "03-5555-0000", DefaultQueue: "q", GreetingPrompt: p.ID}}}
	err = s.CreateTrunk(ctx, tr)
	mustCode(t, err, tsunagu.EINVALID)
	if tsunagu.ErrorField(err) != "numbers[0].greeting_prompt" {
		t.Fatalf("field = %q", tsunagu.ErrorField(err))
	}
	tr.TenantID = "a"
	must(t, s.CreateTrunk(ctx, tr))
	_, did, err := s.FindTrunkByNumber(ctx, "+81355550000")
	must(t, err)
	if did.GreetingPrompt != p.ID {
		t.Fatalf("did = %+v", did)
	}
}
