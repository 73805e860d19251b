// The contract's method names as plain data (no zod), for the preload bridge, which is bundled
// into a sandboxed renderer and must stay small. contract.ts checks at compile time that this
// table and API_SCHEMAS list the same methods.
export const CHANNELS = {
  server: ['status', 'start', 'stop', 'traffic'],
  admin: ['setPassword'],
  settings: ['get', 'set', 'update', 'reset'],
  domains: ['list', 'get', 'add', 'update', 'remove'],
  accounts: ['list', 'get', 'add', 'update', 'setPassword', 'remove', 'folders', 'addFolder', 'removeFolder', 'empty'],
  aliases: ['list', 'add', 'update', 'remove'],
  lists: ['list', 'get', 'add', 'update', 'remove', 'addMember', 'removeMember'],
  ports: ['list', 'add', 'update', 'remove', 'resetDefaults'],
  ipRanges: ['list', 'add', 'update', 'remove', 'resetDefaults'],
  autoban: ['list', 'ban', 'unban'],
  certificates: ['list', 'get', 'generateSelfSigned', 'import', 'export', 'remove'],
  routes: ['list', 'add', 'update', 'remove'],
  delivery: ['testSmartHost'],
  dkim: ['get', 'generate', 'disable'],
  queue: ['list', 'get', 'remove', 'clear', 'flush', 'sendNow'],
  logs: ['recent'],
  diagnostics: ['mx', 'run'],
  presets: ['list', 'apply', 'revert'],
  config: ['export', 'apply'],
} as const;

export const EVENT_CHANNELS = ['server.statusChanged', 'log.entry', 'config.changed', 'queue.changed'] as const;
