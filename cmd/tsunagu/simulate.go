package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"tsunagu"
	"tsunagu/acd"
	"tsunagu/acd/sim"
)

// runSimulate implements "tsunagu simulate": a discrete-event simulation of
// one queue that drives the real ACD engine with a fake clock, printed next
// to what Erlang C (or Erlang A, with --patience) predicts.
func runSimulate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agents := fs.Int("agents", 0, "agents logged in")
	calls := fs.Float64("calls", 0, "contacts offered per interval (Poisson)")
	interval := fs.Duration("interval", 30*time.Minute, "interval the --calls figure refers to")
	aht := fs.Duration("aht", 0, "mean talk time (exponential), e.g. 180s")
	hours := fs.Float64("hours", 100, "simulated hours measured")
	warmup := fs.Duration("warmup", time.Hour, "simulated time before measuring")
	patience := fs.Duration("patience", 0, "mean caller patience (exponential); 0 = nobody hangs up")
	acw := fs.Duration("acw", 0, "fixed after-call work per contact")
	sl := fs.String("sl", "80/20", "service-level target as percent/seconds (the threshold is used)")
	breakEvery := fs.Duration("break-every", 0, "each agent takes a break this often (0 = no breaks)")
	breakLen := fs.Duration("break-length", 15*time.Minute, "length of a break")
	strategy := fs.String("strategy", "longest_idle", "agent selection strategy")
	queues := fs.Int("queues", 1, "split --calls evenly over this many queues, every agent serving all of them")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("simulate: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *agents <= 0 || *agents > 100_000:
		return errors.New("simulate: --agents must be in [1, 100000]")
	case !(*calls > 0) || math.IsInf(*calls, 1): // NaN fails too
		return errors.New("simulate: --calls must be > 0")
	case *interval <= 0:
		return errors.New("simulate: --interval must be > 0")
	case *aht <= 0:
		return errors.New("simulate: --aht must be > 0 (e.g. 180s)")
	case !(*hours > 0) || *hours > 1e6:
		return errors.New("simulate: --hours must be in (0, 1e6]")
	case *queues < 1 || *queues > 1000:
		return errors.New("simulate: --queues must be in [1, 1000]")
	case *patience < 0 || *acw < 0 || *warmup < 0:
		return errors.New("simulate: --patience, --acw and --warmup must be >= 0")
	}
	// A run is about 1 µs of engine work per contact and some memory per
	// contact; refuse runs that would take hours rather than start them.
	if n := *calls / interval.Seconds() * *hours * 3600; n > 50e6 {
		return fmt.Errorf("simulate: %.3g contacts is too many for one run (limit 5e7); lower --hours or --calls", n)
	}
	target, err := parseSL(*sl)
	if err != nil {
		return fmt.Errorf("simulate: --sl: %w", err)
	}
	st, err := acd.ParseStrategy(*strategy)
	if err != nil {
		return fmt.Errorf("simulate: --strategy: %w", err)
	}
	// Every agent serves every queue: with one global order across queues the
	// pool is a single M/M/c(+M), which is what the prediction assumes.
	q := sim.QueueSpec{ID: "q", Skill: "s", Rate: *calls / interval.Seconds(), AHT: *aht, Patience: *patience,
		ACW: *acw, SLThreshold: target.threshold, Strategy: st}
	cfg := sim.Config{
		Agents:   []sim.AgentGroup{{Count: *agents}},
		Duration: time.Duration(*hours * float64(time.Hour)), Warmup: *warmup, Seed: *seed,
		BreakEvery: *breakEvery, BreakLength: *breakLen,
	}
	for i := range *queues {
		qi := q
		qi.Rate /= float64(*queues)
		if *queues > 1 {
			qi.ID, qi.Skill = tsunagu.QueueID(fmt.Sprintf("q%d", i+1)), tsunagu.SkillID(fmt.Sprintf("s%d", i+1))
		}
		cfg.Queues = append(cfg.Queues, qi)
		cfg.Agents[0].Skills = append(cfg.Agents[0].Skills, qi.Skill)
	}
	if *breakEvery == 0 {
		cfg.BreakLength = 0
	}
	res, err := sim.Run(cfg)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	p := sim.Predict(q, *agents)
	out := simJSON{
		Measured: simFigures{Contacts: float64(res.Total.Contacts), ServiceLevel: res.Total.ServiceLevel(),
			ASASeconds: secs(res.Total.ASA()), AbandonRate: res.Total.AbandonRate(), Occupancy: res.Occupancy},
		Predicted: simFigures{Contacts: q.Rate * cfg.Duration.Seconds(), ServiceLevel: p.ServiceLevel,
			ASASeconds: secs(p.ASA), AbandonRate: p.AbandonRate, Occupancy: p.Occupancy},
		Model: p.Model,
	}
	if *queues > 1 {
		for _, qs := range cfg.Queues {
			f := res.PerQueue[qs.ID]
			out.Queues = append(out.Queues, simQueue{Queue: qs.ID, Contacts: f.Contacts, ServiceLevel: f.ServiceLevel(),
				ASASeconds: f.ASA().Seconds(), AbandonRate: f.AbandonRate()})
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "%d agents, %.1f Erlangs offered, %g simulated hours, seed %d; prediction: %s\n\n",
		*agents, q.Rate*(q.AHT+q.ACW).Seconds(), *hours, *seed, p.Model)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tcontacts\tservice level\tASA\tabandoned\toccupancy\t")
	for _, row := range []struct {
		name string
		f    simFigures
	}{{"measured", out.Measured}, {"predicted", out.Predicted}} {
		asa := "inf"
		if row.f.ASASeconds != nil {
			asa = fmt.Sprintf("%.2fs", *row.f.ASASeconds)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f%%\t%s\t%.2f%%\t%.1f%%\t\n", row.name, row.f.Contacts,
			row.f.ServiceLevel*100, asa, row.f.AbandonRate*100, row.f.Occupancy*100)
	}
	for _, qf := range out.Queues {
		fmt.Fprintf(tw, "measured %s\t%d\t%.2f%%\t%.2fs\t%.2f%%\t\t\n", qf.Queue, qf.Contacts,
			qf.ServiceLevel*100, qf.ASASeconds, qf.AbandonRate*100)
	}
	return tw.Flush()
}

// simJSON is the machine-readable output; the keys are a public contract.
type simJSON struct {
	Measured  simFigures `json:"measured"`
	Predicted simFigures `json:"predicted"`
	Model     string     `json:"model"`            // erlang_c or erlang_a
	Queues    []simQueue `json:"queues,omitempty"` // measured per queue, with --queues > 1
}

// simQueue is one queue's measured figures; occupancy is the pool's.
type simQueue struct {
	Queue        tsunagu.QueueID `json:"queue"`
	Contacts     int             `json:"contacts"`
	ServiceLevel float64         `json:"service_level"`
	ASASeconds   float64         `json:"asa_seconds"`
	AbandonRate  float64         `json:"abandon_rate"`
}

type simFigures struct {
	Contacts     float64  `json:"contacts"` // predicted: expected arrivals
	ServiceLevel float64  `json:"service_level"`
	ASASeconds   *float64 `json:"asa_seconds"` // null when unbounded (unstable Erlang C)
	AbandonRate  float64  `json:"abandon_rate"`
	Occupancy    float64  `json:"occupancy"`
}

func secs(d time.Duration) *float64 {
	if d == time.Duration(math.MaxInt64) {
		return nil
	}
	v := d.Seconds()
	return &v
}
