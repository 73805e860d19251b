// End-to-end tests of the `buzon` command: every step runs the real CLI as a child process on a
// fresh data folder, and mail goes over real sockets on 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import YAML from 'yaml';
import { tempDir } from '../helpers/temp-dir';
import { LineClient } from '../helpers/line-client';
import { buzonOk, runBuzon, startServe, ServeProcess, type CliResult, type ListenerLine } from '../helpers/buzon-process';

type Json = Record<string, unknown>;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = tempDir('buzon-e2e-');
  try {
    await fn(tmp.path);
  } finally {
    tmp.remove();
  }
}

/** Runs `fn` with a serve process that is killed if the test fails half-way. */
async function withServe<T>(dir: string, args: readonly string[] | undefined, fn: (serve: ServeProcess, listeners: ListenerLine[]) => Promise<T>): Promise<T> {
  const { serve, listeners } = await startServe(dir, args);
  try {
    return await fn(serve, listeners);
  } finally {
    await serve.kill();
  }
}

async function lab(dir: string): Promise<void> {
  await buzonOk(dir, ['domain', 'add', 'aula.test']);
  await buzonOk(dir, ['account', 'add', 'cuenta1@aula.test', '--password', 'secreto1']);
  await buzonOk(dir, ['account', 'add', 'cuenta2@aula.test', '--password', 'secreto2']);
}

// The lab (built with the CLI once per file; every process has closed the database, so its
// folder can be copied) for the tests that start from it.
let template: { path: string; remove(): void } | undefined;
before(async () => {
  template = tempDir('buzon-e2e-lab-');
  await lab(template.path);
});
after(() => template?.remove());

async function withLab(fn: (dir: string) => Promise<void>): Promise<void> {
  await withDir(async (dir) => {
    cpSync(template!.path, dir, { recursive: true });
    await fn(dir);
  });
}

function listenerFor(listeners: readonly ListenerLine[], configuredPort: number): ListenerLine {
  const l = listeners.find((x) => x.configuredPort === configuredPort);
  assert.ok(l, `no listener for configured port ${configuredPort} in ${JSON.stringify(listeners)}`);
  assert.notEqual(l.boundPort, 0);
  return l;
}

function transport(port: number, auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    tls: { rejectUnauthorized: false },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
    ...(auth ? { auth } : {}),
  });
}

function emlFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.eml')) : [];
}

/** Resolves true when a TCP connection to the port is refused. */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' ? resolve(true) : reject(e)));
  });
}

/** Polls `port list --json` (a separate CLI process each time) until `ok` holds for the entry. */
async function waitForPortState(dir: string, id: number, ok: (p: Json) => boolean, timeoutMs = 10_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  let last: Json | undefined;
  for (;;) {
    const ports = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
    last = ports.find((p) => p.id === id);
    if (last && ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`port entry ${id} never reached the expected state; last: ${JSON.stringify(last)}`);
  }
}

/** A full SMTP transaction on an open session (after EHLO). */
async function sendOn(c: LineClient, from: string, to: string, subject: string): Promise<string> {
  assert.equal((await c.cmd(`MAIL FROM:<${from}>`)).code, 250);
  assert.equal((await c.cmd(`RCPT TO:<${to}>`)).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  c.send(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n.`);
  const r = await c.reply();
  assert.equal(r.code, 250, r.text);
  return r.text;
}

async function openSmtp(port: number): Promise<LineClient> {
  const c = await LineClient.open(port);
  assert.equal((await c.reply()).code, 220);
  assert.equal((await c.cmd('EHLO e2e.test')).code, 250);
  return c;
}

/** The "usage error" contract: exit 2, nothing on stdout, one line on stderr, no stack trace. */
function assertCleanError(r: CliResult, what: RegExp, label: string): void {
  assert.equal(r.code, 2, `${label}: exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', `${label}: stdout`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${label}: expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0]!, /^buzon: \S/, label);
  assert.match(lines[0]!, what, label);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal|\.ts:\d+/, `${label}: stack trace or raw error in ${JSON.stringify(r.stderr)}`);
}

const DEFAULT_SMTP_PORTS = [
  { protocol: 'smtp', address: '0.0.0.0', port: 25, security: 'starttls-optional', enabled: true },
  { protocol: 'smtp', address: '0.0.0.0', port: 465, security: 'tls', enabled: false },
  { protocol: 'smtp', address: '0.0.0.0', port: 587, security: 'starttls-optional', enabled: true },
];

const byPort = (a: Json, b: Json) => (a.port as number) - (b.port as number);

function assertHmailDefaults(settings: Json, ports: Json[], ranges: Json[]): void {
  assert.equal(settings['smtp.maxMessageSizeKb'], 20480);
  assert.equal(settings['smtp.maxRecipients'], 100);
  assert.equal(settings['smtp.retries'], 4);
  assert.equal(settings['smtp.retryMinutes'], 60);
  assert.equal(settings['autoban.enabled'], true);
  assert.equal(settings['autoban.maxAttempts'], 3);
  assert.equal(settings['autoban.resetMinutes'], 30);
  assert.equal(settings['autoban.banMinutes'], 60);
  assert.equal(settings['smtp.relayer.password'], undefined, 'the relayer password is never exported');
  // hMailServer's SMTP ports (POP3/IMAP entries, when this version seeds them, are not checked here).
  assert.deepEqual(
    ports
      .filter((p) => p.protocol === 'smtp')
      .map((p) => ({ protocol: p.protocol, address: p.address, port: p.port, security: p.security, enabled: p.enabled }))
      .sort(byPort),
    DEFAULT_SMTP_PORTS,
  );
  const mine = ranges.find((r) => r.name === 'My computer');
  const internet = ranges.find((r) => r.name === 'Internet');
  assert.ok(mine && internet, JSON.stringify(ranges));
  assert.equal(ranges.length, 2);
  assert.deepEqual(
    {
      priority: mine.priority,
      lower: mine.lower,
      upper: mine.upper,
      authLocalToLocal: mine.authLocalToLocal,
      authLocalToExternal: mine.authLocalToExternal,
      authExternalToLocal: mine.authExternalToLocal,
      authExternalToExternal: mine.authExternalToExternal,
      allowSmtp: mine.allowSmtp,
    },
    { priority: 30, lower: '127.0.0.1', upper: '127.0.0.1', authLocalToLocal: false, authLocalToExternal: false, authExternalToLocal: false, authExternalToExternal: true, allowSmtp: true },
  );
  assert.deepEqual(
    {
      priority: internet.priority,
      lower: internet.lower,
      upper: internet.upper,
      authLocalToLocal: internet.authLocalToLocal,
      authLocalToExternal: internet.authLocalToExternal,
      authExternalToLocal: internet.authExternalToLocal,
      authExternalToExternal: internet.authExternalToExternal,
      allowSmtp: internet.allowSmtp,
    },
    { priority: 10, lower: '0.0.0.0', upper: '255.255.255.255', authLocalToLocal: true, authLocalToExternal: true, authExternalToLocal: false, authExternalToExternal: true, allowSmtp: true },
  );
}

test('first lab in 2 minutes: domain, two accounts, serve, send, find the .eml', async () => {
  await withDir(async (dir) => {
    await lab(dir);
    await withServe(dir, ['--ephemeral-ports', '--quiet'], async (serve, listeners) => {
      assert.match(serve.lines.find((l) => l.stream === 'stdout')?.text ?? '', /^Buzón \S+ serving \S+, data folder /);
      const smtp = listenerFor(listeners, 25);
      listenerFor(listeners, 587);
      assert.equal(listeners.some((l) => l.configuredPort === 465), false, '465 is disabled by default');

      const subject = `Hola ${randomUUID()}`;
      const t = transport(smtp.boundPort);
      try {
        const info = await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject, text: 'Nos vemos en clase.\n' });
        assert.deepEqual(info.accepted, ['cuenta2@aula.test']);
        assert.deepEqual(info.rejected, []);
        assert.match(info.response, /^250 /);
      } finally {
        t.close();
      }

      const folder = join(dir, 'messages', 'aula.test', 'cuenta2');
      const files = emlFiles(folder);
      assert.equal(files.length, 1, `one .eml in ${folder}`);
      const file = join(folder, files[0]!);
      const eml = readFileSync(file, 'utf8');
      assert.match(eml, /^Return-Path: <cuenta1@aula\.test>\r\nDelivered-To: cuenta2@aula\.test\r\nReceived: from /);
      assert.match(eml, new RegExp(`\r\nSubject: ${subject}\r\n`));
      assert.match(eml, /\r\n\r\nNos vemos en clase\.\r\n$/);
      assert.deepEqual(emlFiles(join(dir, 'messages', 'aula.test', 'cuenta1')), [], 'nothing for the sender');

      // `account list` is another process reading the same folder while serve runs.
      const accounts = JSON.parse(await buzonOk(dir, ['account', 'list', '--json'])) as Json[];
      const c2 = accounts.find((a) => a.address === 'cuenta2@aula.test');
      const c1 = accounts.find((a) => a.address === 'cuenta1@aula.test');
      assert.equal(c2?.sizeBytes, statSync(file).size);
      assert.ok((c2.sizeBytes as number) > 0);
      assert.equal(c1?.sizeBytes, 0);
      const table = await buzonOk(dir, ['account', 'list']);
      const row = table.split('\n').find((l) => l.startsWith('cuenta2@aula.test'));
      assert.ok(row, table);
      assert.ok(row.split(/\s+/).includes(String(statSync(file).size)), `size column in: ${row}`);

      assert.deepEqual(await serve.stop('SIGINT'), { code: 0, signal: null });
    });
  });
});

test('config export on a fresh data folder shows hMailServer defaults (YAML comments, and --all JSON)', async () => {
  await withDir(async (dir) => {
    const yamlText = await buzonOk(dir, ['config', 'export']);
    // Nothing differs from a fresh install: the document proper is empty, everything is a comment.
    assert.equal(YAML.parse(yamlText), null, `uncommented content in a fresh export:\n${yamlText}`);
    assert.match(yamlText, /^# \(nothing differs from a fresh install\)$/m);
    for (const line of [
      'smtp.maxMessageSizeKb: 20480',
      'smtp.maxRecipients: 100',
      'smtp.retries: 4',
      'smtp.retryMinutes: 60',
      'autoban.enabled: true',
      'autoban.maxAttempts: 3',
      'autoban.resetMinutes: 30',
      'autoban.banMinutes: 60',
    ]) {
      assert.match(yamlText, new RegExp(`^#\\s+${line.replace(/\./g, '\\.')}$`, 'm'), line);
    }
    // The commented block is itself YAML: uncomment it and read the values.
    const commented = yamlText.slice(yamlText.indexOf('# Defaults in force'));
    const defaults = YAML.parse(
      commented
        .split('\n')
        .slice(1)
        .map((l) => l.replace(/^# ?/, ''))
        .join('\n'),
    ) as { settings: Json; ports: Json[]; ipRanges: Json[] };
    assertHmailDefaults(defaults.settings, defaults.ports, defaults.ipRanges);

    const all = JSON.parse(await buzonOk(dir, ['config', 'export', '--all', '--format', 'json'])) as { settings: Json; ports: Json[]; ipRanges: Json[]; defaults?: unknown };
    assert.equal(all.defaults, undefined);
    assertHmailDefaults(all.settings, all.ports, all.ipRanges);
    // Both forms describe the same fresh install.
    assert.deepEqual(all.settings, defaults.settings);
    assert.deepEqual([...all.ports].sort(byPort), [...defaults.ports].sort(byPort));
    assert.deepEqual(all.ipRanges, defaults.ipRanges);
  });
});

test('config export → apply into a fresh folder → export gives the same document, and the hashes still log in', async () => {
  const b = tempDir('buzon-e2e-b-');
  try {
    await withLab(async (a) => {
      await buzonOk(a, ['domain', 'add', 'otro.test', '--alias', 'otro2.test', '--plus-addressing', '--max-accounts', '5']);
      await buzonOk(a, ['account', 'add', 'profe@otro.test', '--password', 'profe-secreta', '--quota-mb', '50', '--first-name', 'Ana', '--admin-level', 'domain']);
      await buzonOk(a, ['alias', 'add', 'info@aula.test', 'cuenta1@aula.test']);
      await buzonOk(a, ['list', 'add', 'clase@aula.test', '--mode', 'membership', '--member', 'cuenta1@aula.test', '--member', 'cuenta2@aula.test']);
      await buzonOk(a, ['setting', 'set', 'smtp.maxRecipients', '50']);
      await buzonOk(a, ['setting', 'set', 'server.hostName', 'mail.aula.test']);
      await buzonOk(a, ['setting', 'set', 'autoban.enabled', 'false']);
      await buzonOk(a, ['port', 'add', 'smtp', '2525']);
      await buzonOk(a, ['ip-range', 'add', 'Aula', '192.168.1.1', '192.168.1.254', '--priority', '20', '--auth-local-to-local', 'false']);

      const exportA = await buzonOk(a, ['config', 'export']);
      const allA = await buzonOk(a, ['config', 'export', '--all', '--format', 'json']);
      const file = join(a, 'lab.yaml');
      writeFileSync(file, exportA);
      const applied = await buzonOk(b.path, ['config', 'apply', file]);
      assert.match(applied, /^applied: \d+ created, \d+ updated, \d+ unchanged$/m);

      const exportB = await buzonOk(b.path, ['config', 'export']);
      assert.equal(exportB, exportA);
      assert.equal(await buzonOk(b.path, ['config', 'export', '--all', '--format', 'json']), allA);
      // The document really carries the lab (not two empty exports that happen to match).
      const docA = YAML.parse(exportA) as Json;
      assert.deepEqual(
        (docA.accounts as Json[]).map((x) => x.address),
        ['cuenta1@aula.test', 'cuenta2@aula.test', 'profe@otro.test'],
      );
      assert.ok((docA.accounts as Json[]).every((x) => typeof x.passwordHash === 'string' && !JSON.stringify(x).includes('secreto')));
      assert.deepEqual(docA.settings, { 'autoban.enabled': false, 'server.hostName': 'mail.aula.test', 'smtp.maxRecipients': 50 });

      // Applying the same document again changes nothing.
      const again = await buzonOk(b.path, ['config', 'apply', file]);
      assert.match(again, /^applied: 0 created, /m);
      assert.equal(await buzonOk(b.path, ['config', 'export']), exportA);
    });

    // The copied scrypt hashes authenticate on a server started on the second folder.
    await withServe(b.path, ['--ephemeral-ports', '--quiet'], async (serve, listeners) => {
      const port = listenerFor(listeners, 587).boundPort;
      assert.ok(listenerFor(listeners, 2525));
      for (const [user, pass] of [
        ['cuenta1@aula.test', 'secreto1'],
        ['profe@otro.test', 'profe-secreta'],
      ] as const) {
        const t = transport(port, { user, pass });
        try {
          assert.equal(await t.verify(), true);
        } finally {
          t.close();
        }
      }
      const bad = transport(port, { user: 'cuenta2@aula.test', pass: 'secreto1' });
      try {
        await assert.rejects(bad.verify(), (e: Error & { code?: string; responseCode?: number }) => e.code === 'EAUTH' && e.responseCode === 535);
      } finally {
        bad.close();
      }
      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    });
  } finally {
    b.remove();
  }
});

test('config apply of a bad file exits 2, names the field and changes nothing', async () => {
  await withLab(async (dir) => {
    const before = await buzonOk(dir, ['config', 'export', '--all', '--format', 'json']);
    const cases: [string, string, RegExp][] = [
      ['invalid YAML', 'settings:\n  smtp.maxRecipients: 7\ndomains: [\n  - name: otro.test\n', /bad-0\.yaml: .*line \d+/],
      [
        'an account with a bad address',
        'settings:\n  smtp.maxRecipients: 7\ndomains:\n  - name: otro.test\naccounts:\n  - address: nuevo@aula.test\n    password: secreto9\n  - address: "no es una direccion"\n    password: secreto9\n',
        /accounts\.1\.address: not a valid e-mail address/,
      ],
      ['an unknown setting', 'settings:\n  smtp.maxRecipients: 7\n  smtp.noSuchThing: 1\ndomains:\n  - name: otro.test\n', /smtp\.noSuchThing/],
      ['an unknown section', 'settings:\n  smtp.maxRecipients: 7\ndomian:\n  - name: otro.test\n', /"domian"/],
      // Valid by schema, refused inside the transaction: the earlier writes must roll back.
      [
        'an account in a domain that does not exist',
        'settings:\n  smtp.maxRecipients: 7\ndomains:\n  - name: otro.test\naccounts:\n  - address: nuevo@aula.test\n    password: secreto9\n  - address: alguien@nowhere.test\n    password: secreto9\n',
        /accounts\.1: .*nowhere\.test/,
      ],
      // What `port add` and `ip-range add` refuse, a document must not slip in either.
      ['two ports on the same number', 'domains:\n  - name: otro.test\nports:\n  - protocol: smtp\n    port: 2525\n  - protocol: smtp\n    port: 2525\n', /^buzon: ports\.1\.port: port 2525 /],
      ['a port with a certificate that does not exist', 'ports:\n  - protocol: smtp\n    port: 465\n    security: tls\n    certificateId: 99\n', /^buzon: ports\.0\.certificateId: .*99/],
      ['a reversed IP range', 'ipRanges:\n  - name: Aula\n    lower: 10.0.0.1\n    upper: 10.0.0.99\n  - name: Al revés\n    lower: 10.0.0.9\n    upper: 10.0.0.1\n', /^buzon: ipRanges\.1\.upper: the upper IP is below the lower IP/],
      ['an IP range mixing IPv4 and IPv6', 'ipRanges:\n  - name: Mixed\n    lower: 10.0.0.1\n    upper: "fe80::1"\n', /^buzon: ipRanges\.0\.upper: both ends/],
    ];
    for (const [i, [label, body, what]] of cases.entries()) {
      const file = join(dir, `bad-${i}.yaml`);
      writeFileSync(file, body);
      const r = await runBuzon(dir, ['config', 'apply', file]);
      assertCleanError(r, what, label);
      assert.equal(await buzonOk(dir, ['config', 'export', '--all', '--format', 'json']), before, `${label}: the configuration changed`);
    }
    // A file that does not exist is reported the same way.
    assertCleanError(await runBuzon(dir, ['config', 'apply', join(dir, 'missing.yaml')]), /missing\.yaml: .*(ENOENT|no such file)/, 'missing file');
  });
});

test('invalid command lines exit 2 with one clear line naming the field, and change nothing', async () => {
  await withLab(async (dir) => {
    const before = await buzonOk(dir, ['config', 'export', '--all', '--format', 'json']);
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['domain'], /domain list\|show\|add\|set\|remove/],
      [['domain', 'add'], /missing domain name/],
      [['account', 'add'], /missing address/],
      [['account', 'add', 'cuenta3@aula.test'], /--password/],
      [['port', 'add', 'smtp'], /missing port number/],
      [['port', 'add', 'smtp', '70000'], /^buzon: port: .*0–65535/],
      [['port', 'add', 'ftp', '21'], /^buzon: protocol: /],
      [['port', 'disable', '99'], /port 99 not found/],
      [['port', 'set', '1', '--port', 'abc'], /--port: expected a whole number/],
      [['account', 'add', 'x', '--password', 'secret1'], /^buzon: address: /],
      [['account', 'add', 'cuenta1@aula.test', '--password', 'secret1'], /cuenta1@aula\.test already exists/],
      [['account', 'add', 'CUENTA1@aula.test', '--password', 'secret1'], /cuenta1@aula\.test already exists/],
      [['account', 'add', 'cuenta3@aula.test', '--password', '123'], /^buzon: password: at least 6 characters/],
      [['account', 'add', 'cuenta3@aula.test', '--password', 'secret1', '--frob', '1'], /unknown option --frob/],
      [['account', 'add', 'cuenta3@nowhere.test', '--password', 'secret1'], /nowhere\.test/],
      [['setting', 'set', 'smtp.maxMessageSizeKb', 'abc'], /^buzon: smtp\.maxMessageSizeKb: /],
      [['setting', 'set', 'smtp.maxMessageSizeKb', '-5'], /^buzon: smtp\.maxMessageSizeKb: /],
      [['setting', 'set', 'no.such.key', '1'], /unknown setting "no\.such\.key"/],
      [['setting', 'get', 'no.such.key'], /unknown setting "no\.such\.key"/],
      [['domain', 'add', 'bad domain'], /^buzon: name: not a valid domain name/],
      [['domain', 'add', 'aula.test'], /aula\.test already exists/],
      [['domain', 'list', '--data'], /--data needs a value/],
      [['config', 'export', '--format', 'xml'], /--format yaml\|json/],
      // A mistyped option is an error, not silently ignored (serve would bind the real ports).
      [['config', 'export', '--formt', 'json'], /unknown option --formt/],
      [['serve', '--ephemral-ports', '--quiet'], /unknown option --ephemral-ports/],
      [['port', 'list', '--all'], /unknown option --all/],
      [['ip-range', 'remove', 'abc'], /^buzon: id: not a range id/],
      [['ip-range', 'set', 'abc', '--priority', '5'], /^buzon: id: not a range id/],
      [['logs', '--limit', 'abc'], /^buzon: limit: /],
    ];
    // A few at a time: each is a whole Node process.
    const results: CliResult[] = [];
    for (let i = 0; i < cases.length; i += 4) results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => runBuzon(dir, args)))));
    for (const [i, [args, what]] of cases.entries()) assertCleanError(results[i]!, what, `buzon ${args.join(' ')}`);
    assert.equal(await buzonOk(dir, ['config', 'export', '--all', '--format', 'json']), before);
  });
});

test('a bad address is reported as a bad address, not as a missing one', async () => {
  await withLab(async (dir) => {
    for (const address of ['x', 'ab', 'no-at-sign']) {
      assertCleanError(await runBuzon(dir, ['account', 'add', address, '--password', 'secret1']), /^buzon: address: not a valid e-mail address/, address);
    }
  });
});

test('live changes while serve runs: port add/disable from another process, account add', async () => {
  await withLab(async (dir) => {
    await withServe(dir, ['--ephemeral-ports'], async (serve, listeners) => {
      const p25 = listenerFor(listeners, 25);
      const p587 = listenerFor(listeners, 587);
      // A session opened before the changes, mid-transaction.
      const early = await openSmtp(p25.boundPort);
      assert.equal((await early.cmd('MAIL FROM:<cuenta1@aula.test>')).code, 250);

      // port add smtp 0 → a new listener, found both in serve's log and in `port list`.
      const mark = serve.lines.length;
      const added = await buzonOk(dir, ['port', 'add', 'smtp', '0']);
      const id = Number(/^port entry (\d+) added: SMTP 0\.0\.0\.0:0 \(none\)$/m.exec(added)?.[1]);
      assert.ok(id > 0, added);
      const logged = await serve.waitForLine(/SMTP listening on 0\.0\.0\.0:(\d+) \(none\)\s+event=listener\.started/, { stream: 'stderr', from: mark, timeoutMs: 10_000 });
      const newPort = Number(logged.match[1]);
      assert.ok(![p25.boundPort, p587.boundPort].includes(newPort));
      const entry = await waitForPortState(dir, id, (p) => p.state === 'listening');
      assert.equal(entry.boundPort, newPort);

      const viaNew = await openSmtp(newPort);
      await sendOn(viaNew, 'cuenta1@aula.test', 'cuenta2@aula.test', 'via the new port');
      assert.equal((await viaNew.cmd('QUIT')).code, 221);
      viaNew.close();

      // port disable → that listener stops; the others, and the session on them, carry on.
      const mark2 = serve.lines.length;
      assert.match(await buzonOk(dir, ['port', 'disable', String(id)]), new RegExp(`^port entry ${id}: .* disabled$`, 'm'));
      await serve.waitForLine(/SMTP port 0 closed\s+event=listener\.stopped/, { stream: 'stderr', from: mark2, timeoutMs: 10_000 });
      assert.equal(await connectionRefused(newPort), true, 'the disabled port still accepts connections');
      const disabled = await waitForPortState(dir, id, (p) => p.state === 'disabled');
      assert.equal(disabled.boundPort, null);

      assert.equal((await early.cmd('RCPT TO:<cuenta2@aula.test>')).code, 250);
      assert.equal((await early.cmd('DATA')).code, 354);
      early.send('Subject: opened before the change\r\n\r\nstill here\r\n.');
      assert.equal((await early.reply()).code, 250);
      assert.equal((await early.cmd('QUIT')).code, 221);
      early.close();
      const c587 = await openSmtp(p587.boundPort);
      await sendOn(c587, 'cuenta2@aula.test', 'cuenta1@aula.test', 'via 587 after the change');
      c587.close();
      const ports = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
      assert.equal(ports.find((p) => p.port === 25)?.boundPort, p25.boundPort, 'port 25 entry was rebound');
      assert.equal(ports.find((p) => p.port === 587)?.boundPort, p587.boundPort, 'port 587 entry was rebound');

      // account add while serving: refused before, accepted after, no restart.
      const before = await openSmtp(p25.boundPort);
      assert.equal((await before.cmd('MAIL FROM:<cuenta1@aula.test>')).code, 250);
      assert.equal((await before.cmd('RCPT TO:<cuenta3@aula.test>')).code, 550);
      before.close();
      await buzonOk(dir, ['account', 'add', 'cuenta3@aula.test', '--password', 'secreto3']);
      const t = transport(p25.boundPort);
      try {
        const info = await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta3@aula.test', subject: 'bienvenida', text: 'hola\n' });
        assert.deepEqual(info.accepted, ['cuenta3@aula.test']);
      } finally {
        t.close();
      }
      assert.equal(emlFiles(join(dir, 'messages', 'aula.test', 'cuenta3')).length, 1);
      assert.equal(emlFiles(join(dir, 'messages', 'aula.test', 'cuenta2')).length, 2);
      assert.equal(emlFiles(join(dir, 'messages', 'aula.test', 'cuenta1')).length, 1);

      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    });
  });
});

test('a port that cannot be bound: FAILED with EADDRINUSE and a hint, the others listen, port list shows it', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    blocker.once('error', reject);
    blocker.listen(0, '127.0.0.1', resolve);
  });
  const busy = (blocker.address() as { port: number }).port;
  try {
    await withLab(async (dir) => {
      const ports = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
      const e25 = ports.find((p) => p.protocol === 'smtp' && p.port === 25)!;
      const e587 = ports.find((p) => p.protocol === 'smtp' && p.port === 587)!;
      // Same address as the blocker, so that the clash does not depend on how the OS treats a
      // wildcard bind beside a specific one.
      await buzonOk(dir, ['port', 'set', String(e25.id), '--port', String(busy), '--address', '127.0.0.1']);
      // Every other entry on a free port of the system's choosing.
      for (const p of ports) if (p.id !== e25.id) await buzonOk(dir, ['port', 'set', String(p.id), '--port', '0']);
      const enabledOthers = ports.filter((p) => p.id !== e25.id && p.enabled && p.protocol === 'smtp').length;

      await withServe(dir, [], async (serve, listeners) => {
        const failed = serve.lines.find((l) => l.stream === 'stdout' && l.text.startsWith('  FAILED'));
        assert.ok(failed, serve.output());
        assert.match(failed.text, new RegExp(`^  FAILED +SMTP 127\\.0\\.0\\.1:${busy} \\(starttls-optional\\): EADDRINUSE.* — another program already listens on port ${busy}`));
        assert.equal(serve.lines.filter((l) => l.text.startsWith('  FAILED')).length, 1, serve.output());
        assert.equal(listeners.filter((l) => l.protocol === 'SMTP').length, enabledOthers, serve.output());
        const ok = listeners.find((l) => l.entry === e587.id);
        assert.ok(ok, serve.output());
        assert.equal(ok.configuredPort, 0);
        const c = await openSmtp(ok.boundPort);
        await sendOn(c, 'cuenta1@aula.test', 'cuenta2@aula.test', 'the other listener works');
        c.close();

        const live = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
        const f = live.find((p) => p.id === e25.id)!;
        assert.equal(f.state, 'failed');
        assert.match(String(f.error), /EADDRINUSE/);
        assert.match(String(f.hint), new RegExp(`another program already listens on port ${busy}`));
        assert.equal(f.boundPort, null);
        const l = live.find((p) => p.id === e587.id)!;
        assert.equal(l.state, 'listening');
        assert.equal(l.boundPort, ok.boundPort);
        const text = await buzonOk(dir, ['port', 'list']);
        assert.match(text, new RegExp(`^${e25.id} .* failed .*EADDRINUSE.*another program already listens`, 'm'));

        assert.deepEqual(await serve.stop(), { code: 0, signal: null });
      });
      // Once serve is gone, `port list` no longer reports its live state.
      const after = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
      assert.equal(after.find((p) => p.id === e25.id)?.state, 'stopped');
    });
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to serve: it prints stopped and exits 0`, async () => {
    await withLab(async (dir) => {
      await withServe(dir, ['--ephemeral-ports', '--quiet'], async (serve, listeners) => {
        const port = listenerFor(listeners, 25).boundPort;
        assert.ok(existsSync(join(dir, 'run', 'server.json')));
        const exit = await serve.stop(signal);
        assert.deepEqual(exit, { code: 0, signal: null }, serve.output());
        const out = serve.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
        assert.deepEqual(out.slice(-2), [`${signal}: stopping`, 'stopped']);
        assert.equal(await connectionRefused(port), true);
        assert.equal(existsSync(join(dir, 'run', 'server.json')), false, 'run file left behind');
      });
    });
  });
}

test('a SIGTERM while serve is still starting is not lost: it stops cleanly once started', async () => {
  await withLab(async (dir) => {
    const serve = new ServeProcess(dir, ['--ephemeral-ports']);
    try {
      // Logged at the start of start-up, before the listeners are bound and `ready` printed.
      await serve.waitForLine(/event=server\.started/, { stream: 'stderr' });
      const exit = await serve.stop('SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, serve.output());
      const out = serve.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
      assert.ok(out.includes('SIGTERM: stopping'), serve.output());
      assert.equal(out.at(-1), 'stopped');
    } finally {
      await serve.kill();
    }
  });
});

test('SIGTERM with a client still connected: the client gets 421 and serve still exits 0', async () => {
  await withLab(async (dir) => {
    await withServe(dir, ['--ephemeral-ports', '--quiet'], async (serve, listeners) => {
      const c = await openSmtp(listenerFor(listeners, 25).boundPort);
      assert.equal((await c.cmd('MAIL FROM:<cuenta1@aula.test>')).code, 250);
      const exit = await serve.stop('SIGTERM', 30_000);
      assert.deepEqual(exit, { code: 0, signal: null }, serve.output());
      assert.equal(serve.lines.filter((l) => l.stream === 'stdout').at(-1)?.text, 'stopped');
      assert.equal((await c.reply()).code, 421);
      assert.equal(await c.closedByServer(), true);
      c.close();
    });
  });
});

test('lab presets from the command line: list, apply, revert (the ports back as they were), and clear errors', async () => {
  await withLab(async (dir) => {
    const presets = JSON.parse(await buzonOk(dir, ['preset', 'list', '--json'])) as Json[];
    assert.deepEqual(presets.map((p) => [p.id, p.applied]), [['telnet-lab', false], ['starttls-required', false], ['implicit-tls', false]]);
    const before = await buzonOk(dir, ['port', 'list', '--json']);
    assert.match(await buzonOk(dir, ['preset', 'apply', 'implicit-tls']), /preset implicit-tls applied/);
    const ports = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as Json[];
    for (const port of [465, 993, 995]) assert.ok(ports.some((p) => p.port === port && p.enabled === true && p.security === 'tls'), `${port} enabled with TLS`);
    assert.match(await buzonOk(dir, ['preset', 'list']), /implicit-tls: applied /);
    // Exclusive presets and unknown names are refused with one line, exit 2.
    assert.match(await buzonOk(dir, ['preset', 'apply', 'telnet-lab']), /applied/);
    const clash = await runBuzon(dir, ['preset', 'apply', 'starttls-required']);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /^buzon: .*telnet-lab.*\n$/);
    const bogus = await runBuzon(dir, ['preset', 'apply', 'bogus']);
    assert.equal(bogus.code, 2);
    assert.match(bogus.stderr, /^buzon: id: /);
    await buzonOk(dir, ['preset', 'revert', 'telnet-lab']);
    await buzonOk(dir, ['preset', 'revert', 'implicit-tls']);
    assert.equal(await buzonOk(dir, ['port', 'list', '--json']), before, 'the ports exactly as before');
    const again = await runBuzon(dir, ['preset', 'revert', 'implicit-tls']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not applied/);
    // `mx` checks its argument before any lookup.
    const badMx = await runBuzon(dir, ['mx', 'not a domain']);
    assert.equal(badMx.code, 2);
    assert.match(badMx.stderr, /^buzon: domain: not a valid domain name/);
  });
});

test('an account\'s folders and "empty account" from the command line, while serve delivers', async () => {
  await withLab(async (dir) => {
    await withServe(dir, ['--ephemeral-ports', '--quiet'], async (serve, listeners) => {
      const t = transport(listenerFor(listeners, 25).boundPort);
      try {
        for (const subject of ['uno', 'dos']) await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject, text: 'Hola.\n' });
      } finally {
        t.close();
      }
      const folders = JSON.parse(await buzonOk(dir, ['account', 'folders', 'cuenta2@aula.test', '--json'])) as Json[];
      assert.equal(folders[0]?.name, 'INBOX');
      assert.equal(folders[0]?.messages, 2);
      const added = JSON.parse(await buzonOk(dir, ['account', 'folder', 'add', 'cuenta2@aula.test', 'Proyectos/2026', '--json'])) as Json[];
      assert.ok(added.some((f) => f.name === 'Proyectos/2026'), 'the new folder is listed');
      const inbox = await runBuzon(dir, ['account', 'folder', 'remove', 'cuenta2@aula.test', 'INBOX']);
      assert.equal(inbox.code, 2, inbox.stderr);
      assert.match(inbox.stderr, /INBOX/);
      assert.match(await buzonOk(dir, ['account', 'empty', 'cuenta2@aula.test']), /^2 messages removed from cuenta2@aula\.test/);
      assert.deepEqual(emlFiles(join(dir, 'messages', 'aula.test', 'cuenta2')), [], 'the files are gone');
      const size = (JSON.parse(await buzonOk(dir, ['account', 'show', 'cuenta2@aula.test', '--json'])) as Json).sizeBytes;
      assert.equal(size, 0);
      assert.deepEqual(await serve.stop('SIGINT'), { code: 0, signal: null });
    });
  });
});
