// Opening the database: the errors an admin sees when the server is wrong (no server needed here;
// a wrong password against a real server is in test/integration/control-store-pg.test.ts).
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { describeConnectError, openDb } from './db.js'
import { DatabaseConnectError } from './errors.js'

async function closedPort (): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as net.AddressInfo
  await new Promise((resolve) => srv.close(resolve))
  return port
}

const target = { host: '127.0.0.1', port: '5433', user: 'mc', password: 's3cret' }

describe('openDb', () => {
  it('names the server and the cause when nothing listens on the port, never the password', async () => {
    const port = await closedPort()
    const err = await openDb({ url: `postgres://mc:s3cret@127.0.0.1:${port}/mc` }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DatabaseConnectError)
    expect((err as Error).message).toBe(`database: cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`)
  })

  it('rejects a URL that is not postgres://, and a call with neither URL nor data dir', async () => {
    await expect(openDb({ url: 'mysql://x@y/z' })).rejects.toThrow('database: the URL must start with postgres:// (got mysql://)')
    await expect(openDb({ url: 'not a url' })).rejects.toThrow(/database: the URL is not valid/)
    await expect(openDb({})).rejects.toThrow(/give a postgres:\/\/ URL or a data dir/)
  })

  it('describes login, DNS and timeout failures in words, masking a password the cause echoes', () => {
    const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code })
    expect(describeConnectError(withCode('28P01', 'password authentication failed for user "mc"'), target, 1000))
      .toBe('database: password authentication failed for user mc')
    expect(describeConnectError(withCode('ENOTFOUND'), { ...target, host: 'db.example' }, 1000))
      .toBe('database: cannot resolve host db.example (ENOTFOUND)')
    expect(describeConnectError(new Error('timeout expired'), target, 1000))
      .toBe('database: cannot connect to 127.0.0.1:5433 (no answer within 1000 ms)')
    expect(describeConnectError(new AggregateError([withCode('ECONNREFUSED')]), target, 1000))
      .toBe('database: cannot connect to 127.0.0.1:5433 (ECONNREFUSED)')
    expect(describeConnectError(new Error('weird s3cret failure'), target, 1000)).not.toContain('s3cret')
  })
})
