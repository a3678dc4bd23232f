// Keeps a task's /output readable after the task exits. /output is a tmpfs volume (bounded, and
// charged to the task's memory), and the engine unmounts a local volume when the last running
// container using it stops: read after the exit, the archive of /output is an empty new tmpfs
// (tested, engine 20.10). So a task whose outputs are wanted gets its /output from a "keeper": a
// container of its own that holds the volume and does nothing but wait (a ~130-byte static
// program that blocks in pause/ppoll, in an image imported once); the task mounts it with
// VolumesFrom, and the archive is read from the keeper once the task has exited.
import { Readable } from 'node:stream'
import type Dockerode from 'dockerode'
import { pack } from 'tar-stream'
import { SANDBOX_USER } from './constants.js'
import { isPresent } from './image.js'
import { HARDENED_HOST_CONFIG } from './sandbox.js'

/** The keeper image: a new version when the program in it changes. */
export const KEEPER_IMAGE = 'mcloud/output-keeper:1'
const LABEL_ROLE = 'mcloud.role'
/** The `mcloud.task` label of keepers, made before their task is known (keeper-pool.ts). */
export const SPARE_KEEPER = 'spare-keeper'
const KEEPER_PATH = '/keep'

/** Machine code of `for (;;) pause()` per engine architecture (`docker version` Arch). */
const KEEPER_CODE: Record<string, { machine: number, code: Buffer }> = {
  // mov eax, 34 (pause); syscall; jmp back
  amd64: { machine: 0x3e, code: Buffer.from([0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7]) },
  // arm64 has no pause: ppoll(NULL, 0, NULL, NULL) with x0..x3 = 0, x8 = 73; svc #0; b back
  arm64: { machine: 0xb7, code: Buffer.from(new Uint32Array([0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa]).buffer) }
}

/** A static ELF64 executable: one header, one loadable segment holding `code` right after the headers. */
export function keeperProgram (arch: string): Buffer {
  const spec = KEEPER_CODE[arch]
  if (spec === undefined) throw new Error(`outputs are not supported on a ${arch} Docker engine (amd64 and arm64 are)`)
  const base = 0x400000n
  const headers = 64 + 56
  const size = headers + spec.code.length
  const b = Buffer.alloc(size)
  // e_ident: ELF, 64-bit, little-endian, version 1, System V
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0)
  b.writeUInt16LE(2, 16) // ET_EXEC
  b.writeUInt16LE(spec.machine, 18)
  b.writeUInt32LE(1, 20)
  b.writeBigUInt64LE(base + BigInt(headers), 24) // entry: the code
  b.writeBigUInt64LE(64n, 32) // program headers right after this header
  b.writeUInt16LE(64, 52)
  b.writeUInt16LE(56, 54)
  b.writeUInt16LE(1, 56)
  b.writeUInt32LE(1, 64) // PT_LOAD
  b.writeUInt32LE(5, 68) // read + execute
  b.writeBigUInt64LE(base, 80)
  b.writeBigUInt64LE(base, 88)
  b.writeBigUInt64LE(BigInt(size), 96)
  b.writeBigUInt64LE(BigInt(size), 104)
  b.writeBigUInt64LE(0x10000n, 112) // fits 4 KiB and 64 KiB pages
  spec.code.copy(b, headers)
  return b
}

/** Imports the keeper image unless the engine has it already. */
export async function ensureKeeperImage (docker: Dockerode, callOptions: () => { abortSignal: AbortSignal }): Promise<string> {
  if (await isPresent(docker, KEEPER_IMAGE)) return KEEPER_IMAGE
  const { Arch } = await docker.version()
  const rootfs = pack()
  rootfs.entry({ name: KEEPER_PATH.slice(1), mode: 0o755, uid: 0, gid: 0 }, keeperProgram(Arch))
  rootfs.finalize()
  const [repo, tag] = KEEPER_IMAGE.split(':') as [string, string]
  const stream = await docker.importImage(Readable.from(rootfs as unknown as AsyncIterable<Buffer>) as unknown as NodeJS.ReadableStream, {
    repo, tag, changes: [`CMD ["${KEEPER_PATH}"]`], ...callOptions()
  } as object)
  await new Promise<void>((resolve, reject) => { docker.modem.followProgress(stream, err => { if (err != null) reject(err); else resolve() }) })
  return KEEPER_IMAGE
}

/** The keeper: sandboxed like a task, holding `outputMount`; labelled like the task so orphan clean-up finds it. */
export function keeperOptions (image: string, labels: Record<string, string>, outputMount: Dockerode.MountSettings): Dockerode.ContainerCreateOptions {
  return {
    Image: image,
    Cmd: [KEEPER_PATH],
    User: SANDBOX_USER,
    Labels: { ...labels, [LABEL_ROLE]: 'output-keeper' },
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ...HARDENED_HOST_CONFIG,
      // the task's pages in /output are charged to the task, which faults them in
      Memory: 16 * 1024 * 1024,
      MemorySwap: 16 * 1024 * 1024,
      PidsLimit: 4,
      NanoCpus: 100_000_000,
      Mounts: [outputMount]
    }
  }
}
