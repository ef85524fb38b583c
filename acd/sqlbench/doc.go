// Package sqlbench holds only a benchmark: the same routing decision made by
// acd.Engine and by an SQL query over agent and queue tables in SQLite, the
// design of FreeSWITCH mod_callcenter and Webitel. It lives apart so that
// package acd stays free of database code.
package sqlbench
