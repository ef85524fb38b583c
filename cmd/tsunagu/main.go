// Command tsunagu runs a whole contact center from one binary.
//
//	tsunagu serve [--data DIR] [--http ADDR] [--sip ADDR] [--demo] [--config FILE]
//	tsunagu migrate | version | backup --to FILE | user add|list|passwd
//	tsunagu staff ... | simulate ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // Asia/Tokyo and every tenant zone, even on a machine without zoneinfo
)

// version is set at release build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// A second signal while draining forces the exit.
		<-ctx.Done()
		stop()
		force := make(chan os.Signal, 1)
		signal.Notify(force, os.Interrupt, syscall.SIGTERM)
		<-force
		fmt.Fprintln(os.Stderr, "tsunagu: forced exit")
		os.Exit(130)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `tsunagu — a contact center in one binary (つなぐ)

Usage:
  tsunagu serve [--data DIR] [--http ADDR] [--sip ADDR] [--demo] [--config FILE]
  tsunagu migrate [--data DIR]            apply database migrations and exit
  tsunagu user add|list|passwd ...        manage logins (passwords are read from stdin)
  tsunagu backup --to FILE [--data DIR]   consistent copy of the database, safe while serving
  tsunagu kb reindex [--data DIR]         rebuild the knowledge-base search indexes
  tsunagu kb import [--tenant ID] PATH    import a folder of Markdown articles or a CSV file
  tsunagu staff --calls N --aht 180s ...  Erlang C staffing for one interval
  tsunagu simulate --agents N ...         simulate the routing engine against Erlang C/A
  tsunagu version

Environment: TSUNAGU_DATA, TSUNAGU_HTTP, TSUNAGU_SIP, TSUNAGU_CONFIG, TSUNAGU_LOG_LEVEL.
`

// run dispatches a subcommand and returns the exit code: 0 ok, 1 failure,
// 2 usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = runServe(ctx, rest, stdout, stderr, nil)
	case "migrate":
		err = runMigrate(ctx, rest, stdout, stderr)
	case "user":
		err = runUser(ctx, rest, stdin, stdout, stderr)
	case "backup":
		err = runBackup(ctx, rest, stdout, stderr)
	case "kb":
		err = runKB(ctx, rest, stdout, stderr)
	case "staff":
		err = runStaff(rest, stdout, stderr)
	case "simulate":
		err = runSimulate(rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "tsunagu", versionString())
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "tsunagu: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "tsunagu:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "tsunagu:", err)
		return 1
	}
}

// errUsage marks errors in how a command was called.
var errUsage = errors.New("usage")

// versionString is the release version, or the module's VCS revision.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if len(rev) > 12 {
			return "dev-" + rev[:12] + dirty
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}
