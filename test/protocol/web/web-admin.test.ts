// The web admin over real HTTP (Node's fetch and curl): the administration password, sessions,
// CSRF and Origin checks, auto-ban on failed logons, the admin API with its field errors, the live
// event stream, static files with the CSP, and HTTPS when bound to a non-loopback address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { startServer, type TestServer } from '../../helpers/start-server';
import { tempDir } from '../../helpers/temp-dir';
import { createWebAdmin, type WebAdmin } from '../../../src-main/web/web-admin';

async function withWeb(fn: (srv: TestServer, web: WebAdmin, base: string) => Promise<void>, settings: Record<string, unknown> = {}, address = '127.0.0.1'): Promise<void> {
  const srv = await startServer({ settings });
  const dir = tempDir();
  const web = createWebAdmin(srv.host, { address, port: 0, staticDir: dir.path });
  try {
    const port = await web.listen();
    await fn(srv, web, `http://127.0.0.1:${port}`);
  } finally {
    await web.close();
    await srv.close();
    dir.remove();
  }
}

async function post(base: string, path: string, body: unknown, h: Record<string, string> = {}): Promise<{ status: number; json: { ok: boolean; value?: unknown; error?: { code: string; message: string; field?: string } }; cookie: string | null }> {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...h }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as never, cookie: r.headers.get('set-cookie') };
}

async function logIn(base: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await post(base, '/api/login', { password });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { cookie: r.cookie!.split(';')[0]!, csrf: (r.json.value as { csrfToken: string }).csrfToken };
}

test('log on with the administration password; the API needs the session and its CSRF token; bad input names the field', async () => {
  await withWeb(async (srv, _web, base) => {
    const page = await fetch(base + '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(await page.text(), /Buzón/);

    const none = await post(base, '/api/login', { password: 'whatever1' });
    assert.equal(none.status, 401);
    assert.match(none.json.error!.message, /no administration password is set/);
    await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
    assert.equal((await post(base, '/api/login', { password: 'mala' })).status, 401);

    assert.equal((await post(base, '/api/domains.list', {})).status, 401, 'no session');
    const { cookie, csrf } = await logIn(base, 'clave-admin-1');
    assert.equal((await (await fetch(base + '/api/session', { headers: { cookie } })).json() as { value: { authenticated: boolean } }).value.authenticated, true);
    const noCsrf = await post(base, '/api/domains.add', { name: 'web.test' }, { cookie });
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.json.error!.message, /CSRF/);
    const crossSite = await post(base, '/api/domains.add', { name: 'web.test' }, { cookie, 'X-CSRF-Token': csrf, Origin: 'http://evil.example' });
    assert.equal(crossSite.status, 403);
    const added = await post(base, '/api/domains.add', { name: 'Web.Test' }, { cookie, 'X-CSRF-Token': csrf, Origin: base });
    assert.equal(added.status, 200, JSON.stringify(added.json));
    assert.equal((added.json.value as { name: string }).name, 'web.test');
    assert.ok(srv.host.repo.findDomainByName('web.test'));
    const bad = await post(base, '/api/accounts.add', { address: 'no-at-sign', password: 'secreto1' }, { cookie, 'X-CSRF-Token': csrf });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error!.field, 'address');
    assert.equal((await post(base, '/api/nothing.here', {}, { cookie, 'X-CSRF-Token': csrf })).status, 404);
    const settings = await post(base, '/api/settings.get', undefined, { cookie, 'X-CSRF-Token': csrf });
    assert.ok(!JSON.stringify(settings.json).includes('scrypt$'), 'the password hash is never shown');

    assert.equal((await post(base, '/api/logout', undefined, { cookie, 'X-CSRF-Token': csrf })).status, 200);
    assert.equal((await post(base, '/api/domains.list', undefined, { cookie, 'X-CSRF-Token': csrf })).status, 401, 'logged out');
  });
});

test('failed web logons count toward auto-ban: the third bans the address, and then even the right password gets 403', async () => {
  await withWeb(async (srv, _web, base) => {
    await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
    for (let i = 0; i < 3; i++) assert.equal((await post(base, '/api/login', { password: `mala-${i}` })).status, 401);
    const r = await post(base, '/api/login', { password: 'clave-admin-1' });
    assert.equal(r.status, 403);
    assert.match(r.json.error!.message, /too many failed logons/);
  });
});

test('the event stream sends configuration changes and log lines live, to a logged-on session only', async () => {
  await withWeb(async (srv, _web, base) => {
    await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
    assert.equal((await fetch(base + '/api/events')).status, 401);
    const { cookie, csrf } = await logIn(base, 'clave-admin-1');
    const received: string[] = [];
    const req = httpRequest(base + '/api/events', { headers: { cookie } });
    const gotChange = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          received.push(d);
          if (received.join('').includes('event: config.changed')) resolve();
        });
      });
    });
    req.end();
    await new Promise((r) => setTimeout(r, 100));
    await post(base, '/api/domains.add', { name: 'eventos.test' }, { cookie, 'X-CSRF-Token': csrf });
    await gotChange;
    assert.match(received.join(''), /event: config\.changed\ndata: \{"area":"domains"\}/);
    req.destroy();
  });
});

test('curl: log on with a cookie jar, then call the API with the CSRF token', async () => {
  await withWeb(async (srv, _web, base) => {
    await srv.call('admin', 'setPassword', { password: 'clave-admin-1' });
    const dir = tempDir();
    const run = (args: string[]): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawn('curl', ['-s', '-c', `${dir.path}/jar`, '-b', `${dir.path}/jar`, ...args]);
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('error', reject);
        p.on('close', () => resolve(out));
      });
    try {
      const login = JSON.parse(await run(['-H', 'Content-Type: application/json', '-d', '{"password":"clave-admin-1"}', `${base}/api/login`])) as { value: { csrfToken: string } };
      const status = JSON.parse(await run(['-H', 'Content-Type: application/json', '-H', `X-CSRF-Token: ${login.value.csrfToken}`, '-d', '{}', `${base}/api/server.status`])) as { ok: boolean; value: { running: boolean } };
      assert.equal(status.ok, true);
      assert.equal(status.value.running, true);
    } finally {
      dir.remove();
    }
  });
});

test('bound to an address other than loopback, the web admin speaks HTTPS only (the password never crosses the LAN in clear)', async () => {
  const srv = await startServer();
  const dir = tempDir();
  const web = createWebAdmin(srv.host, { address: '127.0.0.2', port: 0, staticDir: dir.path });
  try {
    const port = await web.listen();
    assert.match(web.url(), /^https:\/\/127\.0\.0\.2:\d+\/$/);
    const status = await new Promise<number>((resolve, reject) => {
      const r = httpsRequest({ host: '127.0.0.2', port, path: '/api/session', rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.end();
    });
    assert.equal(status, 200);
    await assert.rejects(fetch(`http://127.0.0.2:${port}/api/session`));
  } finally {
    await web.close();
    await srv.close();
    dir.remove();
  }
});

test('static files: no way out of the renderer folder, a bad escape is a 400, unknown files 404', async () => {
  await withWeb(async (_srv, _web, base) => {
    for (const p of ['/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
      const r = await fetch(base + p);
      assert.notEqual(r.status, 500, p);
      assert.doesNotMatch(await r.text(), /root:/, p);
    }
    assert.equal((await fetch(base + '/%E0%A4%A')).status, 400);
    assert.equal((await fetch(base + '/nothing.js')).status, 404);
  });
});
