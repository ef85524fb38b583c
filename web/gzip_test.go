package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHandler_Gzip: a browser that accepts gzip gets the bundle compressed,
// and it unpacks to the very file; one that does not gets it plain.
func TestHandler_Gzip(t *testing.T) {
	want, err := fs.ReadFile(dist, "dist/assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	get := func(enc string) *http.Response {
		r := httptest.NewRequest("GET", "/assets/app.js", nil)
		if enc != "" {
			r.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		Handler().ServeHTTP(w, r)
		return w.Result()
	}
	res := get("gzip, deflate, br")
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("gzip: %d %v", res.StatusCode, res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("unpacked %d bytes (%v), want the %d of app.js", len(got), err, len(want))
	}
	plain := get("")
	body, _ := io.ReadAll(plain.Body)
	if plain.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
		t.Fatalf("plain: %v, %d bytes", plain.Header, len(body))
	}
}
