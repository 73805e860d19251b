// Outbound delivery: one queued message to one remote target over SMTP, with nodemailer's SMTP
// client doing the wire work. This module decides what nodemailer cannot: which hosts to try
// (RFC 5321 §5.1, RFC 7505), the TLS policy of a target, whether the peer can take the message
// (SMTPUTF8, 8BITMIME, AUTH), and what each reply means for each recipient (4xx temporary, 5xx
// permanent, anything without an answer temporary). Every outcome is a value; nothing throws.
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export type Security = 'none' | 'starttls-optional' | 'starttls-required' | 'tls';

export interface Target {
  host: string;
  port: number;
  security: Security;
  auth?: { user: string; pass: string };
  /** for logs: 'mx.example.com[1.2.3.4]:25' */
  label?: string;
}

export interface Resolver {
  resolveMx(domain: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
}

export interface RecipientResult {
  address: string;
  ok: boolean;
  permanent: boolean;
  code?: number;
  enhanced?: string;
  response: string;
}

export interface DeliveryResult {
  target: string;
  connected: boolean;
  tls: boolean;
  authenticated: boolean;
  /** One entry per requested recipient, in order (also when `error` is set: each then carries it). */
  recipients: RecipientResult[];
  /** a failure before any RCPT (connect, TLS, AUTH, MAIL FROM) */
  error?: { permanent: boolean; message: string; code?: number };
  /** human-readable log: 'connected to …', 'STARTTLS ok (TLSv1.3)', 'AUTH ok', '250 accepted' … */
  steps: string[];
}

export interface DeliverOptions {
  target: Target;
  heloName: string;
  mailFrom: string;
  recipients: string[];
  message: () => NodeJS.ReadableStream | Buffer;
  size?: number;
  allowInvalidCertificates?: boolean;
  timeouts?: { connection?: number; greeting?: number; socket?: number };
}

const DEFAULT_MAX_MX = 5;
const DEFAULT_TIMEOUTS = { connection: 30_000, greeting: 30_000, socket: 5 * 60_000 };
/** How long to wait for the reply to QUIT before dropping the connection. */
const QUIT_WAIT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// MX selection

type MxResult = { ok: true; targets: Target[] } | { ok: false; permanent: boolean; message: string };

/** DNS answers that mean "no such records" rather than "could not ask". */
function isNoRecords(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENODATA' || code === 'ENOTFOUND';
}

function errText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'string') return e.code;
  if (e && typeof e.message === 'string') return e.message;
  return String(err);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** A host's addresses, IPv4 first; `temporary` when a lookup failed for another reason than "none". */
async function addressesOf(host: string, resolver: Resolver): Promise<{ addresses: string[]; temporary: boolean; detail: string }> {
  if (isIP(host)) return { addresses: [host], temporary: false, detail: '' };
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses: string[] = [];
  let temporary = false;
  const details: string[] = [];
  for (const [type, r] of [['A', v4], ['AAAA', v6]] as const) {
    if (r.status === 'fulfilled') addresses.push(...r.value);
    else {
      if (!isNoRecords(r.reason)) temporary = true;
      details.push(`${host}/${type}: ${errText(r.reason)}`);
    }
  }
  return { addresses, temporary, detail: details.join(', ') };
}

function formatLabel(name: string, ip: string, port: number): string {
  return `${name}[${ip}]:${port}`;
}

/** RFC 5321 §5.1: MX hosts by preference (equal preference shuffled), at most maxMx; no MX → the domain's own A/AAAA (implicit MX); an MX of "." (RFC 7505 null MX) → a permanent failure. Errors ENODATA/ENOTFOUND → no MX; others → temporary. Returns targets on port 25 with security 'starttls-optional' (or 'none' when useStartTls is false). */
export async function mxTargets(domain: string, resolver: Resolver, opts: { maxMx?: number; useStartTls?: boolean } = {}): Promise<MxResult> {
  const maxMx = Math.max(1, opts.maxMx ?? DEFAULT_MAX_MX);
  const security: Security = opts.useStartTls === false ? 'none' : 'starttls-optional';
  const name = domain.trim().replace(/\.$/, '').toLowerCase();
  if (!name) return { ok: false, permanent: true, message: '5.1.2 empty recipient domain' };

  // An address literal (user@[192.0.2.1], user@[IPv6:2001:db8::1]) names the host itself.
  const literal = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(name);
  if (literal) {
    const ip = literal[1] ?? '';
    if (!isIP(ip)) return { ok: false, permanent: true, message: `5.1.2 invalid address literal ${domain}` };
    return { ok: true, targets: [{ host: ip, port: 25, security, label: formatLabel(name, ip, 25) }] };
  }

  let records: { exchange: string; priority: number }[];
  try {
    records = await resolver.resolveMx(name);
  } catch (err) {
    if (!isNoRecords(err)) return { ok: false, permanent: false, message: `4.4.3 DNS lookup of MX for ${name} failed: ${errText(err)}` };
    records = [];
  }

  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    return { ok: false, permanent: true, message: `556 5.1.10 domain ${name} does not accept mail (null MX, RFC 7505)` };
  }

  if (records.length === 0) {
    // Implicit MX (RFC 5321 §5.1): the domain itself, as if it were an MX of preference 0.
    const found = await addressesOf(name, resolver);
    if (found.addresses.length) {
      return { ok: true, targets: found.addresses.map((ip) => ({ host: ip, port: 25, security, label: formatLabel(name, ip, 25) })) };
    }
    if (found.temporary) return { ok: false, permanent: false, message: `4.4.3 DNS lookup for ${name} failed (${found.detail})` };
    return { ok: false, permanent: true, message: `5.1.2 Host or domain name not found: ${name} has no MX, A or AAAA records` };
  }

  // By preference, ties shuffled to spread load (§5.1), capped at maxMx hosts.
  const byPref = new Map<number, string[]>();
  for (const r of records) {
    const host = r.exchange.replace(/\.$/, '').toLowerCase();
    const list = byPref.get(r.priority) ?? [];
    if (!list.includes(host)) list.push(host);
    byPref.set(r.priority, list);
  }
  const hosts = [...byPref.keys()]
    .sort((a, b) => a - b)
    .flatMap((p) => shuffle(byPref.get(p) ?? []))
    .filter((h, i, all) => all.indexOf(h) === i)
    .slice(0, maxMx);

  const lookups = await Promise.all(hosts.map(async (h) => ({ host: h, found: await addressesOf(h, resolver) })));
  const targets: Target[] = [];
  const seen = new Set<string>();
  let temporary = false;
  const details: string[] = [];
  for (const { host, found } of lookups) {
    if (found.temporary) temporary = true;
    if (found.detail) details.push(found.detail);
    for (const ip of found.addresses) {
      if (seen.has(ip)) continue;
      seen.add(ip);
      targets.push({ host: ip, port: 25, security, label: formatLabel(host, ip, 25) });
    }
  }
  if (targets.length) return { ok: true, targets };
  if (temporary) return { ok: false, permanent: false, message: `4.4.3 no MX host of ${name} could be resolved (${details.join('; ')})` };
  return { ok: false, permanent: true, message: `5.4.4 Host or domain name not found: no MX host of ${name} has an address (${details.join('; ')})` };
}

// ---------------------------------------------------------------------------------------------
// Replies

interface Reply {
  code?: number;
  enhanced?: string;
  /** one line: '550 5.1.1 No such user here' (multi-line replies joined with spaces) */
  text: string;
}

function parseReply(raw: string): Reply {
  const lines = raw.split(/\r?\n/).filter((l) => l.trim() !== '');
  const first = /^(\d{3})[ -]?/.exec(lines[0] ?? '');
  if (!first) return { text: raw.replace(/\s*\r?\n\s*/g, ' ').trim() };
  const code = Number(first[1]);
  const enh = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?=\s|$)/.exec(lines[0] ?? '');
  const enhanced = enh?.[1];
  const texts = lines.map((l) => {
    let t = l.replace(/^\d{3}[ -]?/, '');
    if (enhanced && t.startsWith(enhanced)) t = t.slice(enhanced.length);
    return t.trim();
  });
  const body = texts.filter(Boolean).join(' ');
  return { code, enhanced, text: [String(code), enhanced, body].filter(Boolean).join(' ') };
}

type SmtpError = SMTPConnection.SMTPError;

function asSmtpError(err: unknown): SmtpError {
  return err instanceof Error ? (err as SmtpError) : (new Error(String(err)) as SmtpError);
}

/** The outcome of a failed step: 5xx permanent, everything else (4xx, no reply, network) temporary. */
function classify(err: SmtpError): { permanent: boolean; code?: number; enhanced?: string; message: string } {
  if (err.response && /^\d{3}/.test(err.response)) {
    const r = parseReply(err.response);
    return { permanent: (r.code ?? 0) >= 500, code: r.code, enhanced: r.enhanced, message: r.text };
  }
  const code = err.code ? `${err.code}: ` : '';
  return { permanent: false, message: `${code}${err.message}`.trim() };
}

// ---------------------------------------------------------------------------------------------
// Message inspection

function has8bit(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if ((buf[i] as number) >= 0x80) return true;
  return false;
}

/** Whether the message has any byte ≥ 0x80 (stops at the first), and its size when fully read. */
async function inspectMessage(source: NodeJS.ReadableStream | Buffer): Promise<{ eightBit: boolean; size?: number }> {
  if (Buffer.isBuffer(source)) return { eightBit: has8bit(source), size: source.length };
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (has8bit(buf)) {
      (source as Partial<Readable>).destroy?.();
      return { eightBit: true };
    }
    size += buf.length;
  }
  return { eightBit: false, size };
}

// ---------------------------------------------------------------------------------------------
// One delivery

function defaultLabel(t: Target): string {
  return t.label ?? (isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** EHLO keywords (upper case) and AUTH mechanisms of an EHLO reply. */
function parseEhlo(raw: string | undefined): { keywords: Set<string>; auth: Set<string> } {
  const keywords = new Set<string>();
  const auth = new Set<string>();
  if (!raw) return { keywords, auth };
  for (const line of raw.split(/\r?\n/).slice(1)) {
    const words = line.replace(/^\d{3}[ -]?/, '').trim().split(/[\s=]+/);
    const kw = (words[0] ?? '').toUpperCase();
    if (!kw) continue;
    keywords.add(kw);
    if (kw === 'AUTH') for (const m of words.slice(1)) auth.add(m.toUpperCase());
  }
  return { keywords, auth };
}

interface Exchange {
  command: string;
  reply: string;
}

class Attempt {
  readonly steps: string[] = [];
  readonly exchanges: Exchange[] = [];
  private readonly pending: string[] = ['(greeting)'];
  private inAuth = false;
  lastEhlo: string | undefined;

  /** A nodemailer logger that records the command/reply pairs (transactionLog) and nothing else. */
  readonly logger = {
    level: (): void => {},
    trace: (): void => {},
    info: (): void => {},
    warn: (): void => {},
    error: (): void => {},
    fatal: (): void => {},
    debug: (entry: { tnx?: string } | undefined, message: unknown): void => {
      const text = typeof message === 'string' ? message : String(message);
      if (entry?.tnx === 'client') this.onCommand(text);
      else if (entry?.tnx === 'server') this.onReply(text);
    },
  };

  private onCommand(text: string): void {
    if (/^AUTH\b/i.test(text)) {
      this.inAuth = true;
      this.pending.push(text.split(' ').slice(0, 2).join(' ') + ' …');
    } else this.pending.push(this.inAuth ? '(AUTH response)' : text);
  }

  private onReply(text: string): void {
    const command = this.pending.shift() ?? '(unsolicited)';
    this.exchanges.push({ command, reply: text });
    if (/^(EHLO|LHLO) /i.test(command) && /^2/.test(text)) this.lastEhlo = text;
    if (this.inAuth && !/^334/.test(text)) this.inAuth = false;
    if (/^DATA$/i.test(command) && /^354/.test(text)) this.pending.unshift('(end of data)');
    if (command === '(AUTH response)' || /^AUTH\b/i.test(command)) {
      if (!/^334/.test(text)) this.steps.push(`${command.replace(/ …$/, '')} → ${parseReply(text).text}`);
      return;
    }
    if (/^(EHLO|LHLO) /i.test(command) && /^2/.test(text)) {
      const ext = [...parseEhlo(text).keywords].join(' ');
      this.steps.push(`${command} → ${(parseReply(text.split(/\r?\n/)[0] ?? '').text)}${ext ? ` [${ext}]` : ''}`);
      return;
    }
    this.steps.push(`${command} → ${parseReply(text).text}`);
  }

  rcptReplies(): Reply[] {
    return this.exchanges.filter((e) => /^RCPT TO:/i.test(e.command)).map((e) => parseReply(e.reply));
  }
}

interface Session {
  conn: SMTPConnection;
  /** Rejects when the connection fails or ends; races every step. */
  broken: Promise<never>;
  ended: () => boolean;
  endedPromise: Promise<void>;
}

function openSession(conn: SMTPConnection): Session {
  let ended = false;
  let onEnd: () => void = () => {};
  const endedPromise = new Promise<void>((resolve) => (onEnd = resolve));
  let lastError: SmtpError | undefined;
  const broken = new Promise<never>((_, reject) => {
    conn.on('error', (err) => {
      lastError = err;
      reject(err);
    });
    conn.on('end', () => {
      ended = true;
      onEnd();
      reject(lastError ?? Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }));
    });
  });
  broken.catch(() => {});
  return { conn, broken, ended: () => ended, endedPromise };
}

function step<T>(s: Session, run: (cb: (err: SmtpError | null | undefined, value?: T) => void) => void): Promise<T> {
  const done = new Promise<T>((resolve, reject) => {
    run((err, value) => (err ? reject(err) : resolve(value as T)));
  });
  return Promise.race([done, s.broken]);
}

async function finish(s: Session, polite: boolean): Promise<void> {
  if (s.ended()) return;
  if (polite) {
    s.conn.quit();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([s.endedPromise, new Promise<void>((r) => (timer = setTimeout(r, QUIT_WAIT_MS)))]);
    clearTimeout(timer);
  }
  s.conn.close();
}

/** Connects, EHLO heloName, STARTTLS per security (optional: if offered; required: fail (temporary) if not offered), AUTH when auth given (PLAIN/LOGIN via nodemailer), MAIL FROM (with SMTPUTF8 / 8BITMIME params when needed and supported; if the message is 8-bit and the peer lacks 8BITMIME, still send — note it), RCPT TO each, DATA streaming the file. 4xx → temporary, 5xx → permanent, connection errors/timeouts → temporary. Timeouts configurable (connection 30 s, greeting 30 s, socket 5 min by default). TLS: rejectUnauthorized false for opportunistic STARTTLS on MX delivery (as MTAs do), but true by default for smart hosts with 'tls'/'starttls-required' unless opts.allowInvalidCertificates. */
export async function deliver(opts: DeliverOptions): Promise<DeliveryResult> {
  const first = await deliverOnce(opts, opts.target.security);
  if (first.retryPlain) {
    // Opportunistic TLS that failed (STARTTLS refused or handshake failed): as MTAs do, try the
    // same host again in plaintext rather than defer mail that could go out unencrypted.
    const second = await deliverOnce(opts, 'none');
    second.result.steps.unshift(...first.result.steps, 'TLS failed with opportunistic STARTTLS; retrying without TLS');
    return second.result;
  }
  return first.result;
}

async function deliverOnce(opts: DeliverOptions, security: Security): Promise<{ result: DeliveryResult; retryPlain: boolean }> {
  const target = opts.target;
  const label = defaultLabel(target);
  const attempt = new Attempt();
  const steps = attempt.steps;
  const result: DeliveryResult = { target: label, connected: false, tls: false, authenticated: false, recipients: [], steps };
  const fail = (permanent: boolean, message: string, code?: number): { result: DeliveryResult; retryPlain: boolean } => {
    result.error = code === undefined ? { permanent, message } : { permanent, message, code };
    const enhanced = parseReply(message).enhanced;
    result.recipients = opts.recipients.map((address) => ({
      address,
      ok: false,
      permanent,
      ...(code !== undefined ? { code } : {}),
      ...(enhanced ? { enhanced } : {}),
      response: message,
    }));
    steps.push(`${permanent ? 'failed permanently' : 'failed temporarily'}: ${message}`);
    return { result, retryPlain: false };
  };

  if (opts.recipients.length === 0) return fail(true, 'no recipients');

  // Look at the message first: it decides BODY=8BITMIME, and a queue file that cannot be read
  // should not cost a connection.
  let info: { eightBit: boolean; size?: number };
  try {
    info = await inspectMessage(opts.message());
  } catch (err) {
    return fail(false, `cannot read the message: ${errText(err)}`);
  }
  const needsUtf8 = !isAscii(opts.mailFrom) || opts.recipients.some((r) => !isAscii(r));
  const size = opts.size ?? info.size;

  const verify = !opts.allowInvalidCertificates && (security === 'tls' || security === 'starttls-required');
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const conn = new SMTPConnection({
    host: target.host,
    port: target.port,
    secure: security === 'tls',
    ignoreTLS: security === 'none',
    requireTLS: false,
    opportunisticTLS: false,
    name: opts.heloName,
    connectionTimeout: timeouts.connection,
    greetingTimeout: timeouts.greeting,
    socketTimeout: timeouts.socket,
    logger: attempt.logger,
    transactionLog: true,
    tls: { rejectUnauthorized: verify },
  });
  const s = openSession(conn);
  steps.push(`connecting to ${label}${security === 'tls' ? ' (implicit TLS)' : ''}`);

  try {
    try {
      await step<void>(s, (cb) => conn.connect(cb));
    } catch (err) {
      const e = asSmtpError(err);
      result.connected = conn.stage === 'connected';
      // A handshake failure after "220 Ready to start TLS" surfaces as ETLS or as a socket error.
      const tlsFailed = e.code === 'ETLS' || (!conn.secure && /^STARTTLS$/i.test(attempt.exchanges.at(-1)?.command ?? ''));
      if (tlsFailed && security === 'starttls-optional') {
        steps.push(`STARTTLS failed: ${classify(e).message}`);
        return { result, retryPlain: true };
      }
      const greeted = attempt.exchanges.some((x) => x.command === '(greeting)' && /^2/.test(x.reply));
      const c = classify(e);
      // A 5xx greeting means "no service here": skip this host like Postfix (smtp_skip_5xx_greeting).
      if (!greeted || tlsFailed) return fail(false, tlsFailed ? `TLS failed: ${c.message}` : c.message, c.code);
      return fail(c.permanent, c.message, c.code);
    }
    result.connected = true;
    const socket = conn._socket;
    const remote = socket?.remoteAddress ? ` (${socket.remoteAddress}:${socket.remotePort})` : '';
    steps.splice(1, 0, `connected to ${label}${remote}`);

    if (conn.secure && socket instanceof TLSSocket) {
      result.tls = true;
      const cert = socket.authorized ? 'certificate verified' : `certificate not verified${socket.authorizationError ? `: ${String(socket.authorizationError)}` : ''}`;
      steps.push(`${security === 'tls' ? 'TLS' : 'STARTTLS'} ok (${socket.getProtocol() ?? 'TLS'}, ${socket.getCipher().name}; ${cert})`);
    } else if (security === 'starttls-required') {
      await finish(s, true);
      return fail(false, `STARTTLS is required for ${label} but the peer does not offer it`);
    } else if (security === 'starttls-optional') {
      steps.push('STARTTLS not offered; continuing without TLS');
    }

    const ehlo = parseEhlo(attempt.lastEhlo);
    if (target.auth) {
      const method = ehlo.auth.has('PLAIN') ? 'PLAIN' : ehlo.auth.has('LOGIN') ? 'LOGIN' : undefined;
      if (!method) {
        await finish(s, true);
        return fail(false, `${label} offers no AUTH PLAIN or LOGIN (offered: ${[...ehlo.auth].join(' ') || 'none'})`);
      }
      const credentials = { credentials: { user: target.auth.user, pass: target.auth.pass }, method };
      try {
        await step<boolean>(s, (cb) => conn.login(credentials, (err) => cb(err, true)));
      } catch (err) {
        const c = classify(asSmtpError(err));
        await finish(s, !s.ended());
        return fail(c.permanent, `AUTH ${method} failed: ${c.message}`, c.code);
      }
      result.authenticated = true;
      steps.push(`AUTH ok (${method} as ${target.auth.user})`);
    }

    if (needsUtf8 && !ehlo.keywords.has('SMTPUTF8')) {
      // RFC 6531 §3.2: an internationalized envelope must not go to a peer without SMTPUTF8.
      await finish(s, true);
      return fail(true, `553 5.6.7 SMTPUTF8 is required, but was not offered by ${label}`, 553);
    }
    if (info.eightBit && !ehlo.keywords.has('8BITMIME')) {
      steps.push('note: the message has 8-bit content but the peer does not offer 8BITMIME; sending it as is');
    }

    const envelope: SMTPConnection.Envelope = {
      from: opts.mailFrom,
      to: opts.recipients,
      ...(size !== undefined ? { size } : {}),
      use8BitMime: info.eightBit,
    };
    let sendError: SmtpError | undefined;
    let finalReply: string | undefined;
    try {
      const sent = await step<SMTPConnection.SentMessageInfo>(s, (cb) => conn.send(envelope, opts.message() as Readable | Buffer, cb));
      finalReply = sent.response;
    } catch (err) {
      sendError = asSmtpError(err);
    }

    const rcpts = attempt.rcptReplies();
    if (sendError && rcpts.length === 0) {
      // Nothing answered RCPT: the transaction failed as a whole (MAIL FROM, size, connection).
      const e = sendError;
      await finish(s, !s.ended() && e.code !== 'ESTREAM');
      if (e.code === 'EMESSAGE' && e.command === 'MAIL FROM' && !e.response) {
        return fail(true, `552 5.3.4 ${e.message}`, 552);
      }
      const c = classify(e);
      return fail(c.permanent, e.command === 'MAIL FROM' && e.response ? `MAIL FROM rejected: ${c.message}` : c.message, c.code);
    }

    const after = sendError ? classify(sendError) : undefined;
    const finalParsed = finalReply !== undefined ? parseReply(finalReply) : undefined;
    result.recipients = opts.recipients.map((address, i): RecipientResult => {
      const r = rcpts[i];
      if (r && r.code !== undefined && r.code >= 300) {
        return { address, ok: false, permanent: r.code >= 500, code: r.code, ...(r.enhanced ? { enhanced: r.enhanced } : {}), response: r.text };
      }
      if (finalParsed && !sendError) {
        return { address, ok: true, permanent: false, ...(finalParsed.code !== undefined ? { code: finalParsed.code } : {}), ...(finalParsed.enhanced ? { enhanced: finalParsed.enhanced } : {}), response: finalParsed.text };
      }
      const c = after ?? { permanent: false, message: 'no answer' };
      return { address, ok: false, permanent: c.permanent, ...(c.code !== undefined ? { code: c.code } : {}), ...(c.enhanced ? { enhanced: c.enhanced } : {}), response: c.message };
    });
    const accepted = result.recipients.filter((r) => r.ok).length;
    if (sendError) steps.push(`message not delivered: ${after?.message ?? sendError.message}`);
    else steps.push(`${finalParsed?.text ?? '250'} (accepted for ${accepted} of ${opts.recipients.length} recipients)`);
    await finish(s, !s.ended() && sendError?.code !== 'ESTREAM');
    return { result, retryPlain: false };
  } catch (err) {
    // Programming errors or anything unexpected: never throw at the queue runner.
    conn.close();
    return fail(false, `delivery failed: ${errText(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Several targets

/** Tries targets in order until one accepts the connection and gives a definitive answer; per RFC 5321 a temporary failure at one MX moves to the next. */
export async function deliverToFirst(targets: Target[], opts: Omit<Parameters<typeof deliver>[0], 'target'>): Promise<DeliveryResult> {
  if (targets.length === 0) {
    const message = 'no delivery targets';
    return {
      target: '',
      connected: false,
      tls: false,
      authenticated: false,
      recipients: opts.recipients.map((address) => ({ address, ok: false, permanent: false, response: message })),
      error: { permanent: false, message },
      steps: [message],
    };
  }
  // Recipients answered definitively (accepted, or refused with 5xx) keep that answer; the ones
  // that got a temporary failure go on to the next target, as Postfix does.
  const final = new Map<number, RecipientResult>();
  const latest = new Map<number, RecipientResult>();
  const steps: string[] = [];
  let pending = opts.recipients.map((_, i) => i);
  let last: DeliveryResult | undefined;
  for (const target of targets) {
    const r = await deliver({ ...opts, target, recipients: pending.map((i) => opts.recipients[i] as string) });
    last = r;
    steps.push(...r.steps);
    const still: number[] = [];
    r.recipients.forEach((rr, k) => {
      const idx = pending[k] as number;
      if (rr.ok || rr.permanent) final.set(idx, rr);
      else {
        latest.set(idx, rr);
        still.push(idx);
      }
    });
    pending = still;
    if (pending.length === 0 || r.error?.permanent) break;
    steps.push(`${pending.length} recipient(s) not delivered at ${r.target}; trying the next target`);
  }
  const lastResult = last as DeliveryResult;
  const recipients = opts.recipients.map(
    (address, i): RecipientResult => final.get(i) ?? latest.get(i) ?? { address, ok: false, permanent: false, response: 'not attempted' },
  );
  const merged: DeliveryResult = { ...lastResult, recipients, steps };
  if (!lastResult.error) delete merged.error;
  return merged;
}
