// The outbound engine: drains the queue table (relayed and forwarded mail, bounces) to remote
// servers. For each due message, its undelivered recipients are grouped by where they go: a route
// for their domain (hMailServer "Routes"), else the smart host (hMailServer "SMTP relayer") when
// one is set, else the domain's MX hosts. Each group is one SMTP transaction (delivery/remote.ts,
// on nodemailer's SMTP client).
//
// Per recipient: 2xx → delivered; 5xx → bounced now; 4xx or no answer → deferred and retried
// after the retry interval (hMailServer: 4 retries, 60 minutes apart; a route has its own). When
// the retries are used up, the deferred recipients bounce too. A bounce is an RFC 3464 report to
// the envelope sender (delivery/dsn.ts), submitted as a new message; never for a null sender.
//
// Durability: a recipient's status is written after each attempt, in one transaction with the
// message's next try; a message leaves the queue (row, then file) only when every recipient is
// delivered or bounced. A crash mid-attempt repeats that attempt after the restart — at worst one
// duplicate delivery of that attempt ("within reason"), never a loss. Time comes from the injected
// clock and the DNS from the injected resolver, so tests never wait nor touch the network.
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Logger } from '../logging/logger';
import type { Clock } from '../server/clock';
import type { Settings } from '../shared/model/settings';
import type { MessageFiles } from '../store/message-files';
import type { QueueRecipientRow, QueueRepo, QueueRow } from '../store/queue-repo';
import { deliver, deliverToFirst, mxTargets, type DeliveryResult, type Resolver, type Target } from './remote';
import { buildBounce, shouldBounce, type FailedRecipient } from './dsn';
import { dkimSignature, type DkimKey } from './dkim';
import { domainOf } from '../shared/util/address';

export interface RouteTarget {
  readonly domain: string;
  readonly host: string;
  readonly port: number;
  readonly security: Target['security'];
  /** null: every address of the domain; else only these (lower-case). */
  readonly addresses: readonly string[] | null;
  readonly retries: number;
  readonly retryMinutes: number;
  readonly verifyCertificate: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** The stored password cannot be decrypted: deliveries by this route wait for the admin. */
  readonly authError?: string | null;
}

export interface OutboundDeps {
  readonly queue: QueueRepo;
  readonly files: MessageFiles;
  readonly settings: () => Settings;
  readonly hostName: () => string;
  readonly clock: Clock;
  readonly resolver: Resolver;
  readonly routes: () => readonly RouteTarget[];
  /** Why the smart host's password cannot be used (stored under another key), or null. */
  readonly relayerAuthError?: () => string | null;
  /** The DKIM key of a sending domain, when it signs (schema 6). */
  readonly dkimKey?: (domain: string) => DkimKey | null;
  readonly logger: Logger;
  /** Submits a bounce (MAIL FROM:<>) for local delivery or the queue; resolves once it is stored. */
  readonly submitBounce: (to: string, message: Buffer) => Promise<void>;
  /** Where postmaster mail comes from (bounces' From:). */
  readonly postmaster: () => string;
  /** Delivery, replaceable in tests of the scheduling alone. */
  readonly deliver?: typeof deliverToFirst;
  /** The port MX hosts are reached on (25; tests use their peer's ephemeral port). */
  readonly mxPort?: number;
  readonly onChange?: () => void;
}

interface Group {
  readonly key: string;
  readonly targets: () => Promise<{ ok: true; targets: Target[] } | { ok: false; permanent: boolean; message: string }>;
  readonly recipients: QueueRecipientRow[];
  readonly retries: number;
  readonly retryMinutes: number;
  readonly allowInvalidCertificates: boolean;
}

async function* withPrefix(prefix: Buffer, path: string): AsyncGenerator<Buffer> {
  yield prefix;
  for await (const chunk of createReadStream(path)) yield chunk as Buffer;
}

const MAX_PARALLEL = 4;

export class OutboundEngine {
  private timer: NodeJS.Timeout | undefined;
  /** Runs are serialised: automatic ones and those asked for (send now, tests) never overlap. */
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = true;
  private readonly log: Logger;

  constructor(private readonly d: OutboundDeps) {
    this.log = d.logger.child({ svc: 'delivery' });
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** Something was queued or is due now: a run soon (several kicks make one run). */
  kick(): void {
    if (this.stopped || this.queued) return;
    this.queued = true;
    this.chain = this.chain
      .then(async () => {
        this.queued = false;
        await this.pass();
      })
      .catch((e: unknown) => this.log.error({ event: 'delivery.run.failed', err: String(e) }, 'delivery run failed'))
      .finally(() => this.schedule());
  }

  /** Sleeps until the next due message (at most a minute, so clock changes and other writers are seen). */
  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.d.queue.nextDue();
    const wait = next === null ? 60_000 : Math.min(60_000, Math.max(0, Date.parse(next) - this.d.clock.now().getTime()));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  /** Delivers every message due now, after any run in progress; resolves when done (tests, "send now"). */
  runDue(): Promise<void> {
    const p = this.chain.then(() => this.pass());
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** One pass over the due messages, a few at a time; each message at most once per pass. */
  private async pass(): Promise<void> {
    const seen = new Set<number>();
    for (;;) {
      const due = this.d.queue.due(this.d.clock.now().toISOString(), MAX_PARALLEL + seen.size).filter((m) => !seen.has(m.id)).slice(0, MAX_PARALLEL);
      if (!due.length) return;
      for (const m of due) seen.add(m.id);
      await Promise.all(due.map((m) => this.attemptSafely(m)));
      this.d.onChange?.();
    }
  }

  private async attemptSafely(m: QueueRow): Promise<void> {
    try {
      await this.attempt(m);
    } catch (e) {
      // Not the remote's answer (a local error: file unreadable, database busy): try again later.
      this.log.error({ event: 'delivery.attempt.failed', queueId: m.id, err: String(e) }, `${m.id}: delivery attempt failed: ${String(e)}`);
      const next = new Date(this.d.clock.now().getTime() + this.d.settings()['smtp.retryMinutes'] * 60_000).toISOString();
      this.d.queue.recordAttempt(m.id, [], { attempts: m.attempts, nextTryAt: next, lastError: `local error: ${String(e)}` });
    }
  }

  private groups(m: QueueRow, pending: QueueRecipientRow[]): Group[] {
    const s = this.d.settings();
    const byKey = new Map<string, Group>();
    const routes = this.d.routes();
    const relayHost = s['smtp.relayer.host'];
    for (const r of pending) {
      const domain = domainOf(r.address);
      const route = routes.find((x) => x.domain.toLowerCase() === domain && (x.addresses === null || x.addresses.includes(r.address.toLowerCase())));
      let g: Omit<Group, 'recipients'>;
      if (route) {
        const target: Target = {
          host: route.host,
          port: route.port,
          security: route.security,
          ...(route.auth ? { auth: route.auth } : {}),
          label: `route ${route.domain} → ${route.host}:${route.port}`,
        };
        const authError = route.authError ?? null;
        g = {
          key: `route:${route.domain}`,
          targets: async () => (authError ? { ok: false, permanent: false, message: authError } : { ok: true, targets: [target] }),
          retries: route.retries,
          retryMinutes: route.retryMinutes,
          allowInvalidCertificates: !route.verifyCertificate,
        };
      } else if (relayHost) {
        const target: Target = { ...relayerTarget(s), label: `smart host ${relayHost}:${s['smtp.relayer.port']}` };
        const authError = s['smtp.relayer.requiresAuth'] ? (this.d.relayerAuthError?.() ?? null) : null;
        g = {
          key: 'relayer',
          targets: async () => (authError ? { ok: false, permanent: false, message: authError } : { ok: true, targets: [target] }),
          retries: s['smtp.retries'],
          retryMinutes: s['smtp.retryMinutes'],
          allowInvalidCertificates: !s['smtp.relayer.verifyCertificate'],
        };
      } else {
        g = {
          key: `mx:${domain}`,
          targets: async () => {
            const r = await mxTargets(domain, this.d.resolver, { maxMx: s['smtp.maxMxHosts'], useStartTls: s['smtp.useStartTlsIfAvailable'] });
            return r.ok && this.d.mxPort !== undefined ? { ok: true, targets: r.targets.map((t) => ({ ...t, port: this.d.mxPort! })) } : r;
          },
          retries: s['smtp.retries'],
          retryMinutes: s['smtp.retryMinutes'],
          allowInvalidCertificates: false,
        };
      }
      const have = byKey.get(g.key);
      if (have) have.recipients.push(r);
      else byKey.set(g.key, { ...g, recipients: [r] });
    }
    return [...byKey.values()];
  }

  private async attempt(m: QueueRow): Promise<void> {
    const all = this.d.queue.recipients(m.id);
    const pending = all.filter((r) => r.status === 'pending' || r.status === 'deferred');
    const started = this.d.clock.now();
    const outcomes = new Map<number, { status: QueueRecipientRow['status']; lastError: string | null; final?: FailedRecipient }>();
    let retries = this.d.settings()['smtp.retries'];
    let retryMinutes = this.d.settings()['smtp.retryMinutes'];
    const path = this.d.files.abs(m.file);
    const signature = await this.sign(m, path);
    const message = signature ? () => Readable.from(withPrefix(signature, path)) : () => createReadStream(path);
    for (const g of this.groups(m, pending)) {
      retries = g.retries;
      retryMinutes = g.retryMinutes;
      const t = await g.targets();
      let result: DeliveryResult | undefined;
      if (t.ok) {
        result = await (this.d.deliver ?? deliverToFirst)(t.targets, {
          heloName: this.d.settings()['smtp.heloName'] || this.d.hostName(),
          mailFrom: m.mailFrom,
          recipients: g.recipients.map((r) => r.address),
          allowInvalidCertificates: g.allowInvalidCertificates,
          message,
          size: m.size + (signature?.length ?? 0),
        });
      }
      for (const r of g.recipients) {
        const rr = result?.recipients.find((x) => x.address === r.address);
        let failure = !t.ok ? { permanent: t.permanent, message: t.message } : rr && !result?.error ? (rr.ok ? null : { permanent: rr.permanent, message: rr.response }) : (result?.error ?? { permanent: false, message: 'no answer' });
        // A smart host or route refusing us before any recipient (wrong password, TLS) is the
        // admin's to fix, not the sender's: defer, never bounce (Postfix's soft bounce on AUTH).
        if (failure && result?.error && !g.key.startsWith('mx:')) failure = { ...failure, permanent: false };
        const relay = result?.target ?? 'none';
        const delay = ((this.d.clock.now().getTime() - Date.parse(m.createdAt)) / 1000).toFixed(1);
        if (!failure) {
          outcomes.set(r.id, { status: 'delivered', lastError: null });
          // Postfix-style line: queue id, to=, relay=, delay=, dsn=, status=
          this.log.info({ event: 'delivery.sent', queueId: m.id, to: r.address, relay, delay, dsn: rr?.enhanced ?? '2.0.0' }, `${m.id}: to=<${r.address}>, relay=${relay}, delay=${delay}, dsn=${rr?.enhanced ?? '2.0.0'}, status=sent (${rr?.response ?? ''})`);
          continue;
        }
        const dsn = rr?.enhanced ?? (failure.permanent ? '5.0.0' : '4.0.0');
        const status = failure.permanent ? 'bounced' : 'deferred';
        outcomes.set(r.id, {
          status,
          lastError: failure.message,
          ...(failure.permanent ? { final: { address: r.address, status: dsn, diagnostic: `smtp; ${failure.message}`, action: 'failed', ...(result?.target ? { remoteMta: `dns; ${result.target}` } : {}) } } : {}),
        });
        this.log.info(
          { event: status === 'bounced' ? 'delivery.bounced' : 'delivery.deferred', queueId: m.id, to: r.address, relay, delay, dsn },
          `${m.id}: to=<${r.address}>, relay=${relay}, delay=${delay}, dsn=${dsn}, status=${status} (${failure.message})`,
        );
      }
    }
    const attempts = m.attempts + 1;
    // Retries used up: what is still deferred bounces now.
    const exhausted = attempts > retries;
    const bounced: FailedRecipient[] = [];
    for (const r of pending) {
      const o = outcomes.get(r.id);
      if (!o) continue;
      if (o.status === 'deferred' && exhausted) {
        o.status = 'bounced';
        o.final = { address: r.address, status: '4.4.7', diagnostic: `smtp; ${o.lastError ?? 'delivery time expired'}`, action: 'failed' };
      }
      if (o.final) bounced.push(o.final);
    }
    const nextTryAt = new Date(started.getTime() + retryMinutes * 60_000).toISOString();
    const lastError = [...outcomes.values()].find((o) => o.lastError)?.lastError ?? null;
    this.d.queue.recordAttempt(
      m.id,
      [...outcomes].map(([id, o]) => ({ id, status: o.status, lastError: o.lastError })),
      { attempts, nextTryAt, lastError },
    );
    if (bounced.length) await this.bounce(m, bounced);
    const left = this.d.queue.recipients(m.id).some((r) => r.status === 'pending' || r.status === 'deferred');
    if (!left) {
      const file = this.d.queue.remove(m.id);
      await this.d.files.remove(file);
      this.log.info({ event: 'delivery.removed', queueId: m.id }, `${m.id}: removed`);
    }
  }

  /**
   * The DKIM-Signature to put in front of the message when its sending domain signs: the
   * envelope sender's domain, or for bounces (null sender) the postmaster's. Signed once per
   * attempt (the same bytes for every target). A signing failure sends the message unsigned
   * rather than not at all, and says so in the log.
   */
  private async sign(m: QueueRow, path: string): Promise<Buffer | null> {
    if (!this.d.dkimKey) return null;
    const domain = domainOf(m.mailFrom || this.d.postmaster());
    const key = this.d.dkimKey(domain);
    if (!key) return null;
    try {
      return Buffer.from(await dkimSignature(readFileSync(path), key, { now: this.d.clock.now() }), 'latin1');
    } catch (e) {
      this.log.error({ event: 'delivery.dkim.failed', queueId: m.id, domain, err: String(e) }, `${m.id}: DKIM signing failed, sent unsigned: ${String(e)}`);
      return null;
    }
  }

  private async bounce(m: QueueRow, failed: FailedRecipient[]): Promise<void> {
    let original: Buffer;
    try {
      original = readFileSync(this.d.files.abs(m.file));
    } catch {
      original = Buffer.alloc(0);
    }
    const verdict = shouldBounce(m.mailFrom, original);
    if (!verdict.bounce) {
      this.log.info({ event: 'delivery.bounce.skipped', queueId: m.id, reason: verdict.reason }, `${m.id}: no bounce (${verdict.reason})`);
      return;
    }
    const dsn = buildBounce({
      reportingMta: this.d.settings()['smtp.heloName'] || this.d.hostName(),
      postmaster: this.d.postmaster(),
      originalSender: m.mailFrom,
      arrivalDate: new Date(m.createdAt),
      recipients: failed,
      originalMessage: original,
      now: this.d.clock.now(),
      templates: {
        ...(this.d.settings()['messages.undeliverable.subject'] ? { subject: this.d.settings()['messages.undeliverable.subject'] } : {}),
        ...(this.d.settings()['messages.undeliverable.body'] ? { body: this.d.settings()['messages.undeliverable.body'] } : {}),
      },
    });
    await this.d.submitBounce(m.mailFrom, dsn);
    this.log.info({ event: 'delivery.bounce.sent', queueId: m.id, to: m.mailFrom, recipients: failed.length }, `${m.id}: sender non-delivery notification to <${m.mailFrom}>`);
  }
}

/** The smart host (hMailServer "SMTP relayer") as a delivery target, from the settings. */
function relayerTarget(s: Settings): Target {
  return {
    host: s['smtp.relayer.host'],
    port: s['smtp.relayer.port'],
    security: s['smtp.relayer.security'],
    ...(s['smtp.relayer.requiresAuth'] ? { auth: { user: s['smtp.relayer.username'], pass: s['smtp.relayer.password'] } } : {}),
  };
}

export interface SmartHostProbe {
  readonly ok: boolean;
  /** What happened, step by step (connect, TLS, AUTH, MAIL, RCPT, DATA). */
  readonly steps: readonly string[];
  readonly error: string | null;
}

/**
 * `buzon smarthost test TO`: sends a short probe message through the configured smart host to
 * `to`, outside the queue, and reports each step, so a teacher sees where Gmail says no (the
 * TLS, the app password, the sender).
 */
export async function probeSmartHost(s: Settings, heloName: string, from: string, to: string, now: Date): Promise<SmartHostProbe> {
  const host = s['smtp.relayer.host'];
  if (!host) return { ok: false, steps: [], error: 'no smart host is set (setting smtp.relayer.host)' };
  const target = relayerTarget(s);
  const message = Buffer.from(
    [
      `From: <${from}>`,
      `To: <${to}>`,
      'Subject: Buzon smart host test',
      `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <probe.${now.getTime().toString(36)}@${heloName}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      `This message was sent by "buzon smarthost test" through ${host}:${target.port}.`,
      '',
    ].join('\r\n'),
    'latin1',
  );
  const r = await deliver({ target, heloName, mailFrom: from, recipients: [to], message: () => message, allowInvalidCertificates: !s['smtp.relayer.verifyCertificate'] });
  const rcpt = r.recipients[0];
  const ok = !r.error && rcpt !== undefined && rcpt.ok;
  return { ok, steps: r.steps, error: ok ? null : (r.error?.message ?? rcpt?.response ?? 'not accepted') };
}
