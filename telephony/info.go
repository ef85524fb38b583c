package telephony

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
)

// DTMF by SIP INFO. Some trunks and PBXs send key presses as in-dialog INFO
// requests (RFC 6086 carries them; the bodies are vendor formats) instead
// of RFC 4733 events in the RTP stream. A key press from the caller's INFO
// reaches the same places as one from RTP: the menu (barge-in included)
// and whatever reads the call's digits after it.
//
//   - application/dtmf-relay (Cisco's, the common one): lines "Signal=5"
//     and "Duration=160", in any order, CRLF or LF. Signal is 0-9, *, #,
//     A-D, or 10 and 11 for * and # (as some gateways send them).
//   - application/dtmf: the key alone, e.g. "5".
//
// Answers: 200 to a well-formed body (and to an INFO without a body, which
// some peers send as a keep-alive); 415 with Accept to any other content
// type; 400 to a malformed body; 481 outside a call's dialog. Digits are
// never logged: a caller types card numbers and PINs.

// infoQueue bounds the INFO digits waiting for the call to read them; more
// are dropped (a peer flooding INFO gains nothing).
const infoQueue = 16

// maxInfoBody bounds an INFO DTMF body; real ones are about 30 bytes.
const maxInfoBody = 512

var (
	// errInfoType: an INFO body in a format we do not read (415).
	errInfoType = errors.New("telephony: unsupported INFO content type")
	// errInfoBody: a DTMF body that does not carry exactly one key (400).
	errInfoBody = tsunagu.Errorf(tsunagu.EINVALID, "Malformed DTMF body.")
)

// infoAccept lists what we read, for the 415's Accept (RFC 3261 §21.4.13).
const infoAccept = "application/dtmf-relay, application/dtmf"

// onInfo serves INFO in a call's dialog: the caller's (trunk's) call, or a
// desk phone's, whose digits are read and dropped (they are not relayed to
// the caller).
func (s *Server) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := s.lookup(req)
	if c != nil && !c.fromPeer(req) {
		c = nil // same Call-ID, not the caller's dialog: not theirs to press keys in
	}
	if c == nil {
		if d := s.deskInDialog(req); d == nil || !d.fromPhone(req) {
			s.reject(req, tx, errNoDialog)
			return
		}
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	digit, ok, err := parseInfoDTMF(ct, req.Body())
	switch {
	case errors.Is(err, errInfoType):
		s.respond(req, tx, 415, "Unsupported Media Type", sip.NewHeader("Accept", infoAccept))
		return
	case err != nil:
		s.reject(req, tx, err)
		return
	}
	s.respond(req, tx, 200, "OK")
	if ok && c != nil {
		select {
		case c.info <- digit:
		default: // nobody reads (the call has moved past digits) or a flood
		}
		if c.log != nil {
			c.log.Debug("sip info dtmf") // never the digit
		}
	}
}

// fromPeer reports whether an in-dialog request comes from the other party
// of c's dialog: its From tag is the tag the peer uses in this dialog
// (RFC 3261 §12.2.2). A Call-ID alone is not proof enough to press keys.
func (c *call) fromPeer(req *sip.Request) bool {
	from := req.From()
	if from == nil {
		return false
	}
	tag, _ := from.Params.Get("tag")
	if tag == "" {
		return false
	}
	var peer string
	switch d := c.dialog.(type) {
	case *sipgo.DialogServerSession: // inbound: the caller's INVITE From tag
		if f := d.InviteRequest.From(); f != nil {
			peer, _ = f.Params.Get("tag")
		}
	case *sipgo.DialogClientSession: // outbound: the To tag of their answer
		if d.InviteResponse != nil && d.InviteResponse.To() != nil {
			peer, _ = d.InviteResponse.To().Params.Get("tag")
		}
	}
	return peer != "" && peer == tag
}

// parseInfoDTMF reads an INFO body: ok is true with the key pressed; false
// with a nil error for an INFO without a body. Errors: errInfoType for a
// content type we do not read, errInfoBody for a malformed body.
func parseInfoDTMF(contentType string, body []byte) (digit rune, ok bool, err error) {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	if len(bytes.TrimSpace(body)) == 0 && (mt == "" || mt == "application/dtmf-relay" || mt == "application/dtmf") {
		return 0, false, nil
	}
	if len(body) > maxInfoBody {
		return 0, false, errInfoBody
	}
	switch mt {
	case "application/dtmf-relay":
		return parseDTMFRelay(body)
	case "application/dtmf":
		d, ok := infoKey(string(bytes.TrimSpace(body)))
		if !ok {
			return 0, false, errInfoBody
		}
		return d, true, nil
	}
	return 0, false, errInfoType
}

// parseDTMFRelay reads "Signal=…" and an optional "Duration=…" (in ms).
// Other keys are ignored; a second Signal is malformed (which key?).
func parseDTMFRelay(body []byte) (rune, bool, error) {
	var digit rune
	found := false
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, eq := strings.Cut(line, "=")
		if !eq {
			return 0, false, errInfoBody
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Signal"):
			d, ok := infoKey(v)
			if !ok || found {
				return 0, false, errInfoBody
			}
			digit, found = d, true
		case strings.EqualFold(k, "Duration"):
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 60000 {
				return 0, false, errInfoBody
			}
		}
	}
	if !found {
		return 0, false, errInfoBody
	}
	return digit, true, nil
}

// infoKey maps a Signal value to a key: one of 0-9 * # A-D (upper case),
// or 10 and 11 for * and #.
func infoKey(v string) (rune, bool) {
	switch v {
	case "10":
		return '*', true
	case "11":
		return '#', true
	}
	if len(v) != 1 {
		return 0, false
	}
	switch c := rune(v[0]); {
	case c >= '0' && c <= '9', c == '*', c == '#':
		return c, true
	case c >= 'A' && c <= 'D':
		return c, true
	case c >= 'a' && c <= 'd':
		return c - 'a' + 'A', true
	}
	return 0, false
}
