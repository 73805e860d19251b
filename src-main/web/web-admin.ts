// The web admin: the admin API and the renderer over HTTP, for a browser on this machine (and, when
// the admin binds it to a LAN address, on others; then over HTTPS with the server's certificate).
//
//   GET  /                       the built renderer (out/renderer), with the strict CSP
//   GET  /api/session            { authenticated, csrfToken? }
//   POST /api/login {password}   hMailServer's "Administration password" → session cookie
//   POST /api/logout
//   POST /api/<ns>.<method>      one contract method; body = its input; answer = ApiResult
//   GET  /api/events             server-sent events: status, log lines, config and queue changes
//
// Sessions: a random id in an HttpOnly, SameSite=Strict cookie, 30 minutes idle and 12 hours at
// most. Every POST but login needs the session's CSRF token in X-CSRF-Token and, when the browser
// sends one, an Origin of this server. A failed login counts toward auto-ban like a failed mail
// logon; a banned address gets 403. Responses carry nosniff, no framing, no referrer.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Socket } from 'node:net';
import type { ServerHost } from '../server/server-host';
import { invokeApi } from '../server/invoke';
import { bind } from '../server/listen';
import { EVENT_NAMES } from '../shared/ipc/contract';
import type { ApiErrorCode, ApiResult } from '../shared/ipc/errors';
import { CSP } from '../shared/csp';
import { dummyHash, verifyPassword } from '../security/auth/password-hash';
import { normalizeIp } from '../security/ip/ip-ranges';

export interface WebAdminOptions {
  readonly address: string;
  /** 0: an ephemeral port (tests). */
  readonly port: number;
  /** The built renderer; a short page says how to build it when it is missing. */
  readonly staticDir: string;
  readonly now?: () => number;
}

export interface WebAdmin {
  listen(): Promise<number>;
  close(): Promise<void>;
  readonly url: () => string;
}

interface Session {
  readonly csrf: string;
  readonly created: number;
  lastSeen: number;
}

const IDLE_MS = 30 * 60_000;
const MAX_AGE_MS = 12 * 3_600_000;
const MAX_BODY = 4 * 1024 * 1024; // a PFX to import travels as base64 in JSON
const COOKIE = 'buzon_session';
const STATUS: Record<ApiErrorCode, number> = { VALIDATION: 400, NOT_FOUND: 404, CONFLICT: 409, LIMIT: 409, UNAUTHORIZED: 401, UNAVAILABLE: 503, INTERNAL: 500 };
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const isLoopback = (address: string): boolean => address === '127.0.0.1' || address === '::1' || address === 'localhost';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function createWebAdmin(host: ServerHost, opts: WebAdminOptions): WebAdmin {
  const now = opts.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const log = host.logger.child({ svc: 'admin' });
  let boundPort = 0;
  let https = false;

  const secure = (): boolean => https;

  function headers(res: ServerResponse, type: string): void {
    res.setHeader('Content-Type', type);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    headers(res, 'application/json; charset=utf-8');
    res.statusCode = status;
    res.end(JSON.stringify(body));
  }

  function fail(res: ServerResponse, status: number, code: ApiErrorCode, message: string): void {
    json(res, status, { ok: false, error: { code, message } } satisfies ApiResult<never>);
  }

  function sessionOf(req: IncomingMessage): [string, Session] | undefined {
    const m = /(?:^|;\s*)buzon_session=([A-Za-z0-9_-]{20,100})/.exec(req.headers.cookie ?? '');
    if (!m) return undefined;
    const s = sessions.get(m[1]!);
    if (!s) return undefined;
    const t = now();
    if (t - s.lastSeen > IDLE_MS || t - s.created > MAX_AGE_MS) {
      sessions.delete(m[1]!);
      return undefined;
    }
    s.lastSeen = t;
    return [m[1]!, s];
  }

  async function body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) throw new HttpError(413, 'LIMIT', 'request too large');
      chunks.push(c as Buffer);
    }
    if (size === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new HttpError(400, 'VALIDATION', 'the body is not JSON');
    }
  }

  /** A browser sends Origin with every POST: it must be this server (no cross-site requests). */
  function sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const hostHeader = req.headers.host;
    return hostHeader !== undefined && origin === `${secure() ? 'https' : 'http'}://${hostHeader}`;
  }

  async function login(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    if (host.autoban.isAuthBanned(ip)) return fail(res, 403, 'UNAUTHORIZED', 'too many failed logons from your address, try again later');
    const input = (await body(req)) as { password?: unknown } | undefined;
    const password = typeof input?.password === 'string' ? input.password : '';
    const hash = host.repo.getAdminPasswordHash();
    // Always one scrypt, so a missing password cannot be told from a wrong one by timing.
    const ok = (await verifyPassword(password, hash ?? (await dummyHash()))) && hash !== null;
    if (!ok) {
      host.autoban.recordFailure(ip, 'web admin');
      log.info({ event: 'admin.login.failed', ip }, 'web admin: failed logon');
      return fail(res, 401, 'UNAUTHORIZED', hash === null ? 'no administration password is set: run `buzon admin-password set` on the server' : 'wrong password');
    }
    host.autoban.recordSuccess(ip);
    const id = randomBytes(24).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    sessions.set(id, { csrf, created: now(), lastSeen: now() });
    res.setHeader('Set-Cookie', `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/${secure() ? '; Secure' : ''}`);
    log.info({ event: 'admin.login', ip }, 'web admin: logged on');
    json(res, 200, { ok: true, value: { csrfToken: csrf } });
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    headers(res, 'text/event-stream; charset=utf-8');
    res.setHeader('Connection', 'keep-alive');
    res.statusCode = 200;
    res.write(': connected\n\n');
    streams.add(res);
    const offs = EVENT_NAMES.map((name) => host.on(name, (payload) => res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
    keepAlive.unref();
    req.on('close', () => {
      clearInterval(keepAlive);
      for (const off of offs) off();
      streams.delete(res);
    });
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return fail(res, 400, 'VALIDATION', 'bad path');
    }
    const rel = normalize(path === '/' ? '/index.html' : path).replace(/^([/\\])+/, '');
    const file = join(opts.staticDir, rel);
    if (!file.startsWith(opts.staticDir + sep) && file !== opts.staticDir) return fail(res, 404, 'NOT_FOUND', 'not found');
    let data: Buffer;
    let type = TYPES[extname(file)] ?? 'application/octet-stream';
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      data = await readFile(file);
    } catch {
      if (extname(rel) && rel !== 'index.html') return fail(res, 404, 'NOT_FOUND', 'not found');
      // The app's own routes (/domains/…) get the page; a missing build gets a hint.
      try {
        data = await readFile(join(opts.staticDir, 'index.html'));
      } catch {
        data = Buffer.from('<!doctype html><meta charset="utf-8"><title>Buzón</title><p>The web admin is running, but the user interface is not built: run <code>npm run build</code>.</p>');
      }
      type = TYPES['.html']!;
    }
    headers(res, type);
    res.setHeader('Content-Security-Policy', CSP);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ip = normalizeIp(req.socket.remoteAddress ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'VALIDATION', 'method not allowed');
      return serveStatic(req, res);
    }
    const route = url.pathname.slice('/api/'.length);
    if (req.method === 'GET' && route === 'session') {
      const s = sessionOf(req);
      return json(res, 200, { ok: true, value: s ? { authenticated: true, csrfToken: s[1].csrf } : { authenticated: false } });
    }
    if (req.method === 'GET' && route === 'events') {
      if (!sessionOf(req)) return fail(res, 401, 'UNAUTHORIZED', 'log on first');
      return events(req, res);
    }
    if (req.method !== 'POST') return fail(res, 405, 'VALIDATION', 'method not allowed');
    if (!sameOrigin(req)) return fail(res, 403, 'UNAUTHORIZED', 'cross-site request refused');
    if (route === 'login') return login(req, res, ip);
    const s = sessionOf(req);
    if (!s) return fail(res, 401, 'UNAUTHORIZED', 'log on first');
    const token = req.headers['x-csrf-token'];
    if (typeof token !== 'string' || token.length !== s[1].csrf.length || !timingSafeEqual(Buffer.from(token), Buffer.from(s[1].csrf))) {
      return fail(res, 403, 'UNAUTHORIZED', 'missing or wrong CSRF token');
    }
    if (route === 'logout') {
      sessions.delete(s[0]);
      res.setHeader('Set-Cookie', `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return json(res, 200, { ok: true, value: null });
    }
    const m = /^([A-Za-z]+)\.([A-Za-z]+)$/.exec(route);
    if (!m) return fail(res, 404, 'NOT_FOUND', `unknown method ${route}`);
    const result = await invokeApi(host.api, host.logger, m[1]!, m[2]!, await body(req));
    json(res, result.ok ? 200 : STATUS[result.error.code], result);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) return fail(res, e.status, e.code, e.message);
      log.error({ event: 'admin.http.error', err: String(e) }, 'web admin request failed');
      fail(res, 500, 'INTERNAL', 'internal error (see the log)');
    });
  };

  let server: Server;
  if (isLoopback(opts.address)) server = createHttpServer(onRequest);
  else {
    // On a LAN address the password must not cross the network in clear.
    const tls = host.defaultTls();
    if (!tls) throw new Error('the web admin on a network address needs a certificate (buzon cert generate …)');
    https = true;
    server = createHttpsServer({ ...tls.options(), SNICallback: tls.SNICallback }, onRequest);
  }
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.on('connection', (so: Socket) => {
    sockets.add(so);
    so.once('close', () => sockets.delete(so));
  });

  return {
    url: () => `${https ? 'https' : 'http'}://${opts.address.includes(':') ? `[${opts.address}]` : opts.address}:${boundPort}/`,
    listen: async () => (boundPort = await bind(server, opts.port, opts.address)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of streams) r.end();
        server.close(() => resolve());
        for (const so of sockets) setTimeout(() => so.destroy(), 1000).unref();
      }),
  };
}
