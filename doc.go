// Package tsunagu is the vocabulary of the Tsunagu contact center: contacts,
// agents, queues, skills, customers, events and the errors they share.
//
// It holds domain types, their validation and the interfaces that more than one
// package implements or consumes (stores, the event bus). It imports only the
// standard library; every other package speaks in these terms. Adapters (sqlite,
// httpapi, telephony, ...) never import each other; cmd/tsunagu wires them.
package tsunagu
