// lease/: the lease engine and the expiry watcher.
export { LeaseEngine, type LeaseEngineComponents, type LeaseEngineInit, type ClaimOutcome, type Outcome } from './lease-engine.js'
export { Lease } from './lease.js'
export { ExpiryWatcher, monotonicNow, type MonotonicClock } from './expiry-watcher.js'
