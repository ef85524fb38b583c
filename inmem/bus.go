// Package inmem is the single-node event bus: committed events fan out to the
// subscribers in this process. A subscriber that falls behind is dropped
// (its channel closed) rather than allowed to slow the writer; it resumes
// from the durable event log, so nothing is lost.
package inmem

import (
	"sync"

	"tsunagu"
)

var _ tsunagu.Bus = (*Bus)(nil)

// Bus is an in-process publish/subscribe hub. The zero value is ready.
type Bus struct {
	mu   sync.Mutex
	subs map[*sub]struct{}
}

type sub struct {
	ch     chan tsunagu.Event
	closed bool
}

// Publish delivers events to every subscriber without blocking. A subscriber
// whose buffer is full is closed: it must resume from the log.
func (b *Bus) Publish(events ...tsunagu.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, e := range events {
			select {
			case s.ch <- e:
			default:
				close(s.ch)
				s.closed = true
				delete(b.subs, s)
			}
			if s.closed {
				break
			}
		}
	}
}

// Subscribe returns a channel of events published from now on.
func (b *Bus) Subscribe(buffer int) (<-chan tsunagu.Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	s := &sub{ch: make(chan tsunagu.Event, buffer)}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[*sub]struct{}{}
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s.ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if !s.closed {
			s.closed = true
			delete(b.subs, s)
			close(s.ch)
		}
	}
}

// Subscribers returns the number of live subscriptions (for metrics).
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
