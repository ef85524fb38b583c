package tsunagu

// TransferTarget is where an operator sends a connected caller (blind
// transfer) or whom they consult first (warm transfer): exactly one of a
// queue, an agent, the leader — whichever supervisor or admin taking
// calls has been available the longest (see docs/acd.md) — or an outside
// telephone number (blind only), dialled over the outbound trunk and
// allowed by its policy as a click-to-call is (docs/telephony.md).
type TransferTarget struct {
	QueueID QueueID `json:"queue_id,omitempty"`
	AgentID AgentID `json:"agent_id,omitempty"`
	Leader  bool    `json:"leader,omitempty"`
	Number  string  `json:"number,omitempty"`
}

// Validate requires exactly one target.
func (t *TransferTarget) Validate() error {
	n := 0
	if t.QueueID != "" {
		n++
	}
	if t.AgentID != "" {
		n++
	}
	if t.Leader {
		n++
	}
	if t.Number != "" {
		n++
	}
	if n != 1 {
		return FieldError("to", "Choose one target: a queue, an agent, the leader or a number.")
	}
	return nil
}

// TransferOutcome is how a blind transfer to an outside number ended, as
// the phone reports it: the outside party answered (the caller now talks
// with them), or not, with why ("busy", "no_answer", "rejected",
// "invalid_number", "failed") and the SIP status when there was one.
// Returned tells whether the caller is back with the operator's audio; when
// false (the operator's phone has gone) the caller hears music and must be
// queued again.
type TransferOutcome struct {
	Answered bool
	Reason   string
	Status   int
	Returned bool
}
