// Form validation: what the user typed → the request, or the message shown under each field.
import { describe, expect, it } from 'vitest'
import type { PeerConfigView } from '../../shared/api.js'
import { DEFAULT_TASK_POLICY, type SharingSettings } from '../../shared/sharing.js'
import { fieldErrorFromServer, parseNumberText } from './field-errors.js'
import { DEFAULT_JOB_FORM, JOB_FIELDS, parseEnvLines, parseInputLines, validateJobForm } from './job-form.js'
import { peerFormValues, validatePeerForm } from './peer-form.js'
import { sharingFormValues, validateSharingForm } from './sharing-form.js'

const job = (over: Partial<typeof DEFAULT_JOB_FORM>) => validateJobForm({ ...DEFAULT_JOB_FORM, image: 'busybox', command: 'echo hi', ...over })

describe('job form', () => {
  it('builds the request: command through sh -c, memory parsed, env from lines', () => {
    const r = job({ memory: '1g', cpu: '0.5', timeout: '60', env: 'A=1\n\nB=x=y' })
    expect(r).toEqual({
      ok: true,
      request: { image: 'busybox', command: ['sh', '-c', 'echo hi'], cpu: 0.5, memoryMb: 1024, timeoutSec: 60, env: { A: '1', B: 'x=y' } }
    })
  })

  it('maps the shared schema messages to the fields', () => {
    expect(job({ image: '  ', command: '' })).toEqual({ ok: false, errors: { image: 'image is required', command: 'command is required' } })
    expect(job({ cpu: '0.01' })).toEqual({ ok: false, errors: { cpu: 'cpu must be at least 0.1' } })
    expect(job({ memory: '8m' })).toEqual({ ok: false, errors: { memory: 'memory must be at least 16 MiB' } })
    expect(job({ timeout: '0' })).toEqual({ ok: false, errors: { timeout: 'timeout must be at least 1 s' } })
    const env = job({ env: '1BAD=x' })
    expect(env.ok ? undefined : env.errors.env).toMatch(/env names are letters.*\(got "1BAD"\)/)
  })

  it('says what is wrong with text that is not a value at all', () => {
    expect(job({ cpu: '', memory: 'lots', timeout: 'x' })).toEqual({
      ok: false,
      errors: { cpu: 'cpu must be a number, e.g. 1 or 0.5', memory: 'memory must be a size like 256m or 1g', timeout: 'timeout must be a number of seconds' }
    })
    expect(parseEnvLines('A=1\nnoequals')).toEqual({ error: 'line 2: write each variable as NAME=value' })
    expect(parseNumberText(' 2 ')).toBe(2)
    expect(parseNumberText('')).toBeUndefined()
  })

  it('turns input lines into absolute inputPaths, naming the line of a relative path or a repeated name', () => {
    const r = job({ inputs: '/home/me/data.csv\n\n  /home/me/images/  \nC:\\Users\\me\\model.bin' })
    expect(r.ok && r.request.inputPaths).toEqual(['/home/me/data.csv', '/home/me/images/', 'C:\\Users\\me\\model.bin'])
    expect(job({ inputs: ' \n' })).toEqual({ ok: true, request: expect.not.objectContaining({ inputPaths: expect.anything() }) as unknown })
    expect(job({ inputs: '/a/x.csv\ndata/y.csv' })).toEqual({ ok: false, errors: { inputs: 'line 2: write the full path, like /home/me/data.csv' } })
    expect(parseInputLines('/a/x.csv\n/b/x.csv/')).toEqual({ error: 'line 2: line 1 is also named "x.csv" (each is /input/<name>)' })
    const many = job({ inputs: Array.from({ length: 17 }, (_, i) => `/d/f${i}`).join('\n') })
    expect(many).toEqual({ ok: false, errors: { inputs: 'at most 16 inputs' } })
    expect(fieldErrorFromServer('inputPaths', '/x: no such file', JOB_FIELDS, 'form')).toEqual({ inputs: '/x: no such file' })
    expect(fieldErrorFromServer('inputPaths.1', '"/x" does not exist', JOB_FIELDS, 'form')).toEqual({ inputs: '"/x" does not exist' })
  })

  it('puts a server ValidationError on the field it names, else on the form', () => {
    expect(fieldErrorFromServer('memoryMb', 'too big', JOB_FIELDS, 'form')).toEqual({ memory: 'too big' })
    expect(fieldErrorFromServer('nonce', 'odd', JOB_FIELDS, 'form')).toEqual({ form: 'odd' })
    expect(fieldErrorFromServer(undefined, 'odd', JOB_FIELDS, 'form')).toEqual({ form: 'odd' })
  })
})

const settings: SharingSettings = {
  mode: 'on', snooze: null, maxCpu: 2, maxMemoryMb: 4096, maxTasks: 2, allowNetwork: false,
  idleStartMin: 15, idleResumeMin: 5, handBackMin: 10, maxOwnerCpuPct: 25, ...DEFAULT_TASK_POLICY
}

describe('sharing settings form', () => {
  it('shows the settings as text and sends only what changed', () => {
    const values = sharingFormValues(settings)
    expect(values.maxMemory).toBe('4g')
    expect(validateSharingForm(values, settings)).toEqual({ ok: true, update: {} })
    expect(validateSharingForm({ ...values, maxMemory: '1536m', allowNetwork: true, maxTasks: '3' }, settings))
      .toEqual({ ok: true, update: { maxMemoryMb: 1536, allowNetwork: true, maxTasks: 3 } })
  })

  it('maps schema messages to the fields', () => {
    const values = sharingFormValues(settings)
    expect(validateSharingForm({ ...values, maxTasks: '1.5', maxOwnerCpuPct: '120', maxMemory: 'x' }, settings)).toEqual({
      ok: false,
      errors: {
        maxTasks: 'maxTasks must be a whole number',
        maxOwnerCpuPct: 'maxOwnerCpuPct must be at most 100',
        maxMemory: 'maxMemoryMb must be a size like 512m or 4g'
      }
    })
  })
})

describe('sharing settings form: per-task policy', () => {
  it('shows the policy as text; empty fields mean no limit', () => {
    const values = sharingFormValues({ ...settings, allowedImages: ['mcloud-test/*', 'python:3.*'], maxTaskMemoryMb: 2048, maxTaskTimeSec: 5400 })
    expect(values).toMatchObject({ allowedImages: 'mcloud-test/*\npython:3.*', maxTaskCpu: '', maxTaskMemory: '2g', maxTaskTime: '90m' })
  })

  it('sends the patterns typed (lines or commas) and the caps; clearing a field lifts its cap', () => {
    const values = sharingFormValues(settings)
    expect(validateSharingForm({ ...values, allowedImages: ' mcloud-test/*\n\npython:3.*, busybox ', maxTaskCpu: '1', maxTaskMemory: '512m', maxTaskTime: '2h' }, settings))
      .toEqual({ ok: true, update: { allowedImages: ['mcloud-test/*', 'python:3.*', 'busybox'], maxTaskCpu: 1, maxTaskMemoryMb: 512, maxTaskTimeSec: 7200 } })
    const capped = { ...settings, allowedImages: ['x/*'], maxTaskCpu: 1, maxTaskMemoryMb: 512, maxTaskTimeSec: 60 }
    expect(validateSharingForm({ ...sharingFormValues(capped), allowedImages: '', maxTaskCpu: ' ', maxTaskMemory: '', maxTaskTime: '' }, capped))
      .toEqual({ ok: true, update: { allowedImages: [], maxTaskCpu: null, maxTaskMemoryMb: null, maxTaskTimeSec: null } })
  })

  it('shows and sends the input and output caps as sizes; clearing them lifts them', () => {
    expect(sharingFormValues({ ...settings, maxTaskInputMb: 2048, maxTaskOutputMb: 64 })).toMatchObject({ maxTaskInput: '2g', maxTaskOutput: '64m' })
    expect(sharingFormValues(settings)).toMatchObject({ maxTaskInput: '', maxTaskOutput: '' })
    expect(validateSharingForm({ ...sharingFormValues(settings), maxTaskInput: '500m', maxTaskOutput: '64m' }, settings))
      .toEqual({ ok: true, update: { maxTaskInputMb: 500, maxTaskOutputMb: 64 } })
    const capped = { ...settings, maxTaskInputMb: 500, maxTaskOutputMb: 64 }
    expect(validateSharingForm({ ...sharingFormValues(capped), maxTaskInput: '', maxTaskOutput: ' ' }, capped))
      .toEqual({ ok: true, update: { maxTaskInputMb: null, maxTaskOutputMb: null } })
  })

  it('puts a bad input or output cap under its field', () => {
    const values = sharingFormValues(settings)
    expect(validateSharingForm({ ...values, maxTaskInput: 'lots', maxTaskOutput: '1g' }, settings)).toEqual({
      ok: false,
      errors: {
        maxTaskInput: 'maxTaskInputMb must be a size like 500m or 2g, or empty for no limit',
        maxTaskOutput: 'maxTaskOutputMb must be at most 256 MiB (the size of a task\'s /output)'
      }
    })
  })

  it('puts each problem under its field, quoting a bad pattern', () => {
    const values = sharingFormValues(settings)
    expect(validateSharingForm({ ...values, allowedImages: 'mcloud-test/*\npython 3', maxTaskCpu: '-2', maxTaskMemory: 'lots', maxTaskTime: 'soon' }, settings)).toEqual({
      ok: false,
      errors: {
        allowedImages: 'allowedImages: "python 3" may hold only letters, digits, . _ - / : @ and * (no spaces)',
        maxTaskCpu: 'maxTaskCpu must be more than 0',
        maxTaskMemory: 'maxTaskMemoryMb must be a size like 512m or 4g, or empty for no limit',
        maxTaskTime: 'maxTaskTimeSec must be a duration like 30m, 2h or 1d, or empty for no limit'
      }
    })
  })
})

const config: PeerConfigView = {
  dataDir: '/d', name: 'desk-1', bootstrap: [], dockerHost: null, orgFingerprint: 'ab', listen: [], restartRequired: false, denyPeers: [], allowPeers: [], accessInForce: { deny: [], allow: [] }
}

describe('peer settings form', () => {
  it('sends only what changed; an empty Docker endpoint means the default', () => {
    expect(validatePeerForm(peerFormValues(config), config)).toEqual({ ok: true, update: {} })
    expect(validatePeerForm({ ...peerFormValues({ ...config, dockerHost: 'unix:///x.sock' }), dockerHost: ' ' }, { ...config, dockerHost: 'unix:///x.sock' }))
      .toEqual({ ok: true, update: { dockerHost: null } })
  })

  it('sends changed allow/deny lists and names the line of a bad peer id', () => {
    const id = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
    expect(validatePeerForm({ ...peerFormValues(config), denyPeers: ` ${id} \n\n` }, config)).toEqual({ ok: true, update: { denyPeers: [id] } })
    expect(validatePeerForm({ ...peerFormValues(config), allowPeers: `${id}\nbob` }, config)).toEqual({
      ok: false, errors: { allowPeers: 'line 2: "bob" is not a libp2p peer id (12D3Koo…)' }
    })
  })

  it('names the line of a bad bootstrap address', () => {
    const addr = '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij'
    const r = validatePeerForm({ ...peerFormValues(config), bootstrap: `${addr}\n\nnot-an-address`, name: '' }, config)
    expect(r).toEqual({
      ok: false,
      errors: { name: 'name must not be empty', bootstrap: 'line 2: bootstrap peers are multiaddrs ending in /p2p/<peer id>' }
    })
  })
})
