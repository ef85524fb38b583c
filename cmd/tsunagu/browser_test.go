package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestBrowser_Desk drives the desk in a real Chromium (web/e2e/desk.mjs,
// playwright-core) against the demo center served by this binary. The test
// command installs Chromium and the npm packages; outside CI a machine
// without them skips, in CI it fails.
func TestBrowser_Desk(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, errChromium := os.Stat(chromium)
	_, errNode := exec.LookPath("node")
	_, errPW := os.Stat("../../web/node_modules/playwright-core")
	if errChromium != nil || errNode != nil || errPW != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser test needs chromium, node and web/node_modules (scripts/test installs them): %v %v %v", errChromium, errNode, errPW)
		}
		t.Skip("chromium, node or web/node_modules missing; scripts/test installs them")
	}
	s := startServe(t, "--data", t.TempDir(), "--demo")
	shots := os.Getenv("TSUNAGU_SCREENSHOTS") // set to keep screenshots, e.g. for the README
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "../../web/e2e/desk.mjs", s.url, shots)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("desk e2e failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
