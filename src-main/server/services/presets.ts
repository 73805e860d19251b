// Classroom presets (Utilities › Lab presets): named sets of changes that a teacher applies in one
// click and reverts in one click. Applying writes the changes and, in the same transaction, a
// snapshot in lab_presets of exactly the values it changed, as they were (settings rows as stored,
// port and IP range fields). Reverting puts back each value that still holds what the preset set,
// leaves the ones the admin has changed since (and logs which), and drops the snapshot. Presets
// that set the same things the other way round (telnet-lab, starttls-required) exclude each other;
// the others touch disjoint values, so their snapshots never overlap. A port entry that cannot be
// enabled because another enabled entry holds its port is left as it is, and the log says so.
// What weakens security (clear logons, local mail without a logon) goes only to IP ranges of
// private addresses, never to one that internet clients fall in.
import type { MainApiImpl } from '../../shared/ipc/contract';
import type { IpRange, LabPreset, LabPresetId, PortSecurity, TcpIpPort } from '../../shared/model/entities';
import type { SettingKey, Settings } from '../../shared/model/settings';
import { ApiError } from '../../shared/ipc/errors';
import { StoreError } from '../../store/errors';
import { matchRange, rangeContains, rangeScope } from '../../security/ip/ip-ranges';
import type { Db } from '../../store/db';
import type { ConfigRepo } from '../../store/config-repo';
import type { Logger } from '../../logging/logger';
import type { Clock } from '../clock';
import { DEFAULT_PORTS } from '../defaults';
import { guard } from '../services';

export interface PresetsDeps {
  readonly db: Db;
  readonly repo: ConfigRepo;
  readonly clock: Clock;
  readonly changed: (area: string) => void;
  /** The application log: what was applied, and what a revert left because the admin changed it. */
  readonly logger?: Logger;
}

type PortFields = { security?: PortSecurity; enabled?: boolean };
type RangeFields = Partial<Omit<IpRange, 'id'>>;

interface PortRule {
  readonly protocol: TcpIpPort['protocol'];
  readonly port: number;
  /** What the preset wants on every row of that protocol and port, given the row as it is. */
  readonly want: (row: Pick<TcpIpPort, 'security' | 'enabled'>) => PortFields;
  /** No such row: add hMailServer's default one (else there is nothing to change). */
  readonly create?: boolean;
}

interface Preset {
  readonly changes: readonly string[];
  readonly conflicts: readonly LabPresetId[];
  readonly settings?: Partial<Settings>;
  readonly ports?: readonly PortRule[];
  /** Set on every IP range. */
  readonly ranges?: RangeFields;
  /** Set only on the ranges whose addresses are all private or this computer's (a classroom's), never on the Internet one. */
  readonly privateRanges?: RangeFields;
  /**
   * Each private network that lab PCs use and that no range of private addresses is for (so the
   * Internet range decides for its computers) gets a range of its own: the deciding range's values
   * with `privateRanges` on top, one priority above it. The revert removes it.
   */
  readonly classroomRanges?: true;
}

/** What the snapshot of an applied preset holds: for each value it changed, before and after. */
interface Snapshot {
  /** `stored`: the settings row's text before (null: no row, the default), so a revert is byte-exact. */
  readonly settings: { key: SettingKey; stored: string | null; value: unknown }[];
  /** `created`: the preset added the row, and a revert removes it. */
  readonly ports: { id: number; what: string; before: PortFields; after: PortFields; created?: true }[];
  /** `created`: the preset added the range (`after` holds all its fields), and a revert removes it. */
  readonly ranges: { id: number; name: string; before: RangeFields; after: RangeFields; created?: true }[];
}

const PLAIN_PORTS = [
  ['smtp', 25],
  ['smtp', 587],
  ['pop3', 110],
  ['imap', 143],
] as const;

/** The RFC 1918 networks, where classroom PCs get their addresses. */
const CLASSROOM_NETWORKS = [
  ['10.0.0.0/8', '10.0.0.0', '10.255.255.255'],
  ['172.16.0.0/12', '172.16.0.0', '172.31.255.255'],
  ['192.168.0.0/16', '192.168.0.0', '192.168.255.255'],
] as const;

const PRESETS: Record<LabPresetId, Preset> = {
  // Dovecot's "disable_plaintext_auth = no" and Postfix with the classroom in mynetworks, as the
  // course notes set them up for telnet sessions; mail to the outside still needs a logon. Only
  // for private addresses: from the internet, clear passwords and unauthenticated mail "from" a
  // local sender to local users (spoofing) stay refused.
  'telnet-lab': {
    changes: [
      'Logons in clear (POP3 USER/PASS, IMAP LOGIN, SMTP AUTH) allowed without TLS from the classroom\'s IP ranges (private addresses); the Internet range is left as it is',
      'Mail between local addresses accepted without a logon from the classroom\'s IP ranges, as in the telnet sessions of the course notes',
      'An IP range "Classroom …" added for each private network (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) that has no IP range of its own, so that the lab PCs get these two changes',
      'Mail to outside addresses needs a logon from every IP range: never an open relay',
      'Ports SMTP 25 and 587, POP3 110 and IMAP 143 enabled, with STARTTLS optional',
      'Protocols SMTP, POP3 and IMAP on; SMTP offers AUTH PLAIN',
      'SMTP greets at once (no reverse DNS lookup, no greeting delay) and accepts bare line feeds (nc)',
      'Auto-ban off, so that passwords mistyped by hand do not lock the classroom out',
    ],
    conflicts: ['starttls-required'],
    settings: {
      'protocols.smtp': true,
      'protocols.pop3': true,
      'protocols.imap': true,
      'smtp.allowPlainAuth': true,
      'smtp.reverseLookup': false,
      'smtp.greetingDelaySeconds': 0,
      'smtp.allowBareLineFeeds': true,
      'autoban.enabled': false,
    },
    ports: PLAIN_PORTS.map(([protocol, port]) => ({
      protocol,
      port,
      want: (row) => ({ enabled: true, ...(row.security === 'none' ? {} : { security: 'starttls-optional' as const }) }),
    })),
    ranges: { authLocalToExternal: true, authExternalToExternal: true },
    privateRanges: { requireTlsForAuth: false, authLocalToLocal: false },
    classroomRanges: true,
  },
  // Dovecot's "ssl = required": STARTTLS before any password on the ports clients log on to. Port
  // 25 stays optional (other servers deliver there), but a logon on it needs TLS too.
  'starttls-required': {
    changes: [
      'Port SMTP 587 (submission) set to STARTTLS (required)',
      'Port POP3 110 set to STARTTLS (required)',
      'Port IMAP 143 set to STARTTLS (required)',
      'Logons in clear refused without TLS from every IP range (SMTP port 25 included)',
    ],
    conflicts: ['telnet-lab'],
    ports: PLAIN_PORTS.filter(([, port]) => port !== 25).map(([protocol, port]) => ({ protocol, port, want: () => ({ security: 'starttls-required' as const }) })),
    ranges: { requireTlsForAuth: true },
  },
  'implicit-tls': {
    changes: ['Port SMTP 465 enabled with SSL/TLS (added if missing)', 'Port POP3 995 enabled with SSL/TLS (added if missing)', 'Port IMAP 993 enabled with SSL/TLS (added if missing)'],
    conflicts: [],
    ports: (
      [
        ['smtp', 465],
        ['pop3', 995],
        ['imap', 993],
      ] as const
    ).map(([protocol, port]) => ({ protocol, port, create: true, want: () => ({ security: 'tls' as const, enabled: true }) })),
  },
};

const IDS = Object.keys(PRESETS) as LabPresetId[];

const portName = (p: Pick<TcpIpPort, 'protocol' | 'address' | 'port'>): string =>
  `${p.protocol.toUpperCase()} ${p.address === '0.0.0.0' ? '' : `${p.address}:`}${p.port}`;

/** The fields of `want` whose value differs in `row`: what to write, and what was there. */
function diff<F extends object>(row: F, want: Partial<F>): { before: Partial<F>; after: Partial<F> } | undefined {
  const before: Partial<F> = {};
  const after: Partial<F> = {};
  for (const k of Object.keys(want) as (keyof F)[]) {
    if (want[k] !== undefined && row[k] !== want[k]) {
      before[k] = row[k];
      after[k] = want[k];
    }
  }
  return Object.keys(after).length ? { before, after } : undefined;
}

/** Of the fields a preset set (`after`), those that still hold it, as they were before; and those changed since. */
function split<F extends object>(row: F, before: Partial<F>, after: Partial<F>): { restore: Partial<F>; changedSince: string[] } {
  const restore: Partial<F> = {};
  const changedSince: string[] = [];
  for (const k of Object.keys(after) as (keyof F)[]) {
    if (row[k] === after[k]) restore[k] = before[k];
    else changedSince.push(`${String(k)} (now ${String(row[k])})`);
  }
  return { restore, changedSince };
}

export function createPresetsApi(deps: PresetsDeps): MainApiImpl['presets'] {
  const { db, repo } = deps;
  const log = deps.logger?.child({ svc: 'app' });

  const appliedRows = (): Map<string, { appliedAt: string; snapshot: string }> =>
    new Map(
      (db.prepare('SELECT id, applied_at, snapshot FROM lab_presets').all() as { id: string; applied_at: string; snapshot: string }[]).map((r) => [
        r.id,
        { appliedAt: r.applied_at, snapshot: r.snapshot },
      ]),
    );

  function list(): LabPreset[] {
    const rows = appliedRows();
    return IDS.map((id) => ({ id, applied: rows.has(id), appliedAt: rows.get(id)?.appliedAt ?? null, changes: [...PRESETS[id].changes] }));
  }

  /**
   * Port changes that the store refuses because another enabled entry holds the port (two rows
   * for 587, one on 0.0.0.0 and one on an address): left as they are, and said in `skipped`.
   */
  function portWrite(what: string, write: () => TcpIpPort, skipped: string[]): TcpIpPort | undefined {
    try {
      return write();
    } catch (e) {
      if (!(e instanceof StoreError) || e.code !== 'EXISTS') throw e;
      skipped.push(`port ${what} left as it is: ${e.message}`);
      return undefined;
    }
  }

  /**
   * The range added for a classroom network: none when a range of private addresses already
   * covers part of it (the admin set the classroom up), or when no range lets its PCs in at all.
   */
  function classroomRange(ranges: readonly IpRange[], [cidr, lower, upper]: (typeof CLASSROOM_NETWORKS)[number], fields: RangeFields): Omit<IpRange, 'id'> | undefined {
    const now = deps.clock.now();
    const live = ranges.filter((r) => !(r.expiresAt && Date.parse(r.expiresAt) <= now.getTime()));
    const net = { lower, upper };
    if (live.some((r) => rangeScope(r) !== 'public' && (rangeContains(r, lower) || rangeContains(net, r.lower)))) return undefined;
    const deciders = [matchRange(live, lower, now), matchRange(live, upper, now)].filter((r) => r !== undefined);
    const base = deciders.sort((a, b) => b.priority - a.priority)[0];
    // Above the highest priority (1000) it could not win: then it would only be clutter.
    if (!base || base.priority >= 1000) return undefined;
    const { id: _id, ...values } = base;
    return { ...values, name: `Classroom ${cidr}`, priority: base.priority + 1, lower, upper, ...fields };
  }

  /** Writes the changes and the snapshot; returns the areas changed and the entries left alone, or undefined when already applied. */
  function applyNow(id: LabPresetId): { areas: Set<string>; skipped: string[] } | undefined {
    const applied = appliedRows();
    if (applied.has(id)) return undefined;
    const preset = PRESETS[id];
    const other = preset.conflicts.find((c) => applied.has(c));
    if (other) {
      throw new ApiError('CONFLICT', `the preset "${other}" is applied and sets how passwords may be sent the other way: revert "${other}" first, then apply "${id}"`, 'id');
    }
    const snap: Snapshot = { settings: [], ports: [], ranges: [] };
    const areas = new Set<string>();

    const current = repo.getSettings();
    const values: Partial<Record<SettingKey, unknown>> = {};
    for (const [key, value] of Object.entries(preset.settings ?? {}) as [SettingKey, unknown][]) {
      if (JSON.stringify(current[key]) === JSON.stringify(value)) continue;
      snap.settings.push({ key, stored: repo.storedSetting(key), value });
      values[key] = value;
    }
    if (snap.settings.length) {
      repo.setSettings(values as Partial<Settings>);
      areas.add('settings');
    }

    const skipped: string[] = [];
    for (const rule of preset.ports ?? []) {
      const rows = repo.listPorts().filter((p) => p.protocol === rule.protocol && p.port === rule.port);
      const def = DEFAULT_PORTS.find((p) => p.protocol === rule.protocol && p.port === rule.port);
      if (!rows.length && rule.create && def) {
        const after = rule.want(def);
        const row = portWrite(portName(def), () => repo.addPort({ ...def, ...after, certificateId: null }), skipped);
        if (row) snap.ports.push({ id: row.id, what: portName(row), before: {}, after: { security: row.security, enabled: row.enabled }, created: true });
        continue;
      }
      for (const row of rows) {
        const d = diff<PortFields>(row, rule.want(row));
        if (d && portWrite(portName(row), () => repo.updatePort(row.id, d.after), skipped)) snap.ports.push({ id: row.id, what: portName(row), ...d });
      }
    }
    if (snap.ports.length) areas.add('ports');

    const ranges = repo.listIpRanges();
    for (const range of preset.ranges || preset.privateRanges ? ranges : []) {
      const d = diff<RangeFields>(range, { ...preset.ranges, ...(rangeScope(range) !== 'public' ? preset.privateRanges : {}) });
      if (!d) continue;
      repo.updateIpRange(range.id, d.after);
      snap.ranges.push({ id: range.id, name: range.name, ...d });
    }
    for (const network of preset.classroomRanges ? CLASSROOM_NETWORKS : []) {
      const add = classroomRange(ranges, network, { ...preset.ranges, ...preset.privateRanges });
      if (!add) continue;
      const { id: rangeId, ...after } = repo.addIpRange(add);
      snap.ranges.push({ id: rangeId, name: after.name, before: {}, after, created: true });
    }
    if (snap.ranges.length) areas.add('ipRanges');

    db.prepare('INSERT INTO lab_presets (id, applied_at, snapshot) VALUES (?, ?, ?)').run(id, deps.clock.now().toISOString(), JSON.stringify(snap));
    return { areas, skipped };
  }

  /** Puts back what the snapshot holds (unless changed since), drops it; returns the areas and what was left. */
  function revertNow(id: LabPresetId): { areas: Set<string>; left: string[] } {
    const row = appliedRows().get(id);
    if (!row) throw new ApiError('CONFLICT', `the preset "${id}" is not applied: there is nothing to revert`, 'id');
    const snap = JSON.parse(row.snapshot) as Snapshot;
    const areas = new Set<string>();
    const left: string[] = [];

    const current = repo.getSettings();
    for (const s of snap.settings) {
      if (JSON.stringify(current[s.key]) !== JSON.stringify(s.value)) {
        left.push(`setting ${s.key} (now ${JSON.stringify(current[s.key])})`);
        continue;
      }
      // The row as it was, byte for byte (setSettings would rewrite it from the parsed value).
      repo.putStoredSetting(s.key, s.stored);
      areas.add('settings');
    }

    const ports = new Map(repo.listPorts().map((p) => [p.id, p]));
    for (const p of snap.ports) {
      const now = ports.get(p.id);
      if (!now) {
        left.push(`port ${p.what} (removed since)`);
        continue;
      }
      const { restore, changedSince } = split<PortFields>(now, p.before, p.after);
      for (const c of changedSince) left.push(`port ${p.what} ${c}`);
      if (p.created) {
        if (changedSince.length) continue;
        repo.removePort(p.id);
      } else if (Object.keys(restore).length) repo.updatePort(p.id, restore);
      else continue;
      areas.add('ports');
    }

    const ranges = new Map(repo.listIpRanges().map((r) => [r.id, r]));
    for (const r of snap.ranges) {
      const now = ranges.get(r.id);
      if (!now) {
        left.push(`IP range "${r.name}" (removed since)`);
        continue;
      }
      const { restore, changedSince } = split<RangeFields>(now, r.before, r.after);
      for (const c of changedSince) left.push(`IP range "${now.name}" ${c}`);
      if (r.created) {
        // A range the preset added and the admin has edited since is theirs now: it stays.
        if (changedSince.length) continue;
        repo.removeIpRange(r.id);
      } else if (Object.keys(restore).length) repo.updateIpRange(r.id, restore);
      else continue;
      areas.add('ipRanges');
    }

    db.prepare('DELETE FROM lab_presets WHERE id = ?').run(id);
    return { areas, left };
  }

  /**
   * The running server applies the changes at once (listeners moved, enabled, rebound); 'presets'
   * tells other windows showing the presets, even when a revert had nothing left to put back.
   */
  function notify(areas: Set<string>): void {
    for (const a of areas) deps.changed(a);
    deps.changed('presets');
  }

  return {
    list: () => list(),
    apply: ({ id }) => {
      // IMMEDIATE: the write lock from the first read, so a CLI writing at the same time cannot
      // slip a change between the snapshot and the change it records.
      const done = guard(() => db.transaction(() => applyNow(id)).immediate());
      if (done) {
        notify(done.areas);
        const { skipped } = done;
        if (skipped.length) log?.warn({ event: 'preset.applied', preset: id, skipped }, `lab preset "${id}" applied; left as they were: ${skipped.join('; ')}`);
        else log?.info({ event: 'preset.applied', preset: id }, `lab preset "${id}" applied`);
      }
      return list();
    },
    revert: ({ id }) => {
      const { areas, left } = guard(() => db.transaction(() => revertNow(id)).immediate());
      notify(areas);
      if (left.length) {
        log?.warn({ event: 'preset.reverted', preset: id, left }, `lab preset "${id}" reverted; left as changed since it was applied: ${left.join('; ')}`);
      } else log?.info({ event: 'preset.reverted', preset: id }, `lab preset "${id}" reverted`);
      return list();
    },
  };
}
