package tsunagu_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The import rules of docs/architecture.md, checked with go list -deps (after
// tailscale's tstest/deptest): the vocabulary is standard library only, pure
// engines touch no network or database, adapters never import each other.
var (
	// pure packages: logic only, testable alone, drivable at full speed.
	purePackages = []string{"tsunagu/acd", "tsunagu/acd/sim", "tsunagu/calendar", "tsunagu/erlang", "tsunagu/kb", "tsunagu/ivr", "tsunagu/dispatch", "tsunagu/floor"}
	// adapters: one per outside dependency; only cmd/tsunagu wires them.
	adapters = []string{"tsunagu/sqlite", "tsunagu/postgres", "tsunagu/inmem", "tsunagu/natsbus", "tsunagu/httpapi",
		"tsunagu/telephony", "tsunagu/media", "tsunagu/softphone"}
	// allowedEdges are the adapter-to-adapter imports the design has: the
	// SIP edge and the browser softphone hand audio to the media package,
	// which knows nothing of either; the API turns an uploaded prompt into
	// the phone's format with media's WAV reader and codecs.
	allowedEdges = map[string][]string{
		"tsunagu/telephony": {"tsunagu/media"},
		"tsunagu/softphone": {"tsunagu/media"},
		"tsunagu/httpapi":   {"tsunagu/media"},
	}
	// impure imports: what a pure package must never reach.
	impure = []string{"net", "net/http", "database/sql", "os/exec", "github.com/emiago/sipgo", "github.com/pion/",
		"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/nats-io/", "github.com/coder/websocket"}
)

type pkgDeps struct {
	all      []string
	nonStd   []string
	internal []string
}

func listDeps(t *testing.T, pkg string) (pkgDeps, bool) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", pkg).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "is not in std") || strings.Contains(string(out), "cannot find") || strings.Contains(string(out), "no required module") || strings.Contains(string(out), "matched no packages") {
			return pkgDeps{}, false // not built yet
		}
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	var d pkgDeps
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, std, _ := strings.Cut(line, " ")
		if path == pkg {
			continue
		}
		d.all = append(d.all, path)
		if std != "true" {
			d.nonStd = append(d.nonStd, path)
			if path == "tsunagu" || strings.HasPrefix(path, "tsunagu/") {
				d.internal = append(d.internal, path)
			}
		}
	}
	return d, true
}

// isImpure reports whether an import is one pure packages must not reach:
// an exact standard package, or anything under a listed module.
func isImpure(dep string) bool {
	for _, bad := range impure {
		switch {
		case dep == bad:
			return true
		case strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad):
			return true
		case strings.Contains(bad, ".") && strings.HasPrefix(dep, bad+"/"):
			return true
		}
	}
	return false
}

func TestDeps_IsImpure(t *testing.T) {
	for dep, want := range map[string]bool{"net": true, "net/http": true, "net/url": false, "database/sql": true,
		"github.com/pion/rtp": true, "modernc.org/sqlite/lib": true, "github.com/ikawaha/kagome/v2": false, "strings": false} {
		if got := isImpure(dep); got != want {
			t.Errorf("isImpure(%q) = %v, want %v", dep, got, want)
		}
	}
}

func TestDeps_RootIsStandardLibraryOnly(t *testing.T) {
	d, _ := listDeps(t, "tsunagu")
	if len(d.nonStd) > 0 {
		t.Fatalf("package tsunagu imports %v; the vocabulary must be standard library only", d.nonStd)
	}
}

func TestDeps_PurePackages(t *testing.T) {
	for _, pkg := range purePackages {
		d, ok := listDeps(t, pkg)
		if !ok {
			continue
		}
		for _, dep := range d.all {
			if isImpure(dep) {
				t.Errorf("pure package %s imports %s", pkg, dep)
			}
		}
		for _, dep := range d.internal {
			for _, a := range adapters {
				if dep == a {
					t.Errorf("pure package %s imports adapter %s", pkg, dep)
				}
			}
		}
	}
}

func TestDeps_AdaptersDoNotImportEachOther(t *testing.T) {
	for _, pkg := range adapters {
		d, ok := listDeps(t, pkg)
		if !ok {
			continue
		}
		for _, dep := range d.internal {
			for _, other := range adapters {
				if dep == other && !slices.Contains(allowedEdges[pkg], dep) {
					t.Errorf("adapter %s imports adapter %s; only cmd/tsunagu wires adapters", pkg, dep)
				}
			}
		}
	}
}
