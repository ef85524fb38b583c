package telephony

import (
	"net/netip"
	"testing"
	"time"
)

func TestGuard_FloodBlocksTheSourceOnly(t *testing.T) {
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	var logged int
	g := newGuard(GuardConfig{}, c.now, func(string, ...any) { logged++ })
	bad, good := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("192.0.2.1")
	for i := range DefaultFloodLimit {
		if !g.allow(bad) {
			t.Fatalf("request %d refused under the limit", i+1)
		}
	}
	if g.allow(bad) {
		t.Fatal("request 17 in 2 s allowed")
	}
	if !g.blocked(bad) || g.blocked(good) || !g.allow(good) {
		t.Fatal("the block must hit the flooding source only")
	}
	if logged != 1 {
		t.Fatalf("logged %d times, want once per block", logged)
	}
	// Still blocked just before five minutes, free after.
	c.t = c.t.Add(DefaultFloodBlock - time.Second)
	if g.allow(bad) {
		t.Fatal("allowed before the block ended")
	}
	c.t = c.t.Add(2 * time.Second)
	if !g.allow(bad) {
		t.Fatal("still blocked after the block ended")
	}
	// A steady phone (16 per window, every window) is never blocked.
	for range 10 {
		c.t = c.t.Add(DefaultFloodWindow)
		for range DefaultFloodLimit {
			if !g.allow(good) {
				t.Fatal("a source at the limit was blocked")
			}
		}
	}
}

func TestGuard_Scanners(t *testing.T) {
	for ua, want := range map[string]bool{
		"friendly-scanner": true, "sipvicious 0.3": true, "sipcli/v1.8": true, "VaxSIPUserAgent/3.1": true,
		"Yealink SIP-T46S 66.86.0.15": false, "Linphone/5.2": false, "sipp": false, "": false,
	} {
		if got := isScanner(ua); got != want {
			t.Errorf("isScanner(%q) = %v, want %v", ua, got, want)
		}
	}
}

func TestGuard_ForgetsIdleSources(t *testing.T) {
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	g := newGuard(GuardConfig{}, c.now, func(string, ...any) {})
	for i := range 1000 {
		g.allow(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
	}
	c.t = c.t.Add(2 * DefaultFloodWindow)
	g.allow(netip.MustParseAddr("192.0.2.1"))
	if n := len(g.sources); n != 1 {
		t.Fatalf("%d sources kept after they went idle, want 1", n)
	}
}

// TestGuard_TrustedSourcesAreNotLimited: a trunk (or a phone that
// authenticated) sends far more than 16 requests in 2 s from one address.
func TestGuard_TrustedSourcesAreNotLimited(t *testing.T) {
	c := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	g := newGuard(GuardConfig{}, c.now, func(string, ...any) {})
	trunk := netip.MustParseAddr("203.0.113.10")
	for range 20 {
		g.allow(trunk)
	}
	if !g.blocked(trunk) {
		t.Fatal("not blocked before trust")
	}
	g.trust(trunk)
	for i := range 1000 {
		if !g.allow(trunk) {
			t.Fatalf("trusted source refused at request %d", i+1)
		}
	}
	c.t = c.t.Add(trustFor + time.Second)
	for range DefaultFloodLimit {
		g.allow(trunk)
	}
	if g.allow(trunk) {
		t.Fatal("trust did not expire")
	}
}
