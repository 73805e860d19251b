// smtp-server hooks, as factories over the engine's dependencies. Each hook is async inside and
// wrapped once by `toCallback`. Policy failures become SmtpReply values; the client gets the
// generic text, the log gets the reason.
import type { Readable } from 'node:stream';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import type { IpRange, PortSecurity } from '../shared/model/entities';
import type { Directory } from '../directory/directory';
import type { InboundDelivery, LocalRecipient, QueuedGroup } from '../delivery/inbound';
import type { Srs } from '../delivery/srs';
import type { ConfigRepo } from '../store/config-repo';
import type { Logger } from '../logging/logger';
import { normalizeIp } from '../security/ip/ip-ranges';
import { admit } from '../security/admission';
import { decideRelay } from './policy/relay';
import { REPLIES, toSmtpError, type SmtpReply } from './reply';
import type { LenientSession } from './lenient-input';
import type { ProtocolDeps } from '../server/listen';
import { domainOf } from '../shared/util/address';

export interface SmtpDeps extends ProtocolDeps {
  readonly directory: Directory;
  readonly repo: ConfigRepo;
  readonly inbound: InboundDelivery;
  /** Rewrites the envelope sender of forwarded copies (none: they keep the original sender). */
  readonly srs?: Srs;
  readonly counters: { smtpSessions: number; messagesAccepted: number; messagesRejected: number; authFailures: number };
}

interface Rcpt {
  readonly address: string;
  readonly local: boolean;
  readonly accounts: ReadonlyArray<{ id: number; address: string }>;
  readonly external: readonly string[];
}

/** Our per-session state, kept on smtp-server's session object. */
export interface BuzonSession extends LenientSession {
  readonly sid: string;
  readonly ip: string;
  readonly range: IpRange;
  readonly log: Logger;
  senderLocal: boolean;
  rcpts: Rcpt[];
  authNeedsTls: boolean;
}

type Session = SMTPServerSession & { buzon?: BuzonSession; disabledCommands?: string[] };

const SERVICE_DISABLED = (security: PortSecurity): string[] => (security === 'none' ? ['STARTTLS'] : []);

function state(session: Session): BuzonSession {
  if (!session.buzon) throw new Error('session without onConnect state');
  return session.buzon;
}

function deny(cb: (err?: Error | null) => void, r: SmtpReply, log: Logger, event: string, extra: Record<string, unknown> = {}): void {
  log.info({ event, code: r.code, enhanced: r.enhanced, reason: r.reason, ...extra }, r.message);
  cb(toSmtpError(r));
}

export function createHooks(deps: SmtpDeps, port: { id: number; security: PortSecurity; port: number }) {
  const log = deps.logger.child({ svc: 'smtp' });

  // Each accepted session's slot in the per-IP count, given back when it closes.
  const releases = new Map<string, () => void>();

  function onConnect(session: Session, cb: (err?: Error | null) => void): void {
    const ip = normalizeIp(session.remoteAddress);
    const sid = session.id;
    const slog = log.child({ sid, ip });
    const admission = admit(deps, ip, 'smtp');
    if (!admission.ok) {
      return admission.reason === 'banned'
        ? deny(cb, REPLIES.banned(), slog, 'smtp.connection.banned')
        : deny(cb, REPLIES.connectionRefused(), slog, 'smtp.connection.refused', { range: admission.range?.name ?? null });
    }
    const release = deps.guard.acquire(ip);
    if (!release) return deny(cb, REPLIES.tooManyFromIp(), slog, 'smtp.connection.limited', { open: deps.guard.count(ip) });
    releases.set(sid, release);
    const range = admission.range;
    const s = deps.settings();
    // A port with STARTTLS (required) takes no password in clear, from any range.
    const authNeedsTls = (range.requireTlsForAuth || port.security === 'starttls-required') && !session.secure;
    session.buzon = {
      sid,
      ip,
      range,
      log: slog,
      senderLocal: false,
      rcpts: [],
      authNeedsTls,
      allowBareLf: s['smtp.allowBareLineFeeds'],
      maxInvalidCommands: s['smtp.disconnectAfterInvalidCommands'] ? s['smtp.maxInvalidCommands'] : 0,
      onAbuse: (what: string) => {
        slog.info({ event: 'smtp.connection.abuse', what }, `closed: ${what}`);
        deps.guard.abuse(ip, what);
      },
      qualify: (name: string) => {
        const q = deps.directory.qualify(name);
        return q.includes('@') ? q : `${q}@${deps.hostName()}`;
      },
    };
    session.disabledCommands = [...SERVICE_DISABLED(port.security), ...(authNeedsTls ? ['AUTH'] : [])];
    deps.counters.smtpSessions++;
    slog.info({ event: 'smtp.connection.opened', port: port.port, range: range.name, tls: session.secure }, 'connection');
    // Until cb() runs there is no greeting, and smtp-server answers anything the client sends
    // with "421 You talk too soon" and closes: the early-talker test.
    const delay = s['smtp.greetingDelaySeconds'];
    if (delay > 0) setTimeout(() => cb(), delay * 1000).unref();
    else cb();
  }

  function onSecure(_socket: unknown, session: Session, cb: (err?: Error | null) => void): void {
    const b = session.buzon;
    if (b) {
      b.authNeedsTls = false;
      session.disabledCommands = SERVICE_DISABLED(port.security);
      b.log.debug({ event: 'smtp.tls.started' }, 'TLS started');
    }
    cb();
  }

  function onAuth(auth: SMTPServerAuthentication, session: Session, cb: (err: Error | null | undefined, response?: { user?: unknown }) => void): void {
    const b = state(session);
    const username = auth.username ?? '';
    deps.auth
      .authenticate(username, auth.password ?? '', b.ip)
      .then((r) => {
        if (r.ok) {
          b.log.info({ event: 'smtp.auth.succeeded', user: r.address, method: auth.method }, 'authenticated');
          return cb(null, { user: r.address });
        }
        deps.counters.authFailures++;
        b.log.warn({ event: 'smtp.auth.failed', user: username.slice(0, 100), method: auth.method, banned: r.banned }, 'authentication failed');
        cb(toSmtpError(r.banned ? REPLIES.banned() : REPLIES.authFailed()));
      })
      .catch((e: unknown) => {
        b.log.error({ event: 'smtp.auth.error', err: String(e) }, 'authentication error');
        cb(toSmtpError(REPLIES.tempFail(String(e))));
      });
  }

  function onMailFrom(address: SMTPServerAddress, session: Session, cb: (err?: Error | null) => void): void {
    const b = state(session);
    const s = deps.settings();
    if (port.security === 'starttls-required' && !session.secure) {
      return deny(cb, { code: 530, enhanced: '5.7.0', message: 'Must issue a STARTTLS command first' }, b.log, 'smtp.mail.refused');
    }
    const from = (address.address ?? '').toLowerCase();
    if (from === '' && !s['smtp.allowEmptySender']) return deny(cb, REPLIES.emptySenderRefused(), b.log, 'smtp.mail.refused');
    b.senderLocal = from !== '' && deps.directory.isLocalAddress(from);
    b.rcpts = [];
    cb();
  }

  function onRcptTo(address: SMTPServerAddress, session: Session, cb: (err?: Error | null) => void): void {
    const b = state(session);
    const s = deps.settings();
    const max = s['smtp.maxRecipients'];
    let rcpt = deps.directory.qualify(address.address);
    // A bare "postmaster" (RFC 5321 §4.1.1.3) with no default domain: this server's first domain.
    if (rcpt === 'postmaster') rcpt = `postmaster@${deps.repo.listDomains()[0]?.name ?? deps.hostName()}`;
    // A repeated recipient ("cuenta2", then "<CUENTA2@aula.test>") is one recipient: smtp-server
    // keeps one envelope entry for it, and so do we; it does not count against the limit again.
    const repeated = b.rcpts.findIndex((r) => r.address === rcpt);
    if (repeated < 0 && b.rcpts.length >= max) return deny(cb, REPLIES.tooManyRecipients(max), b.log, 'smtp.rcpt.refused');
    const add = (r: Rcpt): void => {
      if (repeated >= 0) b.rcpts[repeated] = r;
      else b.rcpts.push(r);
    };
    const recipientLocal = deps.directory.isLocalAddress(rcpt);
    const user = typeof session.user === 'string' ? session.user : null;
    const relay = decideRelay(b.range, b.senderLocal, recipientLocal, user !== null);
    if (relay.verdict === 'deny') return deny(cb, relay.reply, b.log, 'smtp.rcpt.refused', { rcpt });
    if (!recipientLocal) {
      add({ address: rcpt, local: false, accounts: [], external: [rcpt] });
      return cb();
    }
    const mailFrom = session.envelope.mailFrom;
    const sender = { address: mailFrom ? (mailFrom.address ?? '').toLowerCase() : '', authUser: user };
    const res = deps.directory.resolve(rcpt, sender);
    switch (res.kind) {
      case 'unknown':
        return deny(cb, REPLIES.unknownUser(`${rcpt}: ${res.reason}`), b.log, 'smtp.rcpt.refused', { rcpt });
      case 'denied':
        return deny(cb, res.authRequired ? REPLIES.authRequired(res.reason) : REPLIES.listDenied(res.reason), b.log, 'smtp.rcpt.refused', { rcpt });
      case 'external':
        add({ address: rcpt, local: false, accounts: [], external: [rcpt] });
        return cb();
      case 'local': {
        if (res.accounts.length === 0 && res.external.length === 0) {
          return deny(cb, REPLIES.unknownUser(`${rcpt}: resolves to no mailbox`), b.log, 'smtp.rcpt.refused', { rcpt });
        }
        const declared = Number(mailFrom && mailFrom.args ? (mailFrom.args as Record<string, unknown>).SIZE : 0) || 0;
        for (const a of res.accounts) {
          const room = deps.repo.accountRoom(a.id);
          if (declared >= room.bytes) {
            return deny(cb, REPLIES.mailboxFull(a.address, room.by === 'domain' ? domainOf(a.address) : undefined), b.log, 'smtp.rcpt.refused', { rcpt, limit: room.by });
          }
        }
        const domainMax = domainMaxBytes(deps, rcpt);
        if (declared > 0 && declared > domainMax) {
          return deny(cb, REPLIES.messageTooBig(Math.floor(domainMax / 1024)), b.log, 'smtp.rcpt.refused', { rcpt });
        }
        add({ address: rcpt, local: true, accounts: res.accounts, external: res.external });
        return cb();
      }
    }
  }

  function onData(stream: Readable, session: Session, cb: (err?: Error | null, message?: string) => void): void {
    const b = state(session);
    const s = deps.settings();
    const mailFrom = session.envelope.mailFrom ? (session.envelope.mailFrom.address ?? '') : '';
    const accounts = new Map<number, string>();
    // Remote recipients, by the envelope sender their copy leaves with: the sender's own (relay),
    // or for a copy forwarded by an account, alias or list of ours, its SRS form, so the next
    // server's SPF check sees our domain (delivery/srs.ts).
    const groups = new Map<string, QueuedGroup & { recipients: string[]; deliveredTo: string[] }>();
    const relayed = new Set(b.rcpts.filter((r) => !r.local).map((r) => r.address));
    const senderIsLocal = mailFrom !== '' && deps.directory.isLocalAddress(mailFrom);
    const groupFor = (from: string, reason: QueuedGroup['reason']) => {
      const key = `${reason}\0${from}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { mailFrom: from, reason, recipients: [], deliveredTo: [] }));
      return g;
    };
    const queuedAlready = new Set<string>();
    for (const r of b.rcpts) {
      for (const a of r.accounts) if (!accounts.has(a.id)) accounts.set(a.id, a.address);
      if (!r.local) {
        if (!queuedAlready.has(r.address)) groupFor(mailFrom, 'relay').recipients.push(r.address);
        queuedAlready.add(r.address);
        continue;
      }
      for (const e of r.external) {
        if (queuedAlready.has(e) || relayed.has(e)) continue;
        queuedAlready.add(e);
        const from = senderIsLocal || !deps.srs ? mailFrom : deps.srs.forward(mailFrom, r.address.slice(r.address.lastIndexOf('@') + 1));
        const g = groupFor(from, 'forward');
        g.recipients.push(e);
        if (!g.deliveredTo.includes(r.address)) g.deliveredTo.push(r.address);
      }
    }
    const local: LocalRecipient[] = [];
    // Each copy is checked against its domain's room as it is before this message: a message to
    // several accounts of one domain may take the domain over its size by the copies after the first.
    const domainLimited = new Set<string>();
    for (const [id, address] of accounts) {
      const room = deps.repo.accountRoom(id);
      if (room.by === 'domain') domainLimited.add(address);
      local.push({ accountId: id, address, room: Math.max(0, room.bytes), maxMessageBytes: domainMaxBytes(deps, address) });
    }
    const user = typeof session.user === 'string' ? session.user : null;
    const now = deps.clock.now();
    const received = receivedHeader(session, b, deps.hostName(), user, now);
    deps.inbound
      .accept(stream as Readable & { sizeExceeded?: boolean }, {
        mailFrom,
        local,
        queued: [...groups.values()],
        loopAddresses: b.rcpts.filter((r) => r.local).map((r) => r.address),
        authUser: user,
        traceHeaders: received,
        addDeliveredTo: s['smtp.addDeliveredTo'],
        now,
      })
      .then((r) => {
        if (r.ok) {
          deps.counters.messagesAccepted++;
          b.log.info(
            { event: 'smtp.message.accepted', id: r.id, from: mailFrom, to: b.rcpts.map((x) => x.address), size: r.size, queueIds: r.queueIds },
            'message accepted',
          );
          return cb(null, `2.0.0 Ok: queued as ${r.id}`);
        }
        deps.counters.messagesRejected++;
        const maxKb = s['smtp.maxMessageSizeKb'];
        const rep = ((): SmtpReply => {
          switch (r.error) {
            case 'hops':
              return REPLIES.tooManyHops(r.hops ?? 0);
            case 'loop':
              return REPLIES.forwardingLoop(r.address ?? '');
            case 'quota':
              return REPLIES.quotaExceeded(r.address ?? '', r.address && domainLimited.has(r.address) ? domainOf(r.address) : undefined);
            case 'too-big':
              return REPLIES.messageTooBig(r.limitBytes !== undefined ? Math.floor(r.limitBytes / 1024) : maxKb);
            default:
              return REPLIES.tempFail('aborted');
          }
        })();
        b.log.info({ event: 'smtp.message.rejected', code: rep.code, reason: r.error, address: r.address }, rep.message);
        cb(toSmtpError(rep));
      })
      .catch((e: unknown) => {
        deps.counters.messagesRejected++;
        // Drain what is left so the session stays usable after a local error.
        stream.resume();
        b.log.error({ event: 'smtp.message.failed', err: String(e) }, 'could not store the message');
        cb(toSmtpError(REPLIES.tempFail(String(e))));
      });
  }

  function onClose(session: Session): void {
    releases.get(session.id)?.();
    releases.delete(session.id);
    session.buzon?.log.debug({ event: 'smtp.connection.closed' }, 'closed');
  }

  return { onConnect, onSecure, onAuth, onMailFrom, onRcptTo, onData, onClose };
}

function domainMaxBytes(deps: SmtpDeps, address: string): number {
  const d = deps.repo.resolveDomain(domainOf(address));
  const kb = d ? (d.row.max_message_size_kb as number) : 0;
  return kb > 0 ? kb * 1024 : Infinity;
}

function clean(s: string): string {
  return s.replace(/[\r\n\t]/g, ' ').replace(/[()]/g, '').slice(0, 200);
}

/** RFC 5321 §4.4 trace header, with TLS (RFC 8314 style) and authentication comments. */
export function receivedHeader(session: SMTPServerSession, b: BuzonSession, host: string, user: string | null, now: Date): string {
  const helo = clean(session.hostNameAppearsAs || 'unknown');
  const rdns = session.clientHostname && !session.clientHostname.startsWith('[') ? clean(session.clientHostname) : 'unknown';
  const secure = Boolean(session.secure);
  const proto = (session.openingCommand === 'HELO' ? 'SMTP' : 'ESMTP') + (secure ? 'S' : '') + (user ? 'A' : '');
  const tls = secure && session.tlsOptions ? `\r\n\t(using ${clean(String(session.tlsOptions.version ?? 'TLS'))} with cipher ${clean(String(session.tlsOptions.name ?? ''))})` : '';
  const auth = user ? `\r\n\t(authenticated as ${clean(user)})` : '';
  const rcpts = b.rcpts.map((r) => r.address);
  const forClause = rcpts.length === 1 ? `\r\n\tfor <${clean(rcpts[0]!)}>` : '';
  return `Received: from ${helo} (${rdns} [${b.ip}])\r\n\tby ${host} (Buzon) with ${proto} id ${session.id}${tls}${auth}${forClause};\r\n\t${rfc5322Date(now)}\r\n`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
}
