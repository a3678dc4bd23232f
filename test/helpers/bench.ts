// Bench commands as a user runs them (`npm run bench -- …`), for the bench smoke tests.
import { spawn } from 'node:child_process'

/** Whether a process (a bench's worker) is still there. */
export const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

/** Runs `bench <args>` to its end; its stdout and stderr together, and its exit code. */
export async function runBench (args: string[]): Promise<{ code: number | null, out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/bench/index.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { out += b.toString() })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  return { code, out }
}
