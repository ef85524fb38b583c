package tsunagu

// MaxQueueDispositions caps the dispositions one queue offers: a list the
// operator reads at a glance at the end of every call.
const MaxQueueDispositions = 50

// CheckQueueDispositions validates the dispositions an admin chooses for a
// queue's wrap-up: each once, at most MaxQueueDispositions. Empty is valid
// and means every disposition of the tenant. Whether each exists is the
// store's check.
func CheckQueueDispositions(ids []DispositionID) error {
	if len(ids) > MaxQueueDispositions {
		return FieldError("disposition_ids", "A queue offers at most %d dispositions.", MaxQueueDispositions)
	}
	seen := make(map[DispositionID]bool, len(ids))
	for _, id := range ids {
		if id == "" {
			return FieldError("disposition_ids", "A disposition ID is empty.")
		}
		if seen[id] {
			return FieldError("disposition_ids", "%q is listed twice.", id)
		}
		seen[id] = true
	}
	return nil
}

// Offers reports whether a queue whose wrap-up offers ids (empty: every
// disposition) offers d.
func Offers(ids []DispositionID, d DispositionID) bool {
	if len(ids) == 0 {
		return true
	}
	for _, id := range ids {
		if id == d {
			return true
		}
	}
	return false
}
