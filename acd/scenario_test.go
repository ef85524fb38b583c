package acd

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// base is a Monday 09:00 UTC; scenario times are offsets from it.
var base = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// TestScenarios replays every testdata/*.txt script and compares the
// transcript with the .golden file beside it. Script lines are
// "@<offset> <command> args...". Before each command the harness fires the
// engine's timers that fall due in between, each at its own time, the way
// Runner does, so timeouts and widening show up in the transcript.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			got := runScript(t, f)
			golden := strings.TrimSuffix(f, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (run go test ./acd -run TestScenarios -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

func runScript(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := New(Config{})
	var out strings.Builder
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			out.WriteString(text + "\n")
			continue
		}
		fields := strings.Fields(text)
		at, err := time.ParseDuration(strings.TrimPrefix(fields[0], "@"))
		if err != nil || !strings.HasPrefix(fields[0], "@") {
			t.Fatalf("%s:%d: want @offset first", path, line)
		}
		now := base.Add(at)
		for {
			d, ok := e.NextDeadline()
			if !ok || d.After(now) {
				break
			}
			ds := e.Tick(d)
			if len(ds) > 0 {
				fmt.Fprintf(&out, "@%s (timer)\n", d.Sub(base))
				writeDecisions(&out, ds)
			}
		}
		out.WriteString(text + "\n")
		ds, err := apply(e, now, fields[1], fields[2:], &out)
		if err != nil {
			fmt.Fprintf(&out, "  !! %v\n", err)
		}
		writeDecisions(&out, ds)
	}
	return out.String()
}

func writeDecisions(out *strings.Builder, ds []Decision) {
	for _, d := range ds {
		fmt.Fprintf(out, "  -> %s\n", d)
	}
}

// kv splits "k=v" arguments.
func kv(args []string) (map[string]string, []string) {
	m := map[string]string{}
	var pos []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			m[k] = v
		} else {
			pos = append(pos, a)
		}
	}
	return m, pos
}

func skillsArg(s string) map[tsunagu.SkillID]int {
	if s == "" {
		return nil
	}
	m := map[tsunagu.SkillID]int{}
	for _, p := range strings.Split(s, ",") {
		name, lvl, _ := strings.Cut(p, ":")
		n, err := strconv.Atoi(lvl)
		if err != nil {
			n = 1
		}
		m[tsunagu.SkillID(name)] = n
	}
	return m
}

func dur(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil && s != "" {
		panic(err)
	}
	return d
}

func overflowArg(s string) Overflow {
	switch {
	case s == "callback":
		return Overflow{Kind: OverflowCallback}
	case s == "voicemail":
		return Overflow{Kind: OverflowVoicemail}
	case strings.HasPrefix(s, "queue:"):
		return Overflow{Kind: OverflowQueue, Queue: tsunagu.QueueID(strings.TrimPrefix(s, "queue:"))}
	}
	return Overflow{}
}

func apply(e *Engine, now time.Time, cmd string, args []string, out *strings.Builder) ([]Decision, error) {
	o, pos := kv(args)
	arg := func(i int) string {
		if i < len(pos) {
			return pos[i]
		}
		return ""
	}
	switch cmd {
	case "queue":
		cfg := QueueConfig{ID: tsunagu.QueueID(arg(0)), Skills: skillsArg(o["skills"]),
			SLThreshold: dur(o["sl"]), OfferTimeout: dur(o["offer"]), ACW: dur(o["acw"]),
			MaxWait: dur(o["maxwait"]), Overflow: overflowArg(o["overflow"]), Closed: overflowArg(o["closed"]),
			PreferredFor: dur(o["pref"]), LastAgentFor: dur(o["lastagent"])}
		cfg.Weight, _ = strconv.ParseFloat(o["weight"], 64)
		cfg.Priority, _ = strconv.Atoi(o["prio"])
		cfg.MaxLength, _ = strconv.Atoi(o["maxlen"])
		if s, ok := o["strategy"]; ok {
			st, err := ParseStrategy(s)
			if err != nil {
				return nil, err
			}
			cfg.Strategy = st
		}
		if h, ok := o["hours"]; ok { // hours=9h-17h on weekdays
			from, to, _ := strings.Cut(h, "-")
			cfg.Hours = Weekdays(time.UTC, dur(from), dur(to))
		}
		if w, ok := o["widen"]; ok { // widen=10s:1,30s:0:backup
			for _, st := range strings.Split(w, ",") {
				p := strings.Split(st, ":")
				ws := WideningStep{After: dur(p[0])}
				ws.LevelDrop, _ = strconv.Atoi(p[1])
				if len(p) > 2 {
					ws.Teams = []tsunagu.TeamID{tsunagu.TeamID(p[2])}
				}
				cfg.Widening = append(cfg.Widening, ws)
			}
		}
		return e.SetQueue(now, cfg)
	case "login":
		return e.Login(now, AgentSpec{ID: tsunagu.AgentID(arg(0)), Skills: skillsArg(arg(1)), Team: tsunagu.TeamID(o["team"])})
	case "ready":
		return e.Ready(now, tsunagu.AgentID(arg(0)))
	case "notready":
		return e.NotReady(now, tsunagu.AgentID(arg(0)), Reason(arg(1)))
	case "logout":
		return e.Logout(now, tsunagu.AgentID(arg(0)))
	case "call":
		p, _ := strconv.Atoi(o["prio"])
		return e.Queue(now, ContactSpec{ID: tsunagu.ContactID(arg(0)), Queue: tsunagu.QueueID(arg(1)), Priority: p,
			Skills: skillsArg(o["skills"]), Preferred: tsunagu.AgentID(o["pref"]), PreferredFor: dur(o["preffor"]),
			LastAgent: tsunagu.AgentID(o["last"]), Callback: o["callback"] == "true"})
	case "abandon":
		return e.Abandon(now, tsunagu.ContactID(arg(0)))
	case "accept":
		return e.Accept(now, tsunagu.ContactID(arg(0)), tsunagu.AgentID(arg(1)))
	case "refuse":
		return e.Refuse(now, tsunagu.ContactID(arg(0)), tsunagu.AgentID(arg(1)))
	case "miss":
		return e.Missed(now, tsunagu.ContactID(arg(0)), tsunagu.AgentID(arg(1)))
	case "end":
		return e.End(now, tsunagu.ContactID(arg(0)))
	case "callback":
		return e.ConvertToCallback(now, tsunagu.ContactID(arg(0)))
	case "schedule":
		return e.ScheduleCallback(now, CallbackSpec{ID: tsunagu.ContactID(arg(0)), Queue: tsunagu.QueueID(arg(1)),
			Due: now.Add(dur(o["in"])), Owner: tsunagu.AgentID(o["owner"]), OwnerFor: dur(o["ownerfor"])})
	case "tick":
		return e.Tick(now), nil
	case "explain":
		x, err := e.Explain(tsunagu.ContactID(arg(0)))
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(x.String(), "\n") {
			fmt.Fprintf(out, "  %s\n", l)
		}
		return nil, nil
	case "stats":
		s, err := e.Stats(now, tsunagu.QueueID(arg(0)))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "  waiting=%d callbacks=%d longest=%s offered=%d answered=%d in_sl=%d abandoned=%d overflowed=%d agents=%+v\n",
			s.Waiting, s.Callbacks, s.LongestWait, s.Offered, s.Answered, s.AnsweredInSL, s.Abandoned, s.Overflowed, s.Agents)
		return nil, nil
	case "agent":
		s, err := e.Agent(tsunagu.AgentID(arg(0)))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "  state=%s reason=%s pending=%s for=%s contact=%s today=%d\n",
			s.State, s.Reason, s.Pending, now.Sub(s.Since), s.Contact, s.ContactsToday)
		return nil, nil
	}
	return nil, fmt.Errorf("unknown command %q", cmd)
}
