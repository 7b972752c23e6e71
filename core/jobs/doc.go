// Package jobs owns periodic background work (hold expiry, iCal polls, session expiry):
// named jobs with intervals, run only on the replica that holds the leader lease, each run
// bounded by a timeout and cancelled on stop, panics turned into logged errors, and every
// run reported to metrics.
package jobs
