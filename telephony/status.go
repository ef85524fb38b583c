package telephony

import (
	"errors"

	"tsunagu"
	"tsunagu/media"
)

// Refusals that have no error code of their own.
var (
	// errNotAcceptable: the session cannot be accepted as offered.
	errNotAcceptable = errors.New("telephony: session not acceptable")
	// errMerged: a second INVITE with a Call-ID already in progress
	// (a merged request, RFC 3261 §8.2.2.2).
	errMerged = errors.New("telephony: merged request")
	// errNoDialog: an in-dialog request matching no dialog.
	errNoDialog = errors.New("telephony: no such dialog")
)

// status maps an error to the SIP response that answers it. This is the one
// place where error codes become SIP statuses (the other edge is
// httpapi/error.go for HTTP); the reason phrases are RFC 3261 §21's. The
// response never carries the error's text: internal detail goes to the log.
func status(err error) (int, string) {
	switch {
	case errors.Is(err, media.ErrNoCommonCodec), errors.Is(err, errNotAcceptable):
		return 488, "Not Acceptable Here" // §21.4.26: no acceptable session description
	case errors.Is(err, errMerged):
		return 482, "Loop Detected"
	case errors.Is(err, errNoDialog):
		return 481, "Call/Transaction Does Not Exist"
	}
	switch tsunagu.ErrorCode(err) {
	case tsunagu.EINVALID:
		return 400, "Bad Request"
	case tsunagu.EUNAUTHORIZED:
		return 401, "Unauthorized"
	case tsunagu.EFORBIDDEN:
		return 403, "Forbidden"
	case tsunagu.ENOTFOUND:
		return 404, "Not Found"
	case tsunagu.ETOOLARGE:
		return 513, "Message Too Large"
	case tsunagu.ENOTIMPLEMENTED:
		return 501, "Not Implemented"
	case tsunagu.EUNAVAILABLE, tsunagu.ERATELIMITED:
		// 503 with Retry-After (§21.5.4): come back later, or elsewhere.
		return 503, "Service Unavailable"
	}
	return 500, "Server Internal Error"
}
