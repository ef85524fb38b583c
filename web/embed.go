// Package web holds Tsunagu's browser pages — TypeScript sources under src/
// and the built bundle in dist/, which is committed so that `go run` needs no
// Node — and serves the bundle.
package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed all:dist
var dist embed.FS

// Handler serves the built pages: files from dist/, and index.html for any
// other path so that the single-page app owns its URLs. Assets are cached;
// index.html never is, so a new release is picked up on reload.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time; its absence is a build error
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// The pages talk only to their own origin; the snippet HTML from
		// the server is escaped, and no inline script is ever needed.
		// media-src blob: plays a voicemail the page fetched once (one
		// audited read) from memory (web/src/callbacks.tsx).
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; frame-ancestors 'none'")
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p != "" && p != "index.html" {
			if st, err := fs.Stat(sub, p); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "assets/") {
					h.Set("Cache-Control", "public, max-age=3600")
					h.Add("Vary", "Accept-Encoding")
					if gz := gzipped(sub, p); gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
						h.Set("Content-Type", mime.TypeByExtension(path.Ext(p)))
						h.Set("Content-Encoding", "gzip")
						http.ServeContent(w, r, "", st.ModTime(), bytes.NewReader(gz))
						return
					}
				}
				files.ServeHTTP(w, r)
				return
			}
		}
		h.Set("Cache-Control", "no-cache")
		index, err := fs.ReadFile(sub, "index.html")
		if err != nil {
			http.Error(w, "web UI not built", http.StatusInternalServerError)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.Write(index)
	})
}

var (
	gzMu    sync.Mutex
	gzCache = map[string][]byte{}
)

// gzipped returns the asset compressed (once, then from memory): the desk's
// bundle is a third of its size on the wire. Nil when it cannot be read.
func gzipped(fsys fs.FS, name string) []byte {
	gzMu.Lock()
	defer gzMu.Unlock()
	if b, ok := gzCache[name]; ok {
		return b
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	if zw.Close() != nil {
		return nil
	}
	gzCache[name] = buf.Bytes()
	return gzCache[name]
}
