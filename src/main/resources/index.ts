// resources/: what this machine has, what it lends (capacity), when it lends (the sharing policy)
// and the owner's settings on disk.
export { SystemSampler, StaticSampler, createSystemProbe, type Sampler, type ResourceSample, type SystemProbe, type SystemSamplerInit, type LoadReading, type StaticSampleValues } from './sampler.js'
export { defaultSettings, ownerCpuPct, lendable, fitProblem, loadBackoffMs, formatMemory, formatCpu, type HeldResources, type Lendable, type ResourceRequest, type FitProblem } from './capacity.js'
export { taskPolicyProblem } from './task-policy.js'
export { SharingPolicy, handBackDue, type PolicyInput, type PolicyDecision, type SharingPolicyInit } from './policy.js'
export { SettingsStore } from './settings-store.js'
export { SettingsError, SettingsFileError } from './errors.js'
export { SAMPLE_INTERVAL_MS, ACTIVE_THRESHOLD_SEC, SETTINGS_FILE } from './constants.js'
