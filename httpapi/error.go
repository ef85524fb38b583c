package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"tsunagu"
)

// Problem is an RFC 9457 problem+json body with the stable tsunagu error code
// and the field at fault.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Code     string `json:"code"`
	Detail   string `json:"detail,omitempty"`
	Field    string `json:"field,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// statusOf maps error codes to HTTP statuses; this and telephony/status.go
// are the only two places where codes meet protocols.
var statusOf = map[string]int{
	tsunagu.ECONFLICT:       http.StatusConflict,
	tsunagu.EFORBIDDEN:      http.StatusForbidden,
	tsunagu.EINTERNAL:       http.StatusInternalServerError,
	tsunagu.EINVALID:        http.StatusBadRequest,
	tsunagu.ENOTFOUND:       http.StatusNotFound,
	tsunagu.ERATELIMITED:    http.StatusTooManyRequests,
	tsunagu.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	tsunagu.EUNAUTHORIZED:   http.StatusUnauthorized,
	tsunagu.EUNAVAILABLE:    http.StatusServiceUnavailable,
	tsunagu.ENOTIMPLEMENTED: http.StatusNotImplemented,
}

// StatusOf returns the HTTP status for an error code.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// writeError writes err as problem+json. Internal errors are logged with
// their detail and shown to the client only as "Internal error."
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := tsunagu.ErrorCode(err)
	status := StatusOf(code)
	if code == tsunagu.EINTERNAL {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var retry *retryAfterError
	if errors.As(err, &retry) {
		w.Header().Set("Retry-After", retry.seconds)
	}
	p := Problem{
		Type:     "https://tsunagu.dev/problems/" + code,
		Title:    http.StatusText(status),
		Status:   status,
		Code:     code,
		Detail:   tsunagu.ErrorMessage(err),
		Field:    tsunagu.ErrorField(err),
		Instance: r.URL.Path,
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(p); err != nil {
		s.log.DebugContext(r.Context(), "write problem", "err", err)
	}
}

// retryAfterError adds a Retry-After header to a rate-limit or drain error.
type retryAfterError struct {
	err     *tsunagu.Error
	seconds string
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }
