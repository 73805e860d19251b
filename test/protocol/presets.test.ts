// Lab presets against the running server with real clients: what a classroom PC can do before a
// preset, after applying it and after reverting it (POP3 with Python's poplib, IMAP and SMTP on raw
// sockets, implicit TLS); telnet-lab opens clear logons to the classroom's private networks only,
// never to the Internet range; the configuration after a revert is byte-equal to before; presets that
// set plaintext logons the other way exclude each other; applying twice changes nothing; an applied
// preset and its snapshot survive a restart; a revert leaves what the admin changed since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpRange, LabPreset, LabPresetId, PortStatus, TcpIpPort } from '../../src-main/shared/model/entities';
import type { Settings } from '../../src-main/shared/model/settings';
import { ApiError } from '../../src-main/shared/ipc/errors';
import { createPresetsApi } from '../../src-main/server/services/presets';
import { systemClock } from '../../src-main/server/clock';
import { matchRange } from '../../src-main/security/ip/ip-ranges';
import type { TestServer } from '../helpers/start-server';
import { LAB } from '../helpers/start-server';
import { expectReply, fromInternet, open as smtpOpen, run, startLab, waitForLog } from './smtp/kit';
import { greet as pop3Greet } from './pop3/kit';
import { connectImap, quote, restart, USER1 } from './imap/kit';

const [ACCOUNT1, ACCOUNT2] = LAB.accounts;

/**
 * Runs an admin change and waits for the listeners to be reconciled after it: one
 * `server.statusChanged` per `config.changed` the change made (each one reconciles), so no
 * reconcile of this step is still running when the next step starts.
 */
async function settled<T>(srv: TestServer, change: () => Promise<T>): Promise<T> {
  let changes = 0;
  let reconciled = 0;
  let wake: (() => void) | undefined;
  const offChanged = srv.host.on('config.changed', () => changes++);
  const offStatus = srv.host.on('server.statusChanged', () => {
    reconciled++;
    wake?.();
  });
  try {
    const r = await change();
    offChanged();
    const deadline = Date.now() + 15_000;
    while (reconciled < changes) {
      assert.ok(Date.now() < deadline, `timeout waiting for ${changes} reconciles (saw ${reconciled})`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200).unref();
      });
    }
    return r;
  } finally {
    offChanged();
    offStatus();
  }
}

const apply = (srv: TestServer, id: LabPresetId) => settled(srv, () => srv.call<LabPreset[]>('presets', 'apply', { id }));
const revert = (srv: TestServer, id: LabPresetId) => settled(srv, () => srv.call<LabPreset[]>('presets', 'revert', { id }));
const state = (list: LabPreset[], id: LabPresetId): LabPreset => list.find((p) => p.id === id)!;

/** The stored configuration a preset may touch, row by row as SQLite holds it. */
function dump(srv: TestServer): unknown {
  const db = srv.host.db;
  return {
    settings: db.prepare('SELECT key, value FROM settings ORDER BY key').all(),
    ports: db.prepare('SELECT * FROM tcpip_ports ORDER BY id').all(),
    ranges: db.prepare('SELECT * FROM ip_ranges ORDER BY id').all(),
  };
}

function listener(srv: TestServer, protocol: PortStatus['protocol'], port: number): PortStatus {
  const l = srv.host.status().listeners.find((p) => p.protocol === protocol && p.port === port);
  assert.ok(l, `a ${protocol} ${port} entry`);
  return l;
}

async function rejectsWith(p: Promise<unknown>, code: ApiError['code'], re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });
}

// poplib, as a student's script would log on: USER/PASS in clear. argv: port, user, password.
const POPLIB = String.raw`
import poplib, sys, json
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
out = {"welcome": p.getwelcome().decode()}
try:
    out["user"] = p.user(sys.argv[2]).decode()
    out["pass"] = p.pass_(sys.argv[3]).decode()
    out["stat"] = list(p.stat())
except poplib.error_proto as e:
    out["error"] = e.args[0].decode() if isinstance(e.args[0], bytes) else str(e.args[0])
p.quit()
print(json.dumps(out))
`;
const havePython = run('python3', ['-c', 'import poplib']).then((r) => r.code === 0);

/** A plaintext POP3 logon (USER/PASS) on `port`: poplib when Python is there, else a raw socket. */
async function popLogon(port: number): Promise<{ ok: boolean; reply: string }> {
  if (await havePython) {
    const r = await run('python3', ['-c', POPLIB, String(port), ACCOUNT1.address, ACCOUNT1.password]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { welcome: string; pass?: string; error?: string };
    assert.equal(out.welcome, '+OK POP3 server ready');
    return out.error === undefined ? { ok: true, reply: out.pass! } : { ok: false, reply: out.error };
  }
  const c = await pop3Greet(port);
  try {
    for (const line of [`USER ${ACCOUNT1.address}`, `PASS ${ACCOUNT1.password}`]) {
      const reply = await c.cmd(line);
      if (!reply.startsWith('+OK')) return { ok: false, reply };
      if (line.startsWith('PASS')) return { ok: true, reply };
    }
    throw new Error('unreachable');
  } finally {
    c.destroy();
  }
}

/** IMAP LOGIN in clear on a fresh connection: the tagged status. */
async function imapLogin(port: number): Promise<string> {
  const c = await connectImap(port);
  try {
    return (await c.cmd(`LOGIN ${quote(USER1.user)} ${quote(USER1.pass)}`)).status;
  } finally {
    c.destroy();
  }
}

test('telnet-lab: a classroom PC logs on in clear and sends local mail by hand only while it is applied, never through the Internet range; a revert leaves the configuration byte-equal', async () => {
  const srv = await startLab();
  try {
    // 127.0.0.1 as a student's PC: "My computer" removed, and a classroom range over 127.0.0.0/8
    // (private addresses, as 192.168.1.0/24 would be) that requires TLS for logons as "Internet" does.
    const internet = await settled(srv, () => fromInternet(srv));
    const aula = await settled(srv, () => srv.call<IpRange>('ipRanges', 'add', { name: 'Aula', priority: 20, lower: '127.0.0.0', upper: '127.255.255.255' }));
    assert.deepEqual([aula.requireTlsForAuth, aula.authLocalToLocal], [internet.requireTlsForAuth, internet.authLocalToLocal]);
    await settled(srv, () => srv.call('settings', 'update', { 'smtp.greetingDelaySeconds': 1, 'autoban.enabled': true }));
    const before = dump(srv);
    const internetRow = () => srv.host.db.prepare('SELECT * FROM ip_ranges WHERE id = ?').get(internet.id);
    const internetBefore = internetRow();
    assert.deepEqual(
      (await srv.call<LabPreset[]>('presets', 'list')).map((p) => [p.id, p.applied, p.appliedAt]),
      [
        ['telnet-lab', false, null],
        ['starttls-required', false, null],
        ['implicit-tls', false, null],
      ],
    );

    const refused = await popLogon(srv.pop3Port);
    assert.equal(refused.ok, false, 'USER/PASS in clear refused from the classroom before the preset');
    assert.match(refused.reply, /^-ERR \[AUTH\].*STLS/);
    const smtp = await smtpOpen(srv.smtpPort);
    await expectReply(smtp, 'HELO root', /^250 /);
    await expectReply(smtp, `MAIL FROM: ${ACCOUNT1.address}`, /^250 /);
    await expectReply(smtp, `RCPT TO: ${ACCOUNT2.address}`, /^530 5\.7\.0 /);
    smtp.close();

    const after = await apply(srv, 'telnet-lab');
    const applied = state(after, 'telnet-lab');
    assert.equal(applied.applied, true);
    assert.ok(applied.appliedAt && !Number.isNaN(Date.parse(applied.appliedAt)), String(applied.appliedAt));
    assert.ok(applied.changes.some((c) => /open relay/.test(c)), JSON.stringify(applied.changes));
    assert.ok(applied.changes.some((c) => /the Internet range is left as it is/.test(c)), JSON.stringify(applied.changes));
    const s = await srv.call<Settings>('settings', 'get');
    assert.equal(s['smtp.greetingDelaySeconds'], 0);
    assert.equal(s['smtp.reverseLookup'], false);
    assert.equal(s['autoban.enabled'], false);

    const ok = await popLogon(srv.pop3Port);
    assert.equal(ok.ok, true, ok.reply);
    assert.match(ok.reply, /^\+OK maildrop has \d+ messages/);
    assert.match(await imapLogin(srv.imapPort), /^OK /, 'IMAP LOGIN in clear');
    // The course notes' telnet session: local mail without a logon, but no relay to the outside.
    const t = await smtpOpen(srv.smtpPort);
    await expectReply(t, 'HELO root', /^250 /);
    await expectReply(t, `MAIL FROM: ${ACCOUNT1.address}`, /^250 /);
    await expectReply(t, `RCPT TO: ${ACCOUNT2.address}`, /^250 /);
    await expectReply(t, 'RCPT TO: alguien@exterior.example', /^550 5\.7\.1 Relay access denied/);
    await expectReply(t, 'DATA', /^354 /);
    t.send('SUBJECT: Saber que tal vas...');
    await expectReply(t, '.', /^250 /);
    await expectReply(t, 'QUIT', /^221 /);

    // The Internet range is left as it is; the private networks that only it covered get a
    // range each, one priority above it, so that a lab PC on any of them gets clear logons.
    assert.deepEqual(internetRow(), internetBefore, 'the Internet range, byte for byte');
    const ranges = srv.host.repo.listIpRanges();
    assert.deepEqual(
      ranges.filter((r) => r.name.startsWith('Classroom')).map((r) => [r.name, r.lower, r.upper, r.priority, r.requireTlsForAuth, r.authLocalToLocal, r.authLocalToExternal, r.authExternalToExternal]),
      [
        ['Classroom 10.0.0.0/8', '10.0.0.0', '10.255.255.255', internet.priority + 1, false, false, true, true],
        ['Classroom 172.16.0.0/12', '172.16.0.0', '172.31.255.255', internet.priority + 1, false, false, true, true],
        ['Classroom 192.168.0.0/16', '192.168.0.0', '192.168.255.255', internet.priority + 1, false, false, true, true],
      ],
    );
    for (const ip of ['10.1.2.3', '172.20.0.5', '192.168.1.20']) assert.match(matchRange(ranges, ip)?.name ?? '', /^Classroom /, ip);
    assert.equal(matchRange(ranges, '198.51.100.7')?.name, 'Internet');

    // The same PC decided by the Internet range (the classroom range put below it): no logon in
    // clear, and no mail "from" a local sender to local users without a logon.
    await settled(srv, () => srv.call('ipRanges', 'update', { id: aula.id, priority: internet.priority - 1 }));
    const outside = await popLogon(srv.pop3Port);
    assert.equal(outside.ok, false, 'USER/PASS in clear refused from the Internet range while applied');
    assert.match(outside.reply, /^-ERR \[AUTH\].*STLS/);
    const spoof = await smtpOpen(srv.smtpPort);
    await expectReply(spoof, 'HELO root', /^250 /);
    await expectReply(spoof, `MAIL FROM: ${ACCOUNT1.address}`, /^250 /);
    await expectReply(spoof, `RCPT TO: ${ACCOUNT2.address}`, /^530 5\.7\.0 /);
    spoof.close();
    await settled(srv, () => srv.call('ipRanges', 'update', { id: aula.id, priority: 20 }));

    const reverted = await revert(srv, 'telnet-lab');
    assert.deepEqual(state(reverted, 'telnet-lab'), { ...applied, applied: false, appliedAt: null });
    const again = await popLogon(srv.pop3Port);
    assert.equal(again.ok, false, 'refused again after the revert');
    assert.match(again.reply, /^-ERR \[AUTH\]/);
    assert.deepEqual(dump(srv), before, 'settings, ports and IP ranges as they were, byte for byte (the added ranges gone)');
    assert.deepEqual(srv.host.db.prepare('SELECT * FROM lab_presets').all(), [], 'the snapshot is gone');
  } finally {
    await srv.close();
  }
});

test('telnet-lab adds no classroom range where one of private addresses is already there', async () => {
  const srv = await startLab();
  try {
    await settled(srv, () => srv.call('ipRanges', 'add', { name: 'Aula 2', lower: '192.168.1.0', upper: '192.168.1.255' }));
    await apply(srv, 'telnet-lab');
    const ranges = srv.host.repo.listIpRanges();
    assert.deepEqual(ranges.filter((r) => r.name.startsWith('Classroom')).map((r) => r.name), ['Classroom 10.0.0.0/8', 'Classroom 172.16.0.0/12']);
    const aula = ranges.find((r) => r.name === 'Aula 2')!;
    assert.deepEqual([aula.requireTlsForAuth, aula.authLocalToLocal], [false, false], 'the admin\'s classroom range gets the changes');
  } finally {
    await srv.close();
  }
});

test('telnet-lab with two entries for port 587 (off on 0.0.0.0, on for one address): it applies, leaves the one it cannot enable and logs it; the revert is byte-equal', async () => {
  const srv = await startLab();
  try {
    const submission = (await srv.call<PortStatus[]>('ports', 'list')).find((p) => p.protocol === 'smtp' && p.port === 587 && p.address === '0.0.0.0')!;
    await settled(srv, () => srv.call('ports', 'update', { id: submission.id, enabled: false }));
    const own = await settled(srv, () => srv.call<TcpIpPort>('ports', 'add', { protocol: 'smtp', address: '127.0.0.1', port: 587, security: 'starttls-optional' }));
    const before = dump(srv);

    const logged = waitForLog(srv, (e) => e.event === 'preset.applied');
    const list = await apply(srv, 'telnet-lab');
    assert.equal(state(list, 'telnet-lab').applied, true);
    const entry = await logged;
    assert.equal(entry.level, 'warn');
    assert.match(entry.msg, new RegExp(`left as they were: port SMTP 587 left as it is: port 587 is already used by the SMTP entry ${own.id}$`));
    assert.deepEqual(entry.skipped, [`port SMTP 587 left as it is: port 587 is already used by the SMTP entry ${own.id}`]);
    const ports = srv.host.repo.listPorts();
    assert.equal(ports.find((p) => p.id === submission.id)!.enabled, false);
    assert.equal(ports.find((p) => p.id === own.id)!.enabled, true);
    assert.equal(srv.host.status().listeners.find((l) => l.id === own.id)?.state, 'listening');
    assert.equal(listener(srv, 'pop3', 110).state, 'listening', 'the rest of the preset applied');

    await revert(srv, 'telnet-lab');
    assert.deepEqual(dump(srv), before);
  } finally {
    await srv.close();
  }
});

test('starttls-required: IMAP LOGIN before STARTTLS refused, after it accepted; it and telnet-lab exclude each other; a second apply and a revert of what is not applied', async () => {
  const srv = await startLab();
  try {
    const before = dump(srv);
    assert.match(await imapLogin(srv.imapPort), /^OK /, 'from "My computer" LOGIN in clear works before');

    const list = await apply(srv, 'starttls-required');
    const applied = state(list, 'starttls-required');
    assert.equal(applied.applied, true);
    assert.equal(listener(srv, 'imap', 143).security, 'starttls-required');
    assert.equal(listener(srv, 'imap', 143).state, 'listening');
    const imapPort = srv.host.boundPort('imap', 143)!;

    const c = await connectImap(imapPort);
    assert.match(c.greeting, /STARTTLS/);
    assert.match(c.greeting, /LOGINDISABLED/);
    await c.no(`LOGIN ${quote(USER1.user)} ${quote(USER1.pass)}`, /PRIVACYREQUIRED/);
    await c.ok('STARTTLS');
    await c.startTls();
    await c.ok(`LOGIN ${quote(USER1.user)} ${quote(USER1.pass)}`);
    await c.ok('LOGOUT');
    c.destroy();
    // POP3 110 too; and on port 25 (left optional) no AUTH before STARTTLS from any range.
    const pop = await popLogon(srv.host.boundPort('pop3', 110)!);
    assert.equal(pop.ok, false);
    const smtp = await smtpOpen(srv.smtpPort);
    const ehlo = await expectReply(smtp, 'EHLO cliente.test', /^250[ -]/);
    assert.match(ehlo, /STARTTLS/);
    assert.doesNotMatch(ehlo, /AUTH/);
    smtp.close();

    // Applied already: nothing changes, not even the time.
    const configured = dump(srv);
    let events = 0;
    const off = srv.host.on('config.changed', () => events++);
    assert.deepEqual(await srv.call<LabPreset[]>('presets', 'apply', { id: 'starttls-required' }), list);
    off();
    assert.equal(events, 0);
    assert.deepEqual(dump(srv), configured);

    // The two that set plaintext logons opposite ways: one at a time, and nothing is half done.
    await rejectsWith(srv.call('presets', 'apply', { id: 'telnet-lab' }), 'CONFLICT', /revert "starttls-required" first/);
    assert.deepEqual(dump(srv), configured);
    assert.equal(state(await srv.call<LabPreset[]>('presets', 'list'), 'telnet-lab').applied, false);

    await revert(srv, 'starttls-required');
    assert.deepEqual(dump(srv), before);
    assert.match(await imapLogin(srv.host.boundPort('imap', 143)!), /^OK /, 'LOGIN in clear works again');
    await rejectsWith(srv.call('presets', 'revert', { id: 'starttls-required' }), 'CONFLICT', /not applied/);

    await apply(srv, 'telnet-lab');
    await rejectsWith(srv.call('presets', 'apply', { id: 'starttls-required' }), 'CONFLICT', /revert "telnet-lab" first/);
    await revert(srv, 'telnet-lab');
    assert.deepEqual(dump(srv), before);
  } finally {
    await srv.close();
  }
});

test('implicit-tls: 993 and 995 listen with TLS (995 added back when missing) and greet a TLS client; the preset survives a restart and its revert disables them again', async () => {
  let srv = await startLab();
  try {
    const pop3s = (await srv.call<PortStatus[]>('ports', 'list')).find((p) => p.protocol === 'pop3' && p.port === 995)!;
    await settled(srv, () => srv.call('ports', 'remove', { id: pop3s.id }));
    const before = dump(srv);
    assert.equal(listener(srv, 'imap', 993).state, 'disabled');

    const applied = state(await apply(srv, 'implicit-tls'), 'implicit-tls');
    for (const [protocol, port] of [
      ['smtp', 465],
      ['pop3', 995],
      ['imap', 993],
    ] as const) {
      const l = listener(srv, protocol, port);
      assert.deepEqual([l.security, l.enabled, l.state], ['tls', true, 'listening'], `${protocol} ${port}`);
      assert.ok(l.boundPort, `${protocol} ${port} bound`);
    }
    const imaps = await connectImap(listener(srv, 'imap', 993).boundPort!, { tls: true });
    assert.match(imaps.greeting, /^\* OK /);
    imaps.destroy();
    (await pop3Greet(listener(srv, 'pop3', 995).boundPort!, { tls: true })).destroy();

    // Stopped and started again on the same data folder: still applied, the snapshot kept.
    srv = await restart(srv);
    assert.deepEqual(state(await srv.call<LabPreset[]>('presets', 'list'), 'implicit-tls'), applied);
    const l993 = listener(srv, 'imap', 993);
    assert.equal(l993.state, 'listening');
    const again = await connectImap(l993.boundPort!, { tls: true });
    again.destroy();

    await revert(srv, 'implicit-tls');
    assert.equal(listener(srv, 'imap', 993).state, 'disabled');
    assert.equal(srv.host.boundPort('imap', 993), undefined);
    assert.equal(srv.host.status().listeners.some((p) => p.protocol === 'pop3' && p.port === 995), false, 'the 995 entry it added is gone');
    assert.deepEqual(dump(srv), before);
  } finally {
    await srv.close();
  }
});

test('a revert puts back what still holds the preset\'s values, leaves what the admin changed since, and logs which', async () => {
  const srv = await startLab();
  try {
    await settled(srv, () => srv.call('settings', 'update', { 'smtp.greetingDelaySeconds': 3, 'smtp.reverseLookup': true }));
    const before = dump(srv);
    // The service as server-host builds it, with the application log.
    const presets = createPresetsApi({ db: srv.host.db, repo: srv.host.repo, clock: systemClock, changed: () => undefined, logger: srv.host.logger });
    await presets.apply({ id: 'telnet-lab' });
    await srv.call('settings', 'set', { key: 'smtp.greetingDelaySeconds', value: 5 });
    // The admin edits a range the preset added: it is theirs now, the revert keeps it.
    const lan = (await srv.call<IpRange[]>('ipRanges', 'list')).find((r) => r.name === 'Classroom 192.168.0.0/16')!;
    assert.equal(lan.requireTlsForAuth, false);
    await srv.call('ipRanges', 'update', { id: lan.id, requireTlsForAuth: true });

    const logged = waitForLog(srv, (e) => e.event === 'preset.reverted');
    const list = await presets.revert({ id: 'telnet-lab' });
    assert.equal(state(list, 'telnet-lab').applied, false);
    const entry = await logged;
    assert.equal(entry.level, 'warn');
    assert.match(entry.msg, /smtp\.greetingDelaySeconds \(now 5\)/);
    assert.match(entry.msg, /IP range "Classroom 192\.168\.0\.0\/16" requireTlsForAuth \(now true\)/);

    const s = srv.host.repo.getSettings();
    assert.equal(s['smtp.greetingDelaySeconds'], 5, 'the admin\'s value stays');
    assert.equal(s['smtp.reverseLookup'], true, 'restored');
    assert.equal(s['autoban.enabled'], true, 'restored');
    const ranges = srv.host.repo.listIpRanges();
    assert.deepEqual(
      ranges.filter((r) => r.name.startsWith('Classroom')).map((r) => [r.name, r.requireTlsForAuth]),
      [['Classroom 192.168.0.0/16', true]],
      'the edited range stays, the others the preset added are gone',
    );
    assert.equal(ranges.find((r) => r.name === 'My computer')!.authLocalToExternal, false, 'the fields the admin left alone are restored');
    // Apart from those two, byte-equal to before.
    const expected = before as { settings: { key: string; value: string }[]; ranges: { name: string }[] };
    const actual = dump(srv) as typeof expected;
    assert.deepEqual(
      actual.settings.filter((r) => r.key !== 'smtp.greetingDelaySeconds'),
      expected.settings.filter((r) => r.key !== 'smtp.greetingDelaySeconds'),
    );
    assert.deepEqual(
      actual.ranges.filter((r) => r.name !== 'Classroom 192.168.0.0/16'),
      expected.ranges,
    );
    await rejectsWith(Promise.resolve().then(() => presets.revert({ id: 'telnet-lab' })), 'CONFLICT', /not applied/);
  } finally {
    await srv.close();
  }
});
