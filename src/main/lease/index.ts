// lease/: the lease engine, the expiry watcher and the membership majority.
export { LeaseEngine, type LeaseEngineComponents, type LeaseEngineInit, type ClaimOutcome, type Outcome } from './lease-engine.js'
export { Lease } from './lease.js'
export { ExpiryWatcher, monotonicNow, type MonotonicClock } from './expiry-watcher.js'
export { BEAT_SPACING_MS, beatIntervalMs, Membership, membershipWindowMs, type MajorityView, type MembershipInit } from './membership.js'
