// Fuzz (issue 7): the API request schemas judge whatever a local client, the CLI or the renderer
// sends. They must never throw, must reject with an issue that names the offending field, and
// whatever they accept must stay inside the limits the peer relies on. RUNS inputs per property.
import fc from 'fast-check'
import type { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { importOrgKeySchema, peerConfigUpdateSchema, submitTaskRequestSchema, taskIdParamSchema } from './api.js'
import { sharingUpdateSchema } from './sharing.js'

const RUNS = 10_000

/** `strips`: unknown keys are dropped instead of refused (route params, built by the server itself). */
interface Target { name: string, schema: z.ZodType, valid: Record<string, unknown>, strips?: true }
const TARGETS: Target[] = [
  {
    name: 'submitTaskRequest',
    schema: submitTaskRequestSchema,
    valid: { image: 'busybox', command: ['sh', '-c', 'true'], cpu: 1, memoryMb: 64, timeoutSec: 60, env: { A: '1' }, maxAttempts: 2, retryOnFailure: false, network: false }
  },
  { name: 'peerConfigUpdate', schema: peerConfigUpdateSchema, valid: { name: 'desk', bootstrap: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWAbc'], dockerHost: 'unix:///var/run/docker.sock' } },
  { name: 'importOrgKey', schema: importOrgKeySchema, valid: { key: 'mcloud-org-key-abc' } },
  { name: 'taskIdParam', schema: taskIdParamSchema, valid: { id: 'a'.repeat(64) }, strips: true },
  { name: 'sharingUpdate', schema: sharingUpdateSchema, valid: { mode: 'idle-only', snooze: { until: 5 }, maxCpu: 2, maxMemoryMb: 512, maxTasks: 2, allowNetwork: false, idleStartMin: 10 } }
]

/** The field a zod issue blames: the unknown key itself, else the first path element. */
function blamed (issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'unrecognized_keys') return issue.keys[0]
  return issue.path.length > 0 ? String(issue.path[0]) : undefined
}

/** Every value a schema may produce stays inside the limits the rest of the peer assumes. */
function expectWithinLimits (name: string, out: Record<string, unknown>): void {
  expect(JSON.stringify(out).length).toBeLessThan(2_000_000)
  if (name === 'submitTaskRequest') {
    expect(typeof out.image === 'string' && /^\S{1,256}$/.test(out.image)).toBe(true)
    expect((out.command as string[]).length).toBeGreaterThan(0)
    expect(Object.keys(out.env as object).length).toBeLessThanOrEqual(64)
    for (const n of ['cpu', 'memoryMb', 'timeoutSec', 'maxAttempts']) expect(Number.isFinite(out[n])).toBe(true)
  }
  if (name === 'peerConfigUpdate') for (const a of (out.bootstrap as string[] | undefined) ?? []) expect(a.length).toBeLessThanOrEqual(300)
}

const hugeString = fc.integer({ min: 5_000, max: 100_000 }).map(n => 'y'.repeat(n))
const deep = fc.integer({ min: 1, max: 5_000 }).map(n => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown)
const oddNumber = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, -1e308, Number.MIN_VALUE, 2 ** 53 + 1)
const hugeAddress = fc.integer({ min: 300, max: 50_000 }).map(n => [`/ip4/1.2.3.4/tcp/1/${'a'.repeat(n)}/p2p/12D3KooWAbc`])
const anyValue = fc.oneof(
  { weight: 1, arbitrary: hugeAddress },
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: oddNumber }
)

describe('sizes the schemas bound (IPC has no body limit)', () => {
  it('refuses a huge bootstrap address, naming the field', () => {
    const r = peerConfigUpdateSchema.safeParse({ bootstrap: [`/ip4/10.0.0.1/tcp/1/${'a'.repeat(100_000)}/p2p/12D3KooWAbc`] })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path[0]).toBe('bootstrap')
  })
})

describe('fuzz: API request schemas', () => {
  for (const t of TARGETS) {
    it(`${t.name}: never throws on random values, and accepts only values within limits (${RUNS} runs)`, () => {
      fc.assert(fc.property(anyValue, value => {
        const r = t.schema.safeParse(value)
        if (r.success) expectWithinLimits(t.name, r.data as Record<string, unknown>)
        else expect(r.error.issues.length).toBeGreaterThan(0)
      }), { numRuns: RUNS })
    })

    it(`${t.name}: one wrong, huge, deep or extra field is rejected naming that field (${RUNS} runs)`, () => {
      expect(t.schema.safeParse(t.valid).success).toBe(true)
      const fields = Object.keys(t.valid)
      fc.assert(fc.property(fc.nat(), anyValue, fc.boolean(), fc.string({ minLength: 1, maxLength: 20 }), (f, bad, extra, name) => {
        // a name of the schema's own (or one zod reads specially) is not an extra field
        const field = extra ? `extra_${name}` : fields[f % fields.length]!
        const input = { ...t.valid, [field]: bad }
        const r = t.schema.safeParse(input)
        if (r.success) {
          // the generator can hit a valid value (a string for a string field)
          expect(extra && t.strips !== true).toBe(false)
          expect(Object.keys(r.data as object)).not.toContain(extra ? field : '')
          expectWithinLimits(t.name, r.data as Record<string, unknown>)
          return
        }
        expect(r.error.issues.map(blamed)).toContain(field)
        expect(blamed(r.error.issues[0]!)).toBe(field)
      }), { numRuns: RUNS })
    })
  }
})
