package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type simOut struct {
	Measured, Predicted struct {
		Contacts     *float64 `json:"contacts"`
		ServiceLevel *float64 `json:"service_level"`
		ASASeconds   *float64 `json:"asa_seconds"`
		AbandonRate  *float64 `json:"abandon_rate"`
		Occupancy    *float64 `json:"occupancy"`
	}
}

func TestRunSimulate(t *testing.T) {
	t.Run("JSON", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := runSimulate([]string{"--agents", "14", "--calls", "100", "--interval", "30m", "--aht", "180s", "--hours", "200", "--seed", "7", "--json"}, &out, &errb)
		if err != nil {
			t.Fatal(err, errb.String())
		}
		var got simOut
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		m, p := got.Measured, got.Predicted
		for _, v := range []*float64{m.Contacts, m.ServiceLevel, m.ASASeconds, m.AbandonRate, m.Occupancy,
			p.Contacts, p.ServiceLevel, p.ASASeconds, p.AbandonRate, p.Occupancy} {
			if v == nil {
				t.Fatalf("missing key in %s", out.String())
			}
		}
		// 200 h at 200 calls/h: 40,000 expected; Poisson sd 200.
		if math.Abs(*m.Contacts-40000) > 1000 || *p.Contacts != 40000 {
			t.Errorf("contacts measured %v predicted %v", *m.Contacts, *p.Contacts)
		}
		// Loose sanity bounds; the statistical agreement is tested in acd/sim.
		if math.Abs(*m.ServiceLevel-*p.ServiceLevel) > 0.03 || math.Abs(*m.Occupancy-*p.Occupancy) > 0.02 || *m.AbandonRate != 0 {
			t.Errorf("measured %s", out.String())
		}
	})
	t.Run("Patience", func(t *testing.T) {
		var out bytes.Buffer
		err := runSimulate([]string{"--agents=9", "--calls=100", "--aht=180s", "--hours=50", "--patience=60s", "--acw=10s", "--break-every=2h", "--json"}, &out, &out)
		if err != nil {
			t.Fatal(err)
		}
		var got simOut
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if *got.Measured.AbandonRate <= 0 || *got.Predicted.AbandonRate <= 0 {
			t.Errorf("expected abandonment: %s", out.String())
		}
	})
	t.Run("Queues", func(t *testing.T) {
		var out bytes.Buffer
		err := runSimulate([]string{"--agents=14", "--calls=100", "--aht=180s", "--hours=100", "--queues=3", "--json"}, &out, &out)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Measured struct {
				Contacts float64 `json:"contacts"`
			} `json:"measured"`
			Queues []struct {
				Queue    string `json:"queue"`
				Contacts int    `json:"contacts"`
			} `json:"queues"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, q := range got.Queues {
			sum += q.Contacts
		}
		if len(got.Queues) != 3 || float64(sum) != got.Measured.Contacts {
			t.Errorf("per-queue contacts %v do not add up to %v", got.Queues, got.Measured.Contacts)
		}
	})
	t.Run("Table", func(t *testing.T) {
		var out bytes.Buffer
		if err := runSimulate([]string{"--agents=14", "--calls=100", "--aht=180s", "--hours=10"}, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "measured") || !strings.Contains(out.String(), "predicted") {
			t.Errorf("got %s", out.String())
		}
	})
	for name, args := range map[string][]string{
		"NoAgents":    {"--calls=100", "--aht=180s"},
		"NoCalls":     {"--agents=14", "--aht=180s"},
		"NoAHT":       {"--agents=14", "--calls=100"},
		"BadHours":    {"--agents=14", "--calls=100", "--aht=180s", "--hours=0"},
		"BadStrategy": {"--agents=14", "--calls=100", "--aht=180s", "--strategy=random"},
		"BadBreak":    {"--agents=14", "--calls=100", "--aht=180s", "--break-every=10m", "--break-length=20m"},
		"Unknown":     {"--agents=14", "--nope"},
		"NaNCalls":    {"--agents=14", "--calls=NaN", "--aht=180s"},
		"BadQueues":   {"--agents=14", "--calls=100", "--aht=180s", "--queues=0"},
		"TooBig":      {"--agents=14", "--calls=1e9", "--aht=180s", "--hours=1000"},
	} {
		t.Run("Err"+name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if err := runSimulate(args, &out, &errb); err == nil {
				t.Errorf("want error, got %s", out.String())
			}
		})
	}
}
