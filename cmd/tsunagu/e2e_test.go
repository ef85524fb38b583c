package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needSipp returns sipp's path; without it the test skips, or fails in CI
// (scripts/test installs sip-tester).
func needSipp(t *testing.T) string {
	t.Helper()
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sipp is missing (scripts/test installs sip-tester)")
		}
		t.Skip("sipp missing; scripts/test installs sip-tester")
	}
	return sipp
}

// sippCall returns sipp placing one call with a scenario of
// telephony/testdata to the served number, from a folder holding the
// pcap -> /usr/share/sip-tester link its scenarios play from.
func sippCall(t *testing.T, ctx context.Context, sipp, scenario, sipAddr string, extra ...string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")); err != nil {
		t.Fatal(err)
	}
	sf, err := filepath.Abs(filepath.Join("../../telephony/testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-sf", sf, "-s", demoNumber, "-i", "127.0.0.1", "-p", "0", "-mp", freeUDPPort(t),
		"-nostdin", "-m", "1", "-timeout", "90s", "-timeout_error"}, extra...)
	cmd := exec.CommandContext(ctx, sipp, append(args, sipAddr)...)
	cmd.Dir = dir
	return cmd
}

// browserRun is a web/e2e script driving Chromium against the server; it
// prints marker lines (READY, DONE, …) that the Go side waits for.
type browserRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  *bufio.Scanner
	stdin  io.WriteCloser // for scripts that wait for the Go side (send)
	stderr strings.Builder
}

func startBrowser(t *testing.T, ctx context.Context, chromium, script, url string) *browserRun {
	t.Helper()
	b := &browserRun{t: t}
	b.cmd = exec.CommandContext(ctx, "node", "../../web/e2e/"+script, url, os.Getenv("TSUNAGU_SCREENSHOTS"))
	b.cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if b.stdin, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = &b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.lines = bufio.NewScanner(out)
	return b
}

// send writes one line to the script's stdin: the go-ahead a script waits
// for (web/e2e/*.mjs read it with readline) once the Go side has checked
// what it must before the page goes on.
func (b *browserRun) send(line string) {
	b.t.Helper()
	if _, err := fmt.Fprintln(b.stdin, line); err != nil {
		b.t.Fatalf("browser stdin: %v", err)
	}
}

// waitLine waits for the script to print a line starting with prefix.
func (b *browserRun) waitLine(prefix string) string {
	b.t.Helper()
	for b.lines.Scan() {
		if l := strings.TrimSpace(b.lines.Text()); strings.HasPrefix(l, prefix) {
			return l
		}
	}
	b.cmd.Wait()
	b.t.Fatalf("the browser never printed %s:\n%s", prefix, b.stderr.String())
	return ""
}

// wait waits for the script to end and fails the test unless it passed.
func (b *browserRun) wait() {
	b.t.Helper()
	if err := b.cmd.Wait(); err != nil {
		b.t.Fatalf("browser: %v\n%s", err, b.stderr.String())
	}
}
