// The peer's own settings over the API: name, bootstrap peers, Docker endpoint, allow/deny lists
// (saved in config.json; the lists apply at once, the rest at the next start) and the
// organisation key (export, join, new).
import { hostname } from 'node:os'
import type { MCloudApi, OrgKeyView, PeerConfigUpdate, PeerConfigView } from '../../shared/index.js'
import { formatOrgKey, newOrgKey, orgKeyFingerprint, orgKeyFromFile, parseOrgKey, writeSecretFile, type PeerAccess, type PeerAccessLists } from '../p2p/index.js'
import type { PeerConfig } from './config.js'
import { ApiError } from './errors.js'
import { readSavedConfig, saveConfig } from './saved-config.js'

export interface SettingsApiComponents {
  config: PeerConfig
  /** The name this run uses. */
  name: string
  /** The settings saved when this run started (to tell what needs a restart). */
  savedAtStart: PeerConfigUpdate
  /** The key this run uses, and the file a new one is written to. */
  orgKey: Uint8Array
  orgKeyFile: string
  listen: () => string[]
  /** Dials a saved bootstrap peer now. */
  dial: (addr: string) => void
  /** The allow/deny lists in force; a saved change applies at once. */
  access: PeerAccess
  /** Hangs up on peers the lists no longer admit. */
  closeRefused: () => Promise<unknown>
}

/** The lists in force: the saved ones plus those given on the command line (flags add, never remove). */
export function accessLists (config: Pick<PeerConfig, 'denyPeers' | 'allowPeers'>, saved: PeerConfigUpdate): PeerAccessLists {
  const union = (a: string[] = [], b: string[] = []): string[] => [...new Set([...a, ...b])]
  return { deny: union(saved.denyPeers, config.denyPeers), allow: union(saved.allowPeers, config.allowPeers) }
}

type SettingsApi = Pick<MCloudApi, 'config' | 'updateConfig' | 'exportOrgKey' | 'importOrgKey' | 'generateOrgKey'>

export function settingsApi (c: SettingsApiComponents): SettingsApi {
  const { config, name, orgKey } = c
  const view = (saved: PeerConfigUpdate): PeerConfigView => {
    // Command-line flags win over saved values, so a saved name behind a --name flag needs no restart.
    const wantName = config.name ?? saved.name ?? hostname()
    return {
      dataDir: config.dataDir, name, bootstrap: saved.bootstrap ?? config.bootstrap ?? [], dockerHost: saved.dockerHost ?? null,
      orgFingerprint: orgKeyFingerprint(orgKey), listen: c.listen(), denyPeers: saved.denyPeers ?? [], allowPeers: saved.allowPeers ?? [], accessInForce: c.access.lists(),
      restartRequired: wantName !== name || (saved.dockerHost ?? null) !== (c.savedAtStart.dockerHost ?? null)
    }
  }
  const keyView = (key: Uint8Array): OrgKeyView => ({
    fingerprint: orgKeyFingerprint(key), key: formatOrgKey(key).trim(), restartRequired: orgKeyFingerprint(key) !== orgKeyFingerprint(orgKey)
  })
  const writeKey = async (key: Uint8Array): Promise<OrgKeyView> => {
    await writeSecretFile(c.orgKeyFile, formatOrgKey(key))
    return keyView(key)
  }
  return {
    config: async () => view(await readSavedConfig(config.dataDir)),
    updateConfig: async (update) => {
      const next = await saveConfig(config.dataDir, update)
      // New bootstrap peers are dialled now; the name and the Docker endpoint apply at the next start.
      for (const addr of update.bootstrap ?? []) c.dial(addr)
      // The lists apply now: a newly refused peer is hung up on, its records stop counting.
      if (update.denyPeers !== undefined || update.allowPeers !== undefined) {
        c.access.set(accessLists(config, next))
        await c.closeRefused()
      }
      return view(next)
    },
    exportOrgKey: async () => keyView(await orgKeyFromFile(c.orgKeyFile).catch(() => orgKey)),
    importOrgKey: async ({ key }) => {
      let parsed: Uint8Array
      try { parsed = parseOrgKey(key, 'key') } catch (err) { throw new ApiError('ValidationError', `key: ${(err as Error).message}`, 'key') }
      return await writeKey(parsed)
    },
    generateOrgKey: async () => await writeKey(newOrgKey())
  }
}
