package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"tsunagu/erlang"
)

// runStaff implements "tsunagu staff": Erlang C staffing for one interval.
// Without --agents it solves for the smallest staffing that meets --sl and
// prints a table of the neighbouring staffings; with --agents it evaluates
// that staffing.
func runStaff(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("staff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	calls := fs.Float64("calls", 0, "contacts offered in the interval")
	interval := fs.Duration("interval", 30*time.Minute, "interval length")
	aht := fs.Duration("aht", 0, "average handle time, e.g. 180s")
	sl := fs.String("sl", "80/20", "service-level target as percent/seconds")
	shrink := fs.String("shrinkage", "0%", "shrinkage as a percent (30%) or fraction (0.3)")
	maxOcc := fs.String("max-occupancy", "", "occupancy cap as a percent or fraction (optional)")
	agents := fs.Int("agents", 0, "evaluate this staffing instead of solving")
	patience := fs.Duration("patience", 0, "mean caller patience: use Erlang A (abandons count as misses); 0 = Erlang C")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("staff: unexpected argument %q", fs.Arg(0))
	}
	if *calls <= 0 {
		return errors.New("staff: --calls must be > 0")
	}
	if *aht <= 0 {
		return errors.New("staff: --aht must be > 0 (e.g. 180s)")
	}
	target, err := parseSL(*sl)
	if err != nil {
		return fmt.Errorf("staff: --sl: %w", err)
	}
	tg := erlang.Target{Contacts: *calls, Interval: *interval, AHT: *aht,
		ServiceLevel: target.fraction, Threshold: target.threshold}
	if tg.Shrinkage, err = parseFraction(*shrink); err != nil {
		return fmt.Errorf("staff: --shrinkage: %w", err)
	}
	if *maxOcc != "" {
		if tg.MaxOccupancy, err = parseFraction(*maxOcc); err != nil {
			return fmt.Errorf("staff: --max-occupancy: %w", err)
		}
	}
	if err := tg.Validate(); err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	if *patience < 0 {
		return errors.New("staff: --patience must be >= 0")
	}
	var s erlang.Staffing
	switch {
	case *agents < 0:
		return errors.New("staff: --agents must be >= 0")
	case *agents > 0:
		s = evaluate(tg, *agents, *patience)
	case *patience > 0:
		if s, _, err = erlang.SolveA(tg, *patience); err != nil {
			return fmt.Errorf("staff: %w", err)
		}
	default:
		if s, err = erlang.Solve(tg); err != nil {
			return fmt.Errorf("staff: %w", err)
		}
	}
	abandon := 0.0
	if *patience > 0 {
		abandon = erlang.A(s.Agents, tg.Contacts/tg.Interval.Seconds(), tg.AHT, *patience, tg.Threshold).PAbandon
	}
	if *asJSON {
		return writeStaffJSON(stdout, s, abandon)
	}
	return writeStaffTable(stdout, tg, s, *patience)
}

// evaluate gives the figures for n agents under Erlang C, or Erlang A when
// callers have a finite patience.
func evaluate(tg erlang.Target, n int, patience time.Duration) erlang.Staffing {
	if patience <= 0 {
		return erlang.Evaluate(tg, n)
	}
	lambda := tg.Contacts / tg.Interval.Seconds()
	r := erlang.A(n, lambda, tg.AHT, patience, tg.Threshold)
	return erlang.Staffing{Load: lambda * tg.AHT.Seconds(), Agents: n, ScheduledAgents: erlang.Scheduled(n, tg.Shrinkage),
		ServiceLevel: r.ServiceLevel, ASA: r.ASA, Occupancy: r.Occupancy, PWait: r.PWait}
}

// staffJSON is the machine-readable answer; the keys are a public contract.
type staffJSON struct {
	Load            float64  `json:"load_erlangs"`
	Agents          int      `json:"agents"`
	ScheduledAgents int      `json:"scheduled_agents"`
	ServiceLevel    float64  `json:"service_level"`
	ASASeconds      *float64 `json:"asa_seconds"` // null when the staffing is unstable
	Occupancy       float64  `json:"occupancy"`
	PWait           float64  `json:"p_wait"`
	AbandonRate     float64  `json:"abandon_rate"` // 0 without --patience
}

func writeStaffJSON(w io.Writer, s erlang.Staffing, abandon float64) error {
	out := staffJSON{Load: s.Load, Agents: s.Agents, ScheduledAgents: s.ScheduledAgents,
		ServiceLevel: s.ServiceLevel, Occupancy: s.Occupancy, PWait: s.PWait, AbandonRate: abandon}
	if s.ASA != time.Duration(math.MaxInt64) {
		v := s.ASA.Seconds()
		out.ASASeconds = &v
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeStaffTable(w io.Writer, tg erlang.Target, s erlang.Staffing, patience time.Duration) error {
	model := "Erlang C"
	if patience > 0 {
		model = fmt.Sprintf("Erlang A, mean patience %s", patience)
	}
	fmt.Fprintf(w, "load %.2f Erlangs, target %.0f%% in %s, shrinkage %.0f%% (%s)\n\n",
		s.Load, tg.ServiceLevel*100, tg.Threshold, tg.Shrinkage*100, model)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tagents\tscheduled\tP(wait)\tservice level\tASA\toccupancy\t")
	lo := max(1, s.Agents-3, int(math.Floor(s.Load))+1)
	if patience > 0 { // with abandonment, fewer agents than the load are stable
		lo = max(1, s.Agents-3)
	}
	for n := lo; n <= s.Agents+3; n++ {
		e := evaluate(tg, n, patience)
		asa := "inf"
		if e.ASA != time.Duration(math.MaxInt64) {
			asa = fmt.Sprintf("%.1fs", e.ASA.Seconds())
		}
		mark := ""
		if n == s.Agents {
			mark = "->"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%.2f%%\t%s\t%.1f%%\t\n",
			mark, n, e.ScheduledAgents, e.PWait, e.ServiceLevel*100, asa, e.Occupancy*100)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.ServiceLevel < tg.ServiceLevel {
		fmt.Fprintf(w, "\n%d agents miss the target: %.2f%% answered within %s\n", s.Agents, s.ServiceLevel*100, tg.Threshold)
	}
	return nil
}

type slTarget struct {
	fraction  float64
	threshold time.Duration
}

// parseSL parses "80/20" (percent answered / seconds); the seconds may carry a
// unit ("80/20s").
func parseSL(s string) (slTarget, error) {
	pct, secs, ok := strings.Cut(s, "/")
	if !ok {
		return slTarget{}, fmt.Errorf("want percent/seconds like 80/20, got %q", s)
	}
	p, err := strconv.ParseFloat(strings.TrimSuffix(pct, "%"), 64)
	if err != nil || !(p > 0 && p < 100) { // written so that NaN fails too
		return slTarget{}, fmt.Errorf("percent must be a number in (0,100), got %q", pct)
	}
	d, err := time.ParseDuration(secs)
	if err != nil {
		v, err2 := strconv.ParseFloat(secs, 64)
		if err2 != nil || !(v >= 0 && v <= 86400) {
			return slTarget{}, fmt.Errorf("seconds must be in [0, 86400], got %q", secs)
		}
		d = time.Duration(v * float64(time.Second))
	}
	if d < 0 || d > 24*time.Hour {
		return slTarget{}, fmt.Errorf("seconds must be in [0, 86400], got %q", secs)
	}
	return slTarget{fraction: p / 100, threshold: d}, nil
}

// parseFraction accepts "30%" or "0.3".
func parseFraction(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("want a percent like 30%% or a fraction like 0.3, got %q", s)
	}
	if pct || v > 1 {
		v /= 100
	}
	if !(v >= 0 && v < 1) { // NaN fails too
		return 0, fmt.Errorf("must be in [0%%,100%%), got %q", s)
	}
	return v, nil
}
