// The `buzon` command: `buzon serve` runs the engine headless; every other subcommand calls the
// admin API on the data folder directly (a running `serve` on the same folder applies the change
// within a quarter of a second). Errors print as `buzon: <field>: <message>` with exit code 2 for
// bad input and 1 for everything else.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ApiError } from '../shared/ipc/errors';
import { validateInput } from '../shared/ipc/validate';
import { labPresetId } from '../shared/schemas';
import type { MainApiImpl } from '../shared/ipc/contract';
import { createServerHost, type ServerHost } from '../server/server-host';
import type { LabPreset, LogEntry, MxQueryResult } from '../shared/model/entities';
import { createWebAdmin, type WebAdmin } from '../web/web-admin';
import { fileURLToPath } from 'node:url';

/** The built renderer (npm run build), served by the web admin. */
const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

/** One line from standard input (a password typed or piped), without its line end. */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export class UsageError extends Error {}

const HELP = `buzon — mail server (SMTP, POP3, IMAP, outbound delivery) with an hMailServer-style settings tree

Usage: buzon [--data DIR] [--json] <command> ...

  serve [--ephemeral-ports] [--quiet] [--web-port N] [--no-web]
                                         run the server (and the web admin) until Ctrl+C
  admin-password set [--password P]      the web admin's password (read from stdin when not given)
  status                                 server status and listeners
  domain   list | show NAME | add NAME [--alias A ...] [--catch-all ADDR] [--plus-addressing]
           | set NAME --field value ... | remove NAME
  account  list [DOMAIN] | show ADDR | add ADDR --password P [--quota-mb N] [--admin-level user|domain|server]
           | set ADDR [--password P] [--field value ...] | remove ADDR
           | folders ADDR | folder add|remove ADDR NAME | empty ADDR
  alias    list [DOMAIN] | add ADDR TARGET | set ADDR --target T | remove ADDR
  list     list [DOMAIN] | show ADDR | add ADDR [--mode public|membership|announcements|domain] [--member M ...]
           | set ADDR --field value | remove ADDR | member add|remove LIST ADDR
  port     list | add smtp|pop3|imap PORT [--address IP] [--security none|starttls-optional|starttls-required|tls]
           | set ID --field value | enable ID | disable ID | remove ID | reset
  ip-range list | add NAME LOWER UPPER [--priority N] [--field value ...] | set ID --field value | remove ID | reset
  ban      list | add IP [--minutes N] | remove IP|ID
  setting  get [KEY] | set KEY VALUE | reset KEY
  cert     list | show ID | generate NAME --common-name HOST [--alt-name N ...] [--days N] [--local-ca] [--replace ID]
           | import NAME --cert FILE [--key FILE] [--passphrase P] [--replace ID]
           | import NAME --pfx FILE --password P [--replace ID] | export ID [--ca | --chain] [--out FILE] | remove ID
  smarthost test ADDRESS   send a probe through the smart host, step by step
  dkim     show | generate | disable DOMAIN [--selector S] [--algorithm rsa-sha256|ed25519-sha256]
  route    list | add DOMAIN HOST [--port N] [--security none|starttls-optional|starttls-required|tls]
           [--requires-auth true --username U --password P] [--addresses A ...] [--retries N] [--retry-minutes N]
           | set DOMAIN --field value ... | remove DOMAIN
  queue    list | show ID | send ID | flush | remove ID | clear
  config   export [--all] [--format yaml|json] | apply FILE
  logs     [--limit N]
  mx       DOMAIN                        where mail for DOMAIN goes (MX records, their addresses)
  preset   list | apply ID | revert ID   classroom presets: telnet-lab, starttls-required, implicit-tls

Options:
  --data DIR   data folder (default: $BUZON_DATA, else the platform's app-data folder)
  --json       print results as JSON
Field names are the API's, in kebab-case: --quota-mb 100, --forward-to a@b, --enabled false.`;

export function defaultDataDir(): string {
  if (process.env.BUZON_DATA) return resolve(process.env.BUZON_DATA);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Buzon');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Buzon');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'buzon');
}

interface Parsed {
  positional: string[];
  options: Map<string, string[]>;
}

const FLAGS = new Set(['json', 'all', 'quiet', 'no-web', 'ephemeral-ports', 'help', 'plus-addressing', 'disabled', 'require-auth', 'keep-copy', 'local-ca', 'ca', 'chain']);

export function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      let name = a.slice(2);
      let value: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      } else if (FLAGS.has(name)) value = 'true';
      else {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
      }
      options.set(name, [...(options.get(name) ?? []), value]);
    } else if (a === '-h') options.set('help', ['true']);
    else positional.push(a);
  }
  return { positional, options };
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Options other than the global ones, as API fields with values typed like `sample`'s. */
function fields(p: Parsed, sample: Record<string, unknown>, skip: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of p.options) {
    if (['data', 'json', 'help', 'format', ...skip].includes(name)) continue;
    const key = camel(name);
    if (!(key in sample)) throw new UsageError(`unknown option --${name}`);
    const like = sample[key];
    const raw = values[values.length - 1]!;
    if (Array.isArray(like)) out[key] = values;
    else if (typeof like === 'boolean') {
      const v = raw.toLowerCase();
      if (!['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'].includes(v)) throw new ApiError('VALIDATION', `--${name}: expected true or false`, key);
      out[key] = ['true', 'yes', 'on', '1'].includes(v);
    } else if (typeof like === 'number') {
      if (!/^-?\d+$/.test(raw)) throw new ApiError('VALIDATION', `--${name}: expected a whole number`, key);
      out[key] = Number(raw);
    } else if (like === null && /^\d+$/.test(raw)) out[key] = Number(raw);
    else if (like === null && raw === '') out[key] = null;
    else out[key] = raw;
  }
  return out;
}

/** Subcommands whose options are API fields, checked by `fields()`. */
const FIELD_COMMANDS = new Set(['route add', 'route set', 'domain add', 'domain set', 'account add', 'account set', 'alias add', 'alias set', 'list add', 'list set', 'port add', 'port set', 'ip-range add', 'ip-range set', 'ban add', 'cert generate']);
/** Options of the other commands (besides --data, --json and --help). */
const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  'cert import': ['cert', 'key', 'pfx', 'password', 'passphrase', 'replace'],
  'cert export': ['ca', 'chain', 'out'],
  serve: ['ephemeral-ports', 'quiet', 'web-port', 'no-web'],
  'admin-password set': ['password'],
  'config export': ['all', 'format'],
  logs: ['limit'],
  'dkim generate': ['selector', 'algorithm'],
};

/**
 * Refuses options a command does not take, before it runs: `serve --ephemral-ports` must not bind
 * the real ports, nor `config export --formt json` print YAML, as if nothing were wrong.
 */
function checkOptions(p: Parsed): void {
  const [cmd, sub] = p.positional;
  const key = sub !== undefined && cmd !== 'serve' && cmd !== 'logs' && cmd !== 'status' ? `${cmd} ${sub}` : String(cmd);
  if (FIELD_COMMANDS.has(key)) return;
  const allowed = new Set(['data', 'json', 'help', ...(COMMAND_OPTIONS[key] ?? [])]);
  for (const name of p.options.keys()) if (!allowed.has(name)) throw new UsageError(`unknown option --${name} for \`buzon ${key}\``);
}

/** A positive whole number given as an argument (an entry id, a limit). */
function wholeNumber(v: string, what: string, field: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new ApiError('VALIDATION', `${field}: not a ${what}: ${v}`, field);
  return Number(v);
}

function need(p: Parsed, index: number, what: string): string {
  const v = p.positional[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

/** Calls the API the way every transport does: validate, then run. */
async function call<T>(api: MainApiImpl, ns: keyof MainApiImpl, method: string, input?: unknown): Promise<T> {
  const valid = validateInput(ns, method, input);
  const fn = (api[ns] as unknown as Record<string, (i: unknown) => unknown>)[method]!;
  return (await fn(valid)) as T;
}

function table(rows: Record<string, unknown>[], cols: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

type Out = (text: string) => void;

export async function main(argv: string[], out: Out = (t) => process.stdout.write(t + '\n'), err: Out = (t) => process.stderr.write(t + '\n')): Promise<number> {
  let host: ServerHost | undefined;
  try {
    const p = parseArgs(argv);
    const cmd = p.positional[0];
    if (!cmd || p.options.has('help') || cmd === 'help') {
      out(HELP);
      return cmd ? 0 : p.options.has('help') ? 0 : 2;
    }
    const dataDir = resolve(p.options.get('data')?.at(-1) ?? defaultDataDir());
    const json = p.options.has('json');
    const show = (v: unknown, text?: () => string): void => out(json || text === undefined ? JSON.stringify(v, null, 2) : text());

    checkOptions(p);
    if (cmd === 'serve') return await serve(dataDir, p, out, err);

    host = createServerHost({ dataDir, watchMs: 0 });
    const api = host.api;
    const sub = p.positional[1];
    const arg = (i: number, what: string) => need(p, i, what);

    const accountId = async (address: string): Promise<number> => {
      const a = host!.repo.findAccount(address.toLowerCase());
      if (!a) throw new ApiError('NOT_FOUND', `no account ${address}`, 'address');
      return a.id;
    };
    const domainId = (name: string): number => {
      const d = host!.repo.findDomainByName(name.toLowerCase());
      if (!d) throw new ApiError('NOT_FOUND', `no domain ${name}`, 'name');
      return d.id;
    };

    switch (cmd) {
      case 'admin-password': {
        if (sub !== 'set') throw new UsageError('admin-password set [--password P]');
        const given = p.options.get('password')?.at(-1) ?? (await readStdinLine());
        await call(api, 'admin', 'setPassword', { password: given });
        show({ ok: true }, () => 'administration password set');
        return 0;
      }
      case 'status': {
        const s = await call<Awaited<ReturnType<MainApiImpl['server']['status']>>>(api, 'server', 'status');
        show(s, () => `data: ${s.dataDir}\nhost name: ${s.hostName}\n` + table(s.listeners as unknown as Record<string, unknown>[], ['id', 'protocol', 'address', 'port', 'security', 'enabled', 'state', 'boundPort', 'error']));
        return 0;
      }
      case 'domain': {
        const sample = { name: '', enabled: true, catchAll: '', plusAddressing: false, plusAddressingChar: '', maxMessageSizeKb: 0, maxSizeMb: 0, maxAccountSizeMb: 0, maxAccounts: 0, maxAliases: 0, maxLists: 0, aliases: [] as string[], alias: [] as string[], disabled: false };
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'domains', 'list');
          show(r, () => table(r, ['name', 'enabled', 'accountCount', 'aliases', 'catchAll']));
        } else if (sub === 'add') {
          const f = fields(p, sample);
          const input: Record<string, unknown> = { ...f, name: arg(2, 'domain name') };
          if (f.alias) input.aliases = f.alias;
          delete input.alias;
          if (f.disabled) input.enabled = false;
          delete input.disabled;
          const d = await call<Record<string, unknown>>(api, 'domains', 'add', input);
          show(d, () => `domain ${d.name} added`);
        } else if (sub === 'show') show(await call(api, 'domains', 'get', { id: domainId(arg(2, 'domain name')) }));
        else if (sub === 'set') {
          const f = fields(p, sample);
          if (f.alias) f.aliases = f.alias;
          delete f.alias;
          const d = await call<Record<string, unknown>>(api, 'domains', 'update', { id: domainId(arg(2, 'domain name')), ...f });
          show(d, () => `domain ${d.name} updated`);
        } else if (sub === 'remove') {
          await call(api, 'domains', 'remove', { id: domainId(arg(2, 'domain name')) });
          show({ ok: true }, () => `domain ${p.positional[2]} removed (with its accounts, aliases and lists)`);
        } else throw new UsageError('domain list|show|add|set|remove');
        return 0;
      }
      case 'account': {
        const sample = { password: '', enabled: true, quotaMb: 0, adminLevel: '', firstName: '', lastName: '', forwardEnabled: false, forwardTo: '', forwardKeepCopy: true, autoReplyEnabled: false, autoReplySubject: '', autoReplyText: '', autoReplyExpires: null };
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'accounts', 'list', p.positional[2] ? { domain: p.positional[2] } : undefined);
          show(r, () => table(r, ['address', 'enabled', 'quotaMb', 'sizeBytes', 'adminLevel', 'lastLogonAt']));
        } else if (sub === 'add') {
          const address = arg(2, 'address');
          if (!p.options.has('password')) throw new UsageError('missing --password P: a new account needs a password of at least 6 characters');
          const a = await call<Record<string, unknown>>(api, 'accounts', 'add', { ...fields(p, sample), address });
          show(a, () => `account ${a.address} added`);
        } else if (sub === 'show') show(await call(api, 'accounts', 'get', { id: await accountId(arg(2, 'address')) }));
        else if (sub === 'set') {
          const id = await accountId(arg(2, 'address'));
          const { password, ...rest } = fields(p, sample);
          if (password !== undefined) await call(api, 'accounts', 'setPassword', { id, password });
          const a = await call<Record<string, unknown>>(api, 'accounts', 'update', { id, ...rest });
          show(a, () => `account ${a.address} updated`);
        } else if (sub === 'remove') {
          await call(api, 'accounts', 'remove', { id: await accountId(arg(2, 'address')) });
          show({ ok: true }, () => `account ${p.positional[2]} removed`);
        } else if (sub === 'folders' || sub === 'folder') {
          const id = await accountId(arg(sub === 'folders' ? 2 : 3, 'address'));
          const action = sub === 'folders' ? 'folders' : p.positional[2] === 'add' ? 'addFolder' : p.positional[2] === 'remove' ? 'removeFolder' : undefined;
          if (!action) throw new UsageError('account folder add|remove ADDR NAME');
          const r = await call<Record<string, unknown>[]>(api, 'accounts', action, action === 'folders' ? { id } : { id, name: arg(4, 'folder name') });
          show(r, () => table(r, ['name', 'specialUse', 'messages', 'unseen', 'sizeBytes', 'subscribed']));
        } else if (sub === 'empty') {
          const n = await call<number>(api, 'accounts', 'empty', { id: await accountId(arg(2, 'address')) });
          show(n, () => `${n} messages removed from ${p.positional[2]} (its folders are kept)`);
        } else throw new UsageError('account list|show|add|set|remove|folders|folder|empty');
        return 0;
      }
      case 'alias': {
        const find = (addr: string) => {
          const a = host!.repo.findAlias(addr.toLowerCase());
          if (!a) throw new ApiError('NOT_FOUND', `no alias ${addr}`, 'address');
          return a.id;
        };
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'aliases', 'list', p.positional[2] ? { domain: p.positional[2] } : undefined);
          show(r, () => table(r, ['address', 'target', 'enabled']));
        } else if (sub === 'add') {
          const a = await call<Record<string, unknown>>(api, 'aliases', 'add', { ...fields(p, { enabled: true }), address: arg(2, 'alias address'), target: arg(3, 'target address') });
          show(a, () => `alias ${a.address} → ${a.target} added`);
        } else if (sub === 'set') {
          const a = await call<Record<string, unknown>>(api, 'aliases', 'update', { id: find(arg(2, 'alias address')), ...fields(p, { target: '', enabled: true }) });
          show(a, () => `alias ${a.address} → ${a.target} updated`);
        } else if (sub === 'remove') {
          await call(api, 'aliases', 'remove', { id: find(arg(2, 'alias address')) });
          show({ ok: true }, () => `alias ${p.positional[2]} removed`);
        } else throw new UsageError('alias list|add|set|remove');
        return 0;
      }
      case 'list': {
        const find = (addr: string) => {
          const l = host!.repo.findList(addr.toLowerCase());
          if (!l) throw new ApiError('NOT_FOUND', `no distribution list ${addr}`, 'address');
          return l.id;
        };
        const sample = { enabled: true, mode: '', announcer: '', requireAuth: false, member: [] as string[] };
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'lists', 'list', p.positional[2] ? { domain: p.positional[2] } : undefined);
          show(r, () => table(r, ['address', 'mode', 'enabled', 'requireAuth', 'members']));
        } else if (sub === 'add') {
          const { member, ...rest } = fields(p, sample);
          const l = await call<Record<string, unknown>>(api, 'lists', 'add', { ...rest, members: member ?? [], address: arg(2, 'list address') });
          show(l, () => `distribution list ${l.address} added`);
        } else if (sub === 'show') show(await call(api, 'lists', 'get', { id: find(arg(2, 'list address')) }));
        else if (sub === 'set') {
          const { member: _m, ...rest } = fields(p, sample);
          const l = await call<Record<string, unknown>>(api, 'lists', 'update', { id: find(arg(2, 'list address')), ...rest });
          show(l, () => `distribution list ${l.address} updated`);
        } else if (sub === 'remove') {
          await call(api, 'lists', 'remove', { id: find(arg(2, 'list address')) });
          show({ ok: true }, () => `distribution list ${p.positional[2]} removed`);
        } else if (sub === 'member') {
          const op = arg(2, 'add or remove');
          const listId = find(arg(3, 'list address'));
          const address = arg(4, 'member address');
          if (op !== 'add' && op !== 'remove') throw new UsageError('list member add|remove LIST ADDRESS');
          const l = await call<Record<string, unknown>>(api, 'lists', op === 'add' ? 'addMember' : 'removeMember', { listId, address });
          show(l, () => `${address} ${op === 'add' ? 'added to' : 'removed from'} ${l.address}`);
        } else throw new UsageError('list list|show|add|set|remove|member');
        return 0;
      }
      case 'port': {
        const sample = { protocol: '', address: '', port: 0, security: '', certificateId: null, enabled: true };
        const id = (i: number): number => {
          const v = arg(i, 'port entry id (see `buzon port list`)');
          if (!/^\d+$/.test(v)) throw new ApiError('VALIDATION', `not a port entry id: ${v}`, 'id');
          return Number(v);
        };
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'ports', 'list');
          show(r, () => table(r, ['id', 'protocol', 'address', 'port', 'security', 'enabled', 'state', 'boundPort', 'error', 'hint']));
        } else if (sub === 'add') {
          const portArg = arg(3, 'port number');
          if (!/^\d+$/.test(portArg)) throw new ApiError('VALIDATION', `port must be 0–65535, not ${portArg}`, 'port');
          const r = await call<Record<string, unknown>>(api, 'ports', 'add', { ...fields(p, sample), protocol: arg(2, 'protocol (smtp, pop3 or imap)'), port: Number(portArg) });
          show(r, () => `port entry ${r.id} added: ${String(r.protocol).toUpperCase()} ${r.address}:${r.port} (${r.security})`);
        } else if (sub === 'set' || sub === 'enable' || sub === 'disable') {
          const extra = sub === 'set' ? fields(p, sample) : { enabled: sub === 'enable' };
          const r = await call<Record<string, unknown>>(api, 'ports', 'update', { id: id(2), ...extra });
          show(r, () => `port entry ${r.id}: ${String(r.protocol).toUpperCase()} ${r.address}:${r.port} (${r.security}) ${r.enabled ? 'enabled' : 'disabled'}`);
        } else if (sub === 'remove') {
          await call(api, 'ports', 'remove', { id: id(2) });
          show({ ok: true }, () => `port entry ${p.positional[2]} removed`);
        } else if (sub === 'reset') {
          const r = await call<Record<string, unknown>[]>(api, 'ports', 'resetDefaults');
          show(r, () => table(r, ['id', 'protocol', 'address', 'port', 'security', 'enabled']));
        } else throw new UsageError('port list|add|set|enable|disable|remove|reset');
        return 0;
      }
      case 'ip-range': {
        const sample = { name: '', priority: 0, lower: '', upper: '', expiresAt: null, allowSmtp: true, allowPop3: true, allowImap: true, allowLocalToLocal: true, allowLocalToExternal: true, allowExternalToLocal: true, allowExternalToExternal: true, authLocalToLocal: true, authLocalToExternal: true, authExternalToLocal: true, authExternalToExternal: true, antiSpam: true, antiVirus: true, requireTlsForAuth: true };
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'ipRanges', 'list');
          show(r, () => table(r, ['id', 'name', 'priority', 'lower', 'upper', 'authLocalToLocal', 'authLocalToExternal', 'authExternalToLocal', 'authExternalToExternal', 'requireTlsForAuth']));
        } else if (sub === 'add') {
          const r = await call<Record<string, unknown>>(api, 'ipRanges', 'add', { ...fields(p, sample), name: arg(2, 'range name'), lower: arg(3, 'lower IP'), upper: arg(4, 'upper IP') });
          show(r, () => `IP range ${r.id} "${r.name}" added`);
        } else if (sub === 'set') {
          const r = await call<Record<string, unknown>>(api, 'ipRanges', 'update', { id: wholeNumber(arg(2, 'range id'), 'range id (see `buzon ip-range list`)', 'id'), ...fields(p, sample) });
          show(r, () => `IP range ${r.id} "${r.name}" updated`);
        } else if (sub === 'remove') {
          await call(api, 'ipRanges', 'remove', { id: wholeNumber(arg(2, 'range id'), 'range id (see `buzon ip-range list`)', 'id') });
          show({ ok: true }, () => `IP range ${p.positional[2]} removed`);
        } else if (sub === 'reset') {
          const r = await call<Record<string, unknown>[]>(api, 'ipRanges', 'resetDefaults');
          show(r, () => table(r, ['id', 'name', 'priority', 'lower', 'upper']));
        } else throw new UsageError('ip-range list|add|set|remove|reset');
        return 0;
      }
      case 'ban': {
        if (sub === 'list') {
          const r = await call<Record<string, unknown>[]>(api, 'autoban', 'list');
          show(r, () => table(r, ['id', 'ip', 'reason', 'createdAt', 'expiresAt']));
        } else if (sub === 'add') {
          const r = await call<Record<string, unknown>>(api, 'autoban', 'ban', { ...fields(p, { minutes: 0, reason: '' }), ip: arg(2, 'IP address') });
          show(r, () => `${r.ip} banned until ${r.expiresAt}`);
        } else if (sub === 'remove') {
          const what = arg(2, 'IP address or ban id');
          const bans = await call<{ id: number; ip: string }[]>(api, 'autoban', 'list');
          const b = bans.find((x) => String(x.id) === what || x.ip === what);
          if (!b) throw new ApiError('NOT_FOUND', `${what} is not banned`, 'ip');
          await call(api, 'autoban', 'unban', { id: b.id });
          show({ ok: true }, () => `${b.ip} unbanned`);
        } else throw new UsageError('ban list|add|remove');
        return 0;
      }
      case 'setting': {
        if (sub === 'get' || sub === undefined) {
          const s = await call<Record<string, unknown>>(api, 'settings', 'get');
          const key = p.positional[2];
          if (key !== undefined) {
            if (!(key in s)) throw new ApiError('VALIDATION', `unknown setting "${key}"`, 'key');
            show(s[key], () => String(s[key]));
          } else show(s, () => Object.entries(s).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n'));
        } else if (sub === 'set') {
          const key = arg(2, 'setting name');
          const value = arg(3, 'value');
          const s = await call<Record<string, unknown>>(api, 'settings', 'set', { key, value });
          show(s[key], () => `${key} = ${JSON.stringify(s[key])}`);
        } else if (sub === 'reset') {
          const key = arg(2, 'setting name');
          const s = await call<Record<string, unknown>>(api, 'settings', 'reset', { key });
          show(s[key], () => `${key} = ${JSON.stringify(s[key])} (default)`);
        } else throw new UsageError('setting get [KEY] | set KEY VALUE | reset KEY');
        return 0;
      }
      case 'cert': {
        const certId = (i: number): number => wholeNumber(arg(i, 'certificate id'), 'certificate id (see `buzon cert list`)', 'id');
        const readInput = (path: string, what: string): Buffer => {
          try {
            return readFileSync(path);
          } catch (e) {
            throw new ApiError('VALIDATION', `${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, what);
          }
        };
        const opt = (name: string): string | undefined => p.options.get(name)?.at(-1);
        const replace = opt('replace') !== undefined ? { replaceId: wholeNumber(opt('replace')!, 'certificate id (see `buzon cert list`)', 'replaceId') } : {};
        const summary = (c: Record<string, unknown>): string =>
          [
            `certificate ${c.id} "${c.name}"${c.isDefault ? ' (default)' : ''}${c.isCa ? ' (CA)' : ''}`,
            `  subject:     ${c.subject}`,
            `  names:       ${(c.names as string[]).join(', ')}`,
            `  issuer:      ${c.issuer}${c.selfSigned ? ' (self-signed)' : ''}`,
            `  valid:       ${String(c.notBefore).slice(0, 10)} to ${String(c.notAfter).slice(0, 10)} (${c.daysLeft} days left)`,
            `  key:         ${c.keyType}${c.keyBits ? ` ${c.keyBits} bits` : ''}${c.hasChain ? ', with chain' : ''}`,
            `  SHA-256:     ${c.fingerprint256}`,
            `  ports:       ${(c.usedByPorts as number[]).join(', ') || (c.isDefault ? 'every port without its own' : 'none')}`,
            ...(c.warnings as string[]).map((w) => `  warning:     ${w}`),
          ].join('\n');
        if (sub === 'list' || sub === undefined) {
          const r = await call<Record<string, unknown>[]>(api, 'certificates', 'list');
          show(r, () => table(r.map((c) => ({ ...c, valid: `${String(c.notAfter).slice(0, 10)} (${c.daysLeft} d)`, warn: (c.warnings as string[]).length ? '!' : '' })), ['id', 'name', 'names', 'valid', 'usedByPorts', 'isDefault', 'warn']));
        } else if (sub === 'show') {
          const r = await call<Record<string, unknown>>(api, 'certificates', 'get', { id: certId(2) });
          show(r, () => `${summary(r)}\n\n${String(r.certPem).trim()}${r.chainPem ? `\n${String(r.chainPem).trim()}` : ''}`);
        } else if (sub === 'generate') {
          const f = fields(p, { commonName: '', altName: [] as string[], days: 0, localCa: false, replace: 0 });
          const r = await call<Record<string, unknown>>(api, 'certificates', 'generateSelfSigned', {
            name: arg(2, 'certificate name'),
            commonName: f.commonName,
            altNames: f.altName ?? [],
            ...(f.days ? { days: f.days } : {}),
            kind: f.localCa ? 'local-ca' : 'self-signed',
            ...replace,
          });
          show(r, () => `${summary(r)}\n${f.localCa ? 'issued by the local CA: give clients `buzon cert export ' + String(r.id) + ' --ca` to install once' : 'generated'}`);
        } else if (sub === 'import') {
          const name = arg(2, 'certificate name');
          const pfx = opt('pfx');
          const input = pfx
            ? { name, pfxBase64: readInput(pfx, 'pfx').toString('base64'), passphrase: opt('password') ?? opt('passphrase') ?? '' }
            : {
                name,
                certPem: readInput(opt('cert') ?? arg(3, 'certificate file (--cert FILE, or --pfx FILE)'), 'cert').toString('utf8'),
                ...(opt('key') ? { keyPem: readInput(opt('key')!, 'key').toString('utf8') } : {}),
                ...(opt('passphrase') ?? opt('password') ? { passphrase: opt('passphrase') ?? opt('password') } : {}),
              };
          const r = await call<{ certificate: Record<string, unknown>; warnings: string[] }>(api, 'certificates', 'import', { ...input, ...replace });
          show(r, () => `${summary(r.certificate)}\n${replace.replaceId ? 'replaced: new connections use it now' : 'imported'}`);
        } else if (sub === 'export') {
          const part = p.options.has('ca') ? 'ca' : p.options.has('chain') ? 'chain' : 'certificate';
          const r = await call<{ filename: string; pem: string }>(api, 'certificates', 'export', { id: certId(2), part });
          const outFile = opt('out');
          if (outFile) {
            writeFileSync(outFile, r.pem);
            show({ file: outFile }, () => `written to ${outFile} (install it as a trusted root on the clients)`);
          } else if (json) show(r);
          else out(r.pem.trimEnd());
        } else if (sub === 'remove') {
          await call(api, 'certificates', 'remove', { id: certId(2) });
          show({ ok: true }, () => `certificate ${p.positional[2]} removed`);
        } else throw new UsageError('cert list|show ID|generate NAME --common-name H|import NAME --cert FILE [--key FILE]|import NAME --pfx FILE --password P|export ID [--ca|--chain] [--out FILE]|remove ID');
        return 0;
      }
      case 'smarthost': {
        // buzon smarthost test TO: a probe through the smart host, step by step
        if (sub !== 'test') throw new UsageError('smarthost test ADDRESS');
        const r = await call<{ ok: boolean; steps: string[]; error: string | null }>(api, 'delivery', 'testSmartHost', { to: arg(2, 'recipient address') });
        show(r, () => [...r.steps.map((x) => `  ${x}`), r.ok ? 'accepted: the smart host works' : `FAILED: ${r.error ?? 'not accepted'}`].join('\n'));
        return r.ok ? 0 : 1;
      }
      case 'dkim': {
        // buzon dkim show|generate|disable DOMAIN [--selector S] [--algorithm rsa-sha256|ed25519-sha256]
        const id = domainId(arg(2, 'domain name'));
        const printInfo = (d: Record<string, unknown>): string => {
          const rec = d.record as { name: string; value: string; zoneLine: string } | null;
          if (!rec) return `${String(d.domain)}: no DKIM key (buzon dkim generate ${String(d.domain)})`;
          return [
            `${String(d.domain)}: DKIM ${d.enabled ? 'on' : 'off'}, selector ${String(d.selector)}, ${String(d.algorithm)}`,
            `publish this TXT record (name ${rec.name}):`,
            rec.value,
            '',
            'or, in a BIND zone file:',
            rec.zoneLine,
          ].join('\n');
        };
        let r: Record<string, unknown>;
        if (sub === 'show' || sub === undefined) r = await call(api, 'dkim', 'get', { domainId: id });
        else if (sub === 'generate') {
          const selector = p.options.get('selector')?.at(-1);
          const algorithm = p.options.get('algorithm')?.at(-1);
          r = await call(api, 'dkim', 'generate', { domainId: id, ...(typeof selector === 'string' ? { selector } : {}), ...(typeof algorithm === 'string' ? { algorithm } : {}) });
        } else if (sub === 'disable') r = await call(api, 'dkim', 'disable', { domainId: id });
        else throw new UsageError('dkim show|generate|disable DOMAIN [--selector S] [--algorithm rsa-sha256|ed25519-sha256]');
        show(r, () => printInfo(r));
        return 0;
      }
      case 'route': {
        const sample = { description: '', port: 0, security: '', verifyCertificate: true, requiresAuth: false, username: '', password: '', allAddresses: true, addresses: [] as string[], retries: 0, retryMinutes: 0, host: '' };
        const routeId = async (domain: string): Promise<number> => {
          const r = (await call<{ id: number; domain: string }[]>(api, 'routes', 'list')).find((x) => x.domain.toLowerCase() === domain.toLowerCase());
          if (!r) throw new ApiError('NOT_FOUND', `no route for ${domain} (see \`buzon route list\`)`, 'domain');
          return r.id;
        };
        const describe = (r: Record<string, unknown>): string =>
          `route ${r.id}: ${r.domain} → ${r.host}:${r.port} (${r.security}${r.requiresAuth ? `, AUTH as ${r.username}` : ''}${r.allAddresses ? '' : `, only ${(r.addresses as string[]).join(', ')}`}; ${r.retries} retries, ${r.retryMinutes} min apart)`;
        // --addresses given: the route is for those addresses only.
        const withScope = (f: Record<string, unknown>): Record<string, unknown> => (f.addresses !== undefined && f.allAddresses === undefined ? { ...f, allAddresses: false } : f);
        if (sub === 'list' || sub === undefined) {
          const r = await call<Record<string, unknown>[]>(api, 'routes', 'list');
          show(r, () => table(r, ['id', 'domain', 'host', 'port', 'security', 'requiresAuth', 'username', 'allAddresses', 'addresses', 'retries', 'retryMinutes']));
        } else if (sub === 'add') {
          const r = await call<Record<string, unknown>>(api, 'routes', 'add', { ...withScope(fields(p, sample)), domain: arg(2, 'domain'), host: arg(3, 'target host') });
          show(r, () => describe(r) + ' added');
        } else if (sub === 'set') {
          const r = await call<Record<string, unknown>>(api, 'routes', 'update', { id: await routeId(arg(2, 'domain')), ...withScope(fields(p, sample)) });
          show(r, () => describe(r));
        } else if (sub === 'remove') {
          await call(api, 'routes', 'remove', { id: await routeId(arg(2, 'domain')) });
          show({ ok: true }, () => `route for ${p.positional[2]} removed`);
        } else throw new UsageError('route list|add DOMAIN HOST|set DOMAIN --field value|remove DOMAIN');
        return 0;
      }
      case 'queue': {
        if (sub === 'show') {
          const q = await call<Record<string, unknown> & { recipients: { address: string; status: string; lastError: string | null }[]; header: string }>(api, 'queue', 'get', {
            id: wholeNumber(arg(2, 'queue id'), 'queue id (see `buzon queue list`)', 'id'),
          });
          show(q, () =>
            [
              `queue entry ${q.id}: ${q.reasonText}`,
              `from: <${q.mailFrom}>  created: ${q.createdAt}  size: ${q.size}`,
              `attempts: ${q.attempts}  next try: ${q.nextTryAt}${q.lastError ? `  last error: ${q.lastError}` : ''}`,
              table(q.recipients, ['address', 'status', 'lastError']),
              '',
              q.header,
            ].join('\n'),
          );
          return 0;
        }
        if (sub === 'list' || sub === undefined) {
          const r = await call<Record<string, unknown>[]>(api, 'queue', 'list');
          show(r, () =>
            table(
              r.map((q) => ({ ...q, to: (q.recipients as { address: string }[]).map((x) => x.address) })),
              ['id', 'createdAt', 'mailFrom', 'to', 'nextTryAt', 'attempts', 'lastError'],
            ),
          );
        } else if (sub === 'remove') {
          await call(api, 'queue', 'remove', { id: wholeNumber(arg(2, 'queue id'), 'queue id (see `buzon queue list`)', 'id') });
          show({ ok: true }, () => `queue entry ${p.positional[2]} removed`);
        } else if (sub === 'clear') {
          const n = await call<number>(api, 'queue', 'clear');
          show(n, () => `${n} queue entries removed`);
        } else if (sub === 'flush') {
          const n = await call<number>(api, 'queue', 'flush');
          show(n, () => `${n} queued messages due now`);
        } else if (sub === 'send') {
          await call(api, 'queue', 'sendNow', { id: wholeNumber(arg(2, 'queue id'), 'queue id (see `buzon queue list`)', 'id') });
          show({ ok: true }, () => `queue entry ${p.positional[2]} due now`);
        } else throw new UsageError('queue list|show ID|send ID|flush|remove ID|clear');
        return 0;
      }
      case 'config': {
        if (sub === 'export') {
          const all = p.options.has('all');
          const doc = await call<Record<string, unknown>>(api, 'config', 'export', { all });
          const format = p.options.get('format')?.at(-1) ?? (json ? 'json' : 'yaml');
          if (format === 'json') out(JSON.stringify(doc, null, 2));
          else if (format === 'yaml') out(renderYaml(doc));
          else throw new UsageError('--format yaml|json');
        } else if (sub === 'apply') {
          const file = arg(2, 'file');
          let document: unknown;
          try {
            document = YAML.parse(readFileSync(file, 'utf8'));
          } catch (e) {
            throw new ApiError('VALIDATION', `${file}: ${(e as Error).message.split('\n')[0]}`, 'file');
          }
          if (!document || typeof document !== 'object' || Array.isArray(document)) throw new ApiError('VALIDATION', `${file}: expected a mapping (settings:, domains:, accounts: …)`, 'file');
          const r = await call<Record<string, unknown>>(api, 'config', 'apply', { document });
          show(r, () => `applied: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged`);
        } else throw new UsageError('config export [--all] [--format yaml|json] | apply FILE');
        return 0;
      }
      case 'logs': {
        const limit = wholeNumber(p.options.get('limit')?.at(-1) ?? '50', 'whole number', 'limit');
        const r = await call<LogEntry[]>(api, 'logs', 'recent', { limit });
        show(r, () => r.map(formatLog).join('\n'));
        return 0;
      }
      case 'mx': {
        const r = await call<MxQueryResult>(api, 'diagnostics', 'mx', { domain: arg(1, 'domain') });
        show(r, () => {
          if (r.error) return `${r.domain}: ${r.error}`;
          if (r.records.length) return table(r.records.map((x) => ({ ...x })), ['priority', 'exchange', 'addresses']);
          return `${r.domain} has no MX record: mail goes to its own address${r.implicit.length === 1 ? '' : 'es'} ${r.implicit.join(', ')}`;
        });
        return r.error ? 1 : 0;
      }
      case 'preset': {
        const ids = labPresetId.options.join('|');
        if (sub === 'list' || sub === undefined) {
          const r = await call<LabPreset[]>(api, 'presets', 'list');
          show(r, () => r.map((x) => `${x.id}: ${x.applied ? `applied ${x.appliedAt}` : 'not applied'}\n${x.changes.map((c) => `  - ${c}`).join('\n')}`).join('\n'));
        } else if (sub === 'apply' || sub === 'revert') {
          const r = await call<LabPreset[]>(api, 'presets', sub, { id: arg(2, `preset (${ids})`) });
          show(r, () => `preset ${p.positional[2]} ${sub === 'apply' ? 'applied' : 'reverted'}`);
        } else throw new UsageError(`preset list | apply ${ids} | revert ${ids}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${cmd}" (see buzon --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      // One line, so that scripts (and people) see the whole error at a glance.
      err(`buzon: ${e.message}${e.message.includes('buzon --help') ? '' : ' (see buzon --help)'}`);
      return 2;
    }
    if (e instanceof ApiError) {
      err(`buzon: ${e.message}`);
      return e.code === 'VALIDATION' || e.code === 'CONFLICT' || e.code === 'NOT_FOUND' || e.code === 'LIMIT' ? 2 : 1;
    }
    err(`buzon: ${(e as Error).message ?? String(e)}`);
    return 1;
  } finally {
    if (host) await host.close();
  }
}

/** YAML with the defaults the document leaves out shown as comments (like `postconf -n` + `postconf -d`). */
export function renderYaml(doc: Record<string, unknown>): string {
  const { defaults, ...rest } = doc;
  let text = '# Buzón configuration (buzon config export). Apply with: buzon config apply FILE\n';
  text += Object.keys(rest).length ? YAML.stringify(rest) : '# (nothing differs from a fresh install)\n';
  if (defaults && typeof defaults === 'object' && Object.keys(defaults).length) {
    text += '\n# Defaults in force (not listed above because unchanged):\n';
    text += YAML.stringify(defaults)
      .trimEnd()
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n');
    text += '\n';
  }
  return text.trimEnd();
}

function formatLog(e: LogEntry): string {
  const extra = [e.sid && `sid=${e.sid}`, e.ip && `ip=${e.ip}`, e.user && `user=${e.user}`, e.event && `event=${e.event}`].filter(Boolean).join(' ');
  return `${e.time} ${e.level.toUpperCase().padEnd(5)} ${String(e.svc).padEnd(5)} ${e.msg}${extra ? '  ' + extra : ''}`;
}

async function serve(dataDir: string, p: Parsed, out: Out, err: Out): Promise<number> {
  // The handlers go in before anything is printed: whoever reads `ready` may signal at once, and a
  // signal that found no handler would end the process without closing anything.
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = (sig: string) => {
    stopping = true;
    out(`${sig}: stopping`);
    wake?.();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const host = createServerHost({ dataDir, ephemeralPorts: p.options.has('ephemeral-ports') });
  const quiet = p.options.has('quiet');
  if (!quiet) host.sink.subscribe((e) => err(formatLog(e)));
  const status = await host.start();
  out(`Buzón ${status.version} serving ${status.hostName}, data folder ${status.dataDir}`);
  for (const l of status.listeners) {
    const what = `${l.protocol.toUpperCase()} ${l.address}:${l.port} (${l.security})`;
    if (l.state === 'listening') out(`  listening  ${l.protocol.toUpperCase()} ${l.address}:${l.boundPort} (${l.security}) [entry ${l.id}, configured port ${l.port}]`);
    else if (l.state === 'failed') out(`  FAILED     ${what}: ${l.error}${l.hint ? ` — ${l.hint}` : ''}`);
    else out(`  ${l.state.padEnd(10)} ${what}${l.error ? `: ${l.error}` : ''}`);
  }
  const s = host.repo.getSettings();
  let web: WebAdmin | undefined;
  if (s['webadmin.enabled'] && !p.options.has('no-web')) {
    const webPort = p.options.get('web-port')?.at(-1);
    try {
      web = createWebAdmin(host, {
        address: s['webadmin.address'],
        port: webPort !== undefined ? wholeNumber(webPort, 'port', 'web-port') : p.options.has('ephemeral-ports') ? 0 : s['webadmin.port'],
        staticDir: RENDERER_DIR,
      });
      await web.listen();
      out(`  web admin  ${web.url()}${host.repo.getAdminPasswordHash() ? '' : ' (no administration password yet: buzon admin-password set)'}`);
    } catch (e) {
      web = undefined;
      err(`buzon: the web admin could not start: ${(e as Error).message}`);
    }
  }
  out('ready');
  if (!stopping) await new Promise<void>((resolveStop) => (wake = resolveStop));
  await web?.close();
  await host.close();
  out('stopped');
  return 0;
}
