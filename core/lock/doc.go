// Package lock owns the Locker: short, owner-checked leases on named keys, shared by every
// replica through Redis (SET key token NX PX, released and extended only by the owner's
// token through a Lua check) or held in process for the single-machine default. It also
// owns the leader lease that decides which replica runs the periodic jobs.
package lock
