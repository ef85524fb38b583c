package httpapi

import (
	"net/http"

	"tsunagu"
)

// QueueDispositions is what a queue's wrap-up offers: All when the admin
// chose none (every disposition of the tenant, also ones added later),
// else DispositionIDs in the admin's order; Items are the dispositions
// offered, in that order, for the desk's list.
type QueueDispositions struct {
	All            bool                    `json:"all"`
	DispositionIDs []tsunagu.DispositionID `json:"disposition_ids"`
	Items          []tsunagu.Disposition   `json:"items"`
}

// QueueDispositionsUpdate is the admin's choice; empty offers all.
type QueueDispositionsUpdate struct {
	DispositionIDs []tsunagu.DispositionID `json:"disposition_ids"`
}

func (s *Server) getQueueDispositions(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := tsunagu.QueueID(r.PathValue("id"))
	ids, err := s.store.QueueDispositions(r.Context(), p.TenantID, q)
	if err != nil {
		return err
	}
	ds, err := s.store.ListDispositions(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	out := QueueDispositions{All: len(ids) == 0, DispositionIDs: ids, Items: []tsunagu.Disposition{}}
	if out.All {
		out.Items = ds
		return reply(w, http.StatusOK, out)
	}
	byID := make(map[tsunagu.DispositionID]tsunagu.Disposition, len(ds))
	for _, d := range ds {
		byID[d.ID] = d
	}
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			out.Items = append(out.Items, d)
		}
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) setQueueDispositions(w http.ResponseWriter, r *http.Request) error {
	var req QueueDispositionsUpdate
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	if err := s.store.SetQueueDispositions(r.Context(), p.TenantID, tsunagu.QueueID(r.PathValue("id")), req.DispositionIDs); err != nil {
		return err
	}
	return s.getQueueDispositions(w, r)
}
