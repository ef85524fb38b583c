package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestRingBench is issue 5's offer → ringing benchmark; it runs only when
// asked (it takes minutes and is a measurement, not a check):
//
//	TSUNAGU_RINGBENCH=60 go test ./cmd/tsunagu/ -run TestRingBench -v -count=1
//
// Every part is the real one: `tsunagu serve --demo` in this process, op01
// in Chromium with the browser softphone connected and available
// (web/e2e/ringbench.mjs), and sipp placing TSUNAGU_RINGBENCH calls one
// after another (uac_dtmf2.xml: press 2, wait 2 s in 技術サポート, hang up).
// Each caller is offered to op01; the desk rings; the caller hangs up while
// it rings, which frees op01 for the next call. The interval runs from the
// contact:offered event's time (the store stamps it when the writer takes
// the transaction, in milliseconds) to the moment the page has the ringing
// card (MutationObserver) and to the next animation frame (when it is
// shown), on the one system clock. Every offer must ring; the figures are
// logged (docs/benchmarks.md, "Desk").
func TestRingBench(t *testing.T) {
	offers, _ := strconv.Atoi(os.Getenv("TSUNAGU_RINGBENCH"))
	if offers <= 0 {
		t.Skip("a benchmark: set TSUNAGU_RINGBENCH=<calls> to run it")
	}
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(offers)*15*time.Second+2*time.Minute)
	defer cancel()
	sv := login(t, s.url, "sv01", demoPassword)
	var page struct {
		LastSeq int64 `json:"last_seq"`
	}
	sv.call("GET", "/api/v1/events", "", &page) // without since: the log's end, no events
	from := page.LastSeq

	t.Setenv("RINGBENCH_OFFERS", strconv.Itoa(offers))
	browser := startBrowser(t, ctx, chromium, "ringbench.mjs", s.url)
	browser.waitLine("READY")
	// One caller at a time (-l 1), each after the last has hung up.
	call := sippCall(t, ctx, sipp, "uac_dtmf2.xml", sipAddrFromOutput(t, s.out.String()),
		"-m", strconv.Itoa(offers), "-l", "1", "-timeout", fmt.Sprintf("%ds", offers*15))
	if out, err := call.CombinedOutput(); err != nil {
		t.Fatalf("sipp: %v\n%s\nbrowser:\n%s", err, out, browser.stderr.String())
	}
	line := browser.waitLine("RINGS")
	browser.wait()
	if msg := browser.stderr.String(); msg != "" {
		t.Logf("the browser reported:\n%s", msg)
	}
	var rings []struct {
		Contact         tsunagu.ContactID
		DOM, Paint, Pop int64
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "RINGS ")), &rings); err != nil {
		t.Fatal(err)
	}

	// The offers, from the log: every one made to op01 must have rung.
	offered := map[tsunagu.ContactID]time.Time{}
	for since := from; ; {
		var p struct {
			Events  []tsunagu.Event `json:"events"`
			LastSeq int64           `json:"last_seq"`
		}
		sv.call("GET", fmt.Sprintf("/api/v1/events?limit=5000&since=%d", since), "", &p)
		for _, e := range p.Events {
			if e.Type == tsunagu.EventContactOffered {
				offered[e.ContactID] = e.Time
			}
		}
		if p.LastSeq == since {
			break
		}
		since = p.LastSeq
	}
	if len(offered) != offers || len(rings) != offers {
		t.Fatalf("%d calls, %d offers in the log, %d rings on the desk", offers, len(offered), len(rings))
	}
	var dom, paint, pop []float64
	for _, r := range rings {
		at, ok := offered[r.Contact]
		if !ok {
			t.Fatalf("the desk rang for %s, which was not offered", r.Contact)
		}
		delete(offered, r.Contact)
		ms := func(v int64) float64 { return float64(v - at.UnixMilli()) }
		dom, paint = append(dom, ms(r.DOM)), append(paint, ms(r.Paint))
		if r.Pop > 0 {
			pop = append(pop, ms(r.Pop))
		}
	}
	summary := func(name string, v []float64) string {
		slices.Sort(v)
		q := func(p float64) float64 { return v[int(math.Min(float64(len(v)-1), math.Ceil(p*float64(len(v)))-1))] }
		return fmt.Sprintf("%s n=%d p50=%.0f p95=%.0f p99=%.0f max=%.0f ms", name, len(v), q(0.50), q(0.95), q(0.99), v[len(v)-1])
	}
	t.Log("offer → ringing card in the DOM: " + summary("dom", dom))
	t.Log("offer → first frame showing it:  " + summary("paint", paint))
	if len(pop) > 0 {
		t.Log("offer → screen pop with the caller's name: " + summary("pop", pop))
	}
}
