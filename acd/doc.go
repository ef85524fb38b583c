// Package acd is the routing engine: which waiting contact goes to which
// agent, and when.
//
// The Engine is pure and deterministic: it does no I/O, starts no goroutines,
// never reads the wall clock and never iterates a map where order matters.
// Every input carries the current time; every input returns the decisions it
// caused (offer contact X to agent Y, overflow, offer timed out, ...). The
// same inputs always give the same decisions, which is what lets scenario
// tests use golden files and the simulator run a day of traffic in seconds.
//
// Callers are kept in one global order across queues: a waiting contact's
// score is its queue's weight times (time waited + priority boost), and an
// agent who becomes free takes the best-scored contact among all queues they
// can serve, ties broken by the order in which contacts first queued. A
// contact that arrives while agents are free goes to the agent the queue's
// strategy prefers (longest idle by default).
//
// The Engine is not safe for concurrent use. Runner owns one in a goroutine
// and serialises commands over a channel.
//
// See docs/acd.md for the design and the choices made where the requirements
// were silent.
package acd
