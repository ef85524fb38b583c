package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"tsunagu"
)

// decode reads a JSON body strictly: application/json only (a cross-site
// HTML form cannot send it without a CORS preflight, which we never allow),
// at most the body limit, no unknown fields, one value, nothing after it.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &tsunagu.Error{Code: tsunagu.EINVALID, Message: "Send the body as application/json.", Field: "Content-Type"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.bodyLimit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return tsunagu.Errorf(tsunagu.EINVALID, "The body must hold exactly one JSON value.")
	}
	return nil
}

// jsonError turns a decoding failure into a user-facing error naming the
// field at fault where the decoder knows it.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return tsunagu.Errorf(tsunagu.ETOOLARGE, "The body is larger than %d bytes.", mbe.Limit)
	case errors.As(err, &syn):
		return tsunagu.Errorf(tsunagu.EINVALID, "The body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		return &tsunagu.Error{Code: tsunagu.EINVALID, Field: typ.Field, Message: fmt.Sprintf("Field %q must be %s.", typ.Field, typ.Type)}
	case errors.Is(err, io.EOF):
		return tsunagu.Errorf(tsunagu.EINVALID, "The body is empty.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tsunagu.Errorf(tsunagu.EINVALID, "The body is cut short.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &tsunagu.Error{Code: tsunagu.EINVALID, Field: f, Message: fmt.Sprintf("Unknown field %q.", f)}
	}
	return tsunagu.Errorf(tsunagu.EINVALID, "The body could not be read as JSON.")
}

// reply writes v as JSON with status.
func reply(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// page reads ?limit= and ?cursor=.
func page(r *http.Request) (tsunagu.Page, error) {
	p := tsunagu.Page{Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > tsunagu.MaxPageLimit {
			return p, tsunagu.FieldError("limit", "limit must be 1–%d.", tsunagu.MaxPageLimit)
		}
		p.Limit = n
	}
	return p.Clamp(), nil
}

// List is one page of a collection.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
