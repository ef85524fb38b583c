package httpapi

import (
	"sync"
	"time"
)

// windowLimiter allows n events per key in a fixed window. It is per node; the
// per-account lockout that matters for password guessing lives in the store
// and so holds across nodes.
type windowLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	keys   map[string]*windowCount
}

type windowCount struct {
	start time.Time
	count int
}

func newWindowLimiter(n int, window time.Duration) *windowLimiter {
	return &windowLimiter{n: n, window: window, keys: map[string]*windowCount{}}
}

// Allow counts one event for key and reports whether it is within the limit,
// and if not, how long until the window resets.
func (l *windowLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) > 10000 { // bound memory under a spray from many addresses
		for k, c := range l.keys {
			if now.Sub(c.start) >= l.window {
				delete(l.keys, k)
			}
		}
	}
	c, ok := l.keys[key]
	if !ok || now.Sub(c.start) >= l.window {
		c = &windowCount{start: now}
		l.keys[key] = c
	}
	c.count++
	if c.count > l.n {
		return false, l.window - now.Sub(c.start)
	}
	return true, 0
}
