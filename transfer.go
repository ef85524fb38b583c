package tsunagu

// TransferTarget is where an operator sends a connected caller (blind
// transfer) or whom they consult first (warm transfer): exactly one of a
// queue, an agent, or the leader — whichever supervisor or admin taking
// calls has been available the longest (see docs/acd.md).
type TransferTarget struct {
	QueueID QueueID `json:"queue_id,omitempty"`
	AgentID AgentID `json:"agent_id,omitempty"`
	Leader  bool    `json:"leader,omitempty"`
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
	if n != 1 {
		return FieldError("to", "Choose one target: a queue, an agent or the leader.")
	}
	return nil
}
