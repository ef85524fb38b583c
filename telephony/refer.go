package telephony

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"tsunagu"
)

// Blind transfer from an agent's desk phone (RFC 3515 REFER). The agent
// presses transfer on the phone and dials a target; the phone sends REFER
// in the dialog of our call to it, with Refer-To: sip:<target>@<us>. We
// answer 202 Accepted, tell the phone "SIP/2.0 100 Trying" in a NOTIFY
// (Event: refer, Content-Type message/sipfrag), transfer the caller
// through routing exactly as the desk's transfer button does
// (DeskTransferer → dispatch.Transfer: the caller hears music and waits at
// the head of the target's line), and end the subscription with a NOTIFY
// carrying the outcome: "SIP/2.0 200 OK", or the failure (404 unknown
// target, 403 an outside number the trunk's policy does not allow, 480
// the agent is not logged in, …) — then the call simply continues with the
// agent. After a 200 we hang up the phone's leg (BYE), as the phone's own
// BYE would.
//
// An outside number goes the same way (dispatch.Transfer with a number,
// transferout.go), and its final NOTIFY waits for the outside party, as
// RFC 3515 §2.4.5 has it report the outcome of the new call: "200 OK" once
// it answered and the caller talks with it; its refusal ("486 Busy Here",
// "480 Temporarily Unavailable" when it did not answer) when not — the
// caller is then back with the agent. A phone that hung up before the
// outcome has let the caller go: routing queues them again.
//
// What the Refer-To user part names, first match wins:
//
//  1. "leader": the leader (dispatch picks the supervisor free longest);
//  2. a queue's ID (e.g. "tech"), then a queue's menu digit (Queue.DTMF,
//     e.g. "2": what a keypad can dial);
//  3. an agent's SIP username (as their desk phone registers, e.g.
//     "desk-202" or "202") in the same tenant;
//  4. a telephone number: an outside number, dialled over the outbound
//     trunk when its policy allows it (403 otherwise; 480 without an
//     outbound trunk);
//  5. anything else: 404.
//
// REFER anywhere else is refused: from the caller's side (a trunk) with
// 403 Forbidden — the method exists here, but a customer or carrier never
// moves a call inside the center — and outside any dialog with 403 too
// (no out-of-dialog REFER: never a way to make us place calls). A
// Refer-To with Replaces completes an attended transfer the phone set up
// with a consult call of its own (deskconsult.go).
// "Refer-Sub: false" (RFC 4488) is honoured: 202 without NOTIFYs.

// DeskTransferer is implemented by a DeskHandler that can transfer: the
// agent on contact asked their desk phone to transfer the caller to to.
// Errors are routing's (dispatch.Transfer): EINVALID, ECONFLICT, ….
type DeskTransferer interface {
	DeskTransfer(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, to tsunagu.TransferTarget) error
}

// queueLister finds a tenant's queues for Refer-To targets (sqlite.DB).
type queueLister interface {
	ListQueues(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Queue, error)
}

// onRefer serves REFER: a desk phone's transfer, else refused.
func (s *Server) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	if d := s.deskInDialog(req); d != nil {
		if !d.fromPhone(req) {
			s.reject(req, tx, errNoDialog)
			return
		}
		s.deskRefer(d, req, tx)
		return
	}
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok && s.lookup(req) == nil {
			s.reject(req, tx, errNoDialog)
			return
		}
	}
	s.log.Info("sip refer refused", "reason", "not a desk phone", "sip_call_id", callID(req))
	s.respond(req, tx, 403, "Forbidden")
}

// deskRefer accepts a desk phone's REFER and carries it out.
func (s *Server) deskRefer(d *desk, req *sip.Request, tx sip.ServerTransaction) {
	refs := req.GetHeaders("Refer-To")
	ref := req.ReferTo()
	if len(refs) != 1 || ref == nil || req.CSeq() == nil {
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EINVALID, "One Refer-To is required."))
		return
	}
	if r, ok := parseReplaces(ref.Address); ok {
		s.deskReplaces(d, req, tx, r) // attended transfer (deskconsult.go)
		return
	}
	user := ref.Address.User
	if user == "" && strings.EqualFold(ref.Address.Scheme, "tel") {
		user = ref.Address.Host
	}
	if user == "" {
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EINVALID, "Refer-To names nobody."))
		return
	}
	h, ok := s.cfg.Desk.(DeskTransferer)
	if !ok {
		s.respond(req, tx, 501, "Not Implemented")
		return
	}
	d.referring.Lock() // until the outcome is known (deskphone.go, run)
	defer d.referring.Unlock()
	sub, id := s.acceptRefer(req, tx)

	// Long enough for an outside number to ring out (transferout.go).
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second+DefaultTransferRingTimeout)
	defer cancel()
	if sub {
		d.notify(ctx, id, 100, "Trying", false)
	}
	code, reason := 200, "OK"
	to, err := s.referTarget(ctx, d.tenant, user)
	letGo := false // the caller has left this phone, transferred or not
	if err == nil {
		// Out of the desk map before routing acts: the next operator's
		// phone may ring for this very contact at once (addDesk).
		s.mu.Lock()
		if s.desks[d.contact] == d {
			delete(s.desks, d.contact)
		}
		s.mu.Unlock()
		err = h.DeskTransfer(ctx, d.tenant, d.contact, d.agent, to)
		if err == nil && to.Number != "" {
			if o, ok := s.awaitTransferOut(ctx, d.contact); !ok || !o.Answered {
				err = &farRefused{o}
				letGo = ok && !o.Returned // routing queues the caller again
			}
		}
		if err != nil && !letGo {
			s.mu.Lock()
			select {
			case <-d.done: // the caller's call ended meanwhile
			default:
				if s.desks[d.contact] == nil {
					s.desks[d.contact] = d
				}
			}
			s.mu.Unlock()
		}
	}
	if err != nil {
		code, reason = referStatus(err)
		why := tsunagu.ErrorCode(err)
		if f, ok := errors.AsType[*farRefused](err); ok {
			why = "outside_" + f.o.Reason
		}
		d.log.Info("desk phone transfer refused", "sip_status", code, "reason", why)
		if letGo {
			d.transferred.Store(true) // the phone's BYE does not end the caller's call
		}
	} else {
		d.transferred.Store(true)
		d.log.Info("desk phone transferred the call", "queue_id", string(to.QueueID), "to_agent_id", string(to.AgentID), "leader", to.Leader,
			"outside_number", to.Number != "")
	}
	if sub {
		d.notify(ctx, id, code, reason, true)
	}
	if err == nil {
		d.once.Do(func() { close(d.stop) }) // run sends the phone its BYE
	}
}

// referTarget maps a Refer-To user part to a transfer target of tenant
// (the order is in the comment at the top of this file).
func (s *Server) referTarget(ctx context.Context, tenant tsunagu.TenantID, user string) (tsunagu.TransferTarget, error) {
	if strings.EqualFold(user, "leader") {
		return tsunagu.TransferTarget{Leader: true}, nil
	}
	if ql, ok := s.cfg.Store.(queueLister); ok {
		qs, err := ql.ListQueues(ctx, tenant)
		if err != nil {
			return tsunagu.TransferTarget{}, err
		}
		for _, q := range qs {
			if string(q.ID) == user {
				return tsunagu.TransferTarget{QueueID: q.ID}, nil
			}
		}
		for _, q := range qs {
			if q.DTMF != "" && q.DTMF == user {
				return tsunagu.TransferTarget{QueueID: q.ID}, nil
			}
		}
	}
	if s.cfg.Phones != nil {
		p, err := s.cfg.Phones.FindSIPUser(ctx, user)
		switch {
		case err == nil && p.TenantID == tenant && p.AgentID != "":
			return tsunagu.TransferTarget{AgentID: p.AgentID}, nil
		case err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND:
			return tsunagu.TransferTarget{}, err
		}
	}
	if _, err := tsunagu.NormalizePhone(user); err == nil {
		return tsunagu.TransferTarget{Number: user}, nil // routing applies the trunk's policy
	}
	return tsunagu.TransferTarget{}, tsunagu.Errorf(tsunagu.ENOTFOUND, "No queue, agent or leader by that name.")
}

// referStatus is the status line of the final NOTIFY's sipfrag for a
// transfer that failed: status.go's mapping, except that a target that
// cannot take the call now (ECONFLICT: the operator is not logged in, the
// call is in a consultation) is 480 Temporarily Unavailable rather than a
// server error, and a target routing rejects (EINVALID: unknown queue, the
// agent themselves) is 404.
func referStatus(err error) (int, string) {
	if f, ok := errors.AsType[*farRefused](err); ok {
		return f.status()
	}
	switch tsunagu.ErrorCode(err) {
	case tsunagu.ECONFLICT:
		return 480, "Temporarily Unavailable"
	case tsunagu.EINVALID:
		return 404, "Not Found"
	}
	return status(err)
}

// farRefused is a transfer to an outside number that was not answered.
type farRefused struct{ o tsunagu.TransferOutcome }

func (f *farRefused) Error() string {
	return fmt.Sprintf("the outside number did not answer (%s, %d)", f.o.Reason, f.o.Status)
}

// status is the final NOTIFY's sipfrag: the outside party's own refusal,
// else 480 (no answer, or the call ended first).
func (f *farRefused) status() (int, string) {
	switch f.o.Status {
	case 486:
		return 486, "Busy Here"
	case 600:
		return 600, "Busy Everywhere"
	case 603:
		return 603, "Decline"
	case 404, 484, 604:
		return 404, "Not Found"
	}
	if f.o.Reason == "failed" {
		return 503, "Service Unavailable"
	}
	return 480, "Temporarily Unavailable"
}

// notify sends the phone a NOTIFY about its REFER (RFC 3515 §2.4.4): the
// transfer's progress as a sipfrag status line; final ends the implicit
// subscription. Bounded: a phone that does not answer delays nothing long.
func (d *desk) notify(ctx context.Context, id string, code int, reason string, final bool) {
	dlg := d.dialog
	target := dlg.InviteRequest.Recipient
	if c := dlg.InviteResponse.Contact(); c != nil {
		target = c.Address
	}
	req := sip.NewRequest(sip.NOTIFY, *target.Clone())
	req.AppendHeader(sip.NewHeader("Event", "refer;id="+id))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sip.NewHeader("Subscription-State", state))
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.AppendHeader(d.s.contactHeader(dlg.InviteRequest.Transport()))
	req.SetBody(fmt.Appendf(nil, "SIP/2.0 %d %s\r\n", code, reason))
	// Where the phone answered from: its NAT binding, or its TLS
	// connection (deskphone.go sends the INVITE the same way).
	if src := dlg.InviteResponse.Source(); src != "" {
		req.SetDestination(src)
	}
	nctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	res, err := dlg.Do(nctx, req)
	if err != nil {
		d.log.Info("sip notify", "error", err)
		return
	}
	if res.StatusCode >= 300 {
		d.log.Info("sip notify refused", "sip_status", res.StatusCode)
	}
}

// acceptRefer answers a REFER from a desk phone 202 Accepted and returns
// whether the phone wants NOTIFYs of the outcome (not with Refer-Sub:
// false, RFC 4488, which the 202 then echoes) and the id of their Event
// header (RFC 3515 §2.4.6: the REFER's CSeq number).
func (s *Server) acceptRefer(req *sip.Request, tx sip.ServerTransaction) (sub bool, id string) {
	sub = true
	var extra []sip.Header
	if v := req.GetHeader("Refer-Sub"); v != nil && strings.EqualFold(strings.TrimSpace(v.Value()), "false") {
		sub = false
		extra = append(extra, sip.NewHeader("Refer-Sub", "false"))
	}
	s.respond(req, tx, 202, "Accepted", append(extra, s.contactHeader(req.Transport()))...)
	id = "0"
	if req.CSeq() != nil {
		id = fmt.Sprint(req.CSeq().SeqNo)
	}
	return sub, id
}
