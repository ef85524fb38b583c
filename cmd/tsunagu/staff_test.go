package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestRunStaff(t *testing.T) {
	t.Run("JSON", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := runStaff([]string{"--calls", "100", "--interval", "30m", "--aht", "180s", "--sl", "80/20", "--shrinkage", "30%", "--json"}, &out, &errb)
		if err != nil {
			t.Fatal(err, errb.String())
		}
		var got struct {
			Agents          int      `json:"agents"`
			ScheduledAgents int      `json:"scheduled_agents"`
			ServiceLevel    float64  `json:"service_level"`
			ASASeconds      *float64 `json:"asa_seconds"`
			Occupancy       float64  `json:"occupancy"`
			PWait           *float64 `json:"p_wait"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		if got.Agents != 14 || got.ScheduledAgents != 20 || math.Abs(got.ServiceLevel-0.8884) > 1e-4 ||
			math.Abs(got.Occupancy-0.7143) > 1e-4 || got.ASASeconds == nil || math.Abs(*got.ASASeconds-7.83) > 0.01 ||
			got.PWait == nil || math.Abs(*got.PWait-0.1741) > 1e-4 {
			t.Errorf("got %s", out.String())
		}
	})
	t.Run("Agents", func(t *testing.T) {
		var out bytes.Buffer
		if err := runStaff([]string{"--calls=100", "--aht=180s", "--agents=12", "--json"}, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"agents": 12`) {
			t.Errorf("got %s", out.String())
		}
	})
	t.Run("Table", func(t *testing.T) {
		var out bytes.Buffer
		if err := runStaff([]string{"--calls=100", "--aht=3m"}, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "88.84%") || !strings.Contains(out.String(), "->") {
			t.Errorf("got %s", out.String())
		}
	})
	t.Run("Patience", func(t *testing.T) {
		var out bytes.Buffer
		if err := runStaff([]string{"--calls=100", "--aht=180s", "--patience=30s", "--json"}, &out, &out); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Agents      int     `json:"agents"`
			SL          float64 `json:"service_level"`
			AbandonRate float64 `json:"abandon_rate"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Agents > 14 || got.SL < 0.8 || got.AbandonRate <= 0 {
			t.Errorf("got %s", out.String())
		}
		out.Reset()
		if err := runStaff([]string{"--calls=100", "--aht=180s", "--patience=30s"}, &out, &out); err != nil || !strings.Contains(out.String(), "Erlang A") {
			t.Errorf("table: %v %s", err, out.String())
		}
	})
	t.Run("Unstable", func(t *testing.T) {
		var out bytes.Buffer
		if err := runStaff([]string{"--calls=100", "--aht=3m", "--agents=9", "--json"}, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"asa_seconds": null`) {
			t.Errorf("got %s", out.String())
		}
	})
	for name, args := range map[string][]string{
		"NoCalls":      {"--aht=180s"},
		"NoAHT":        {"--calls=100"},
		"BadSL":        {"--calls=100", "--aht=180s", "--sl=80"},
		"BadSLPercent": {"--calls=100", "--aht=180s", "--sl=180/20"},
		"BadShrinkage": {"--calls=100", "--aht=180s", "--shrinkage=100%"},
		"UnknownFlag":  {"--calls=100", "--aht=180s", "--bogus"},
		"BadDuration":  {"--calls=100", "--aht=fast"},
		"NegAgents":    {"--calls=100", "--aht=180s", "--agents=-1"},
		"Extra":        {"--calls=100", "--aht=180s", "extra"},
		"NegPatience":  {"--calls=100", "--aht=180s", "--patience=-1s"},
	} {
		t.Run("Err"+name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if err := runStaff(args, &out, &errb); err == nil {
				t.Errorf("want error, got output %s", out.String())
			}
		})
	}
}

// FuzzParseSL: the --sl and --shrinkage parsers never panic and only accept
// values in range.
func FuzzParseSL(f *testing.F) {
	for _, s := range []string{"80/20", "80%/20s", "90/1m", "0/0", "100/20", "80/-1", "x/y", "80/", "/20", "30%", "0.3", "1e309", "NaN/20", "NaN", "80/NaN", "80/1e300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := parseSL(s); err == nil && (!(v.fraction > 0 && v.fraction < 1) || v.threshold < 0) {
			t.Errorf("parseSL(%q) = %+v", s, v)
		}
		if v, err := parseFraction(s); err == nil && !(v >= 0 && v < 1) {
			t.Errorf("parseFraction(%q) = %v", s, v)
		}
	})
}
