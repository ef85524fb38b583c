package web

import (
	"compress/gzip"
	"io/fs"
	"testing"
)

// bundleBudget is issue 5's limit on what a browser downloads to open the
// desk, gzipped: an operator's PC on a congested office link, or a
// home-worker's VPN, must open it in a moment.
const bundleBudget = 300 << 10

// TestBundle_Size gzips every file of the embedded bundle (level 6, what
// common reverse proxies use) and fails past the budget. It measures the
// committed web/dist that the binary serves, so a new dependency that bloats
// the desk fails here. The figures are logged for docs/benchmarks.md.
func TestBundle_Size(t *testing.T) {
	var raw, gz int64
	files := 0
	err := fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dist, p)
		if err != nil {
			return err
		}
		n := gzipSize(t, b)
		t.Logf("%-28s %8d bytes, %7d gzipped", p, len(b), n)
		raw += int64(len(b))
		gz += n
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Fatalf("the bundle has %d files; run 'cd web && npm run build'", files)
	}
	t.Logf("desk bundle: %d files, %.1f KB raw, %.1f KB gzipped (budget %d KB)", files, float64(raw)/1024, float64(gz)/1024, bundleBudget>>10)
	if gz > bundleBudget {
		t.Fatalf("the desk bundle is %.1f KB gzipped, over the %d KB budget", float64(gz)/1024, bundleBudget>>10)
	}
}

// gzipSize is the size of b gzipped at the default level.
func gzipSize(t *testing.T, b []byte) int64 {
	t.Helper()
	var n countWriter
	w, err := gzip.NewWriterLevel(&n, gzip.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return int64(n)
}

// countWriter counts bytes written and keeps none.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
