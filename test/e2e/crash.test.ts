// "kill -9 loses nothing": a `buzon serve` process is SIGKILLed while ten clients are sending,
// then started again on the same folder. Every message that got a 250 must be there exactly once,
// complete and indexed; nothing half-written may be anywhere; index and files must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/temp-dir';
import { LineClient } from '../helpers/line-client';
import { buzonOk, startServe, type ServeProcess } from '../helpers/buzon-process';
import { createServerHost } from '../../src-main/server/server-host';
import { validateInput } from '../../src-main/shared/ipc/validate';
import { openDatabase } from '../../src-main/store/db';
import { ConfigRepo } from '../../src-main/store/config-repo';
import { MailStore } from '../../src-main/store/mail-store';
import { MessageFiles } from '../../src-main/store/message-files';

const TOTAL = 1000;
const KILL_AFTER_ACKS = 300;
const CONNECTIONS = 10;
const BODY_BYTES = 2048;
const SENDER = 'cuenta1@aula.test';
const RECIPIENTS = ['cuenta1@aula.test', 'cuenta2@aula.test', 'cuenta3@aula.test', 'cuenta4@aula.test'];

type State = 'unsent' | 'started' | 'data-sent' | 'acked' | 'refused';

interface TestMessage {
  readonly n: number;
  readonly id: string;
  readonly rcpt: string;
  /** The message as the server must store it after its trace headers (dot-unstuffed, CRLF). */
  readonly text: string;
  state: State;
}

function makeMessage(n: number, run: string): TestMessage {
  const id = `crash-${n}-${run}`;
  const rcpt = RECIPIENTS[n % RECIPIENTS.length]!;
  const head = `From: <${SENDER}>\r\nTo: <${rcpt}>\r\nSubject: ${id}\r\nMessage-ID: <${id}@e2e.test>\r\n\r\n`;
  const lines: string[] = [];
  let size = head.length;
  for (let i = 0; size < BODY_BYTES - 40; i++) {
    // Lines never start with '.', so the wire form needs no dot-stuffing.
    const line = `${id} line ${i} ${randomBytes(24).toString('base64')}`;
    lines.push(line);
    size += line.length + 2;
  }
  lines.push(`END OF ${id}`);
  return { n, id, rcpt, text: head + lines.join('\r\n') + '\r\n', state: 'unsent' };
}

/** Every file under `dir`, relative to `base`, with '/' separators. */
function walk(dir: string, base: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

async function prepare(dir: string): Promise<void> {
  const host = createServerHost({ dataDir: dir, watchMs: 0 });
  const call = async (ns: string, method: string, input: unknown) => {
    const fn = (host.api as unknown as Record<string, Record<string, (i: unknown) => unknown>>)[ns]![method]!;
    return fn(validateInput(ns, method, input));
  };
  try {
    await call('domains', 'add', { name: 'aula.test' });
    for (const [i, address] of RECIPIENTS.entries()) await call('accounts', 'add', { address, password: `secreto${i + 1}` });
  } finally {
    await host.close();
  }
}

/** One connection sending messages from the shared list until it runs out or the server dies. */
async function sender(port: number, messages: TestMessage[], next: { i: number }, onAck: () => void): Promise<void> {
  let c: LineClient;
  try {
    c = await LineClient.open(port);
    if ((await c.reply()).code !== 220 || (await c.cmd('EHLO crash.e2e.test')).code !== 250) return;
  } catch {
    return;
  }
  try {
    while (next.i < messages.length) {
      const m = messages[next.i++]!;
      m.state = 'started';
      if ((await c.cmd(`MAIL FROM:<${SENDER}>`)).code !== 250 || (await c.cmd(`RCPT TO:<${m.rcpt}>`)).code !== 250) {
        m.state = 'refused';
        break;
      }
      if ((await c.cmd('DATA')).code !== 354) {
        m.state = 'refused';
        break;
      }
      c.write(m.text + '.\r\n');
      m.state = 'data-sent';
      const r = await c.reply();
      if (r.code === 250) {
        m.state = 'acked';
        onAck();
      } else {
        m.state = 'refused';
        break;
      }
    }
  } catch {
    // The server died under us: this message may or may not have been stored.
  } finally {
    c.close();
  }
}

test('kill -9 during 10 concurrent senders loses no acknowledged message and leaves nothing partial', async (t) => {
  const tmp = tempDir('buzon-crash-');
  const dir = tmp.path;
  const run = randomBytes(4).toString('hex');
  const messages = Array.from({ length: TOTAL }, (_, n) => makeMessage(n, run));
  let serve: ServeProcess | undefined;
  const t0 = Date.now();
  try {
    await prepare(dir);
    const first = await startServe(dir, ['--ephemeral-ports', '--quiet']);
    serve = first.serve;
    const port = first.listeners.find((l) => l.configuredPort === 25)?.boundPort;
    assert.ok(port, serve.output());

    let acks = 0;
    let killedAt = -1;
    const victim = serve;
    const next = { i: 0 };
    const onAck = (): void => {
      acks++;
      if (acks === KILL_AFTER_ACKS) {
        killedAt = acks;
        victim.child.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, () => sender(port, messages, next, onAck)));
    const exit = await serve.waitExit();
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL' }, 'the server was killed, not stopped');
    assert.equal(killedAt, KILL_AFTER_ACKS);
    const count = (s: State) => messages.filter((m) => m.state === s).length;
    const acked = messages.filter((m) => m.state === 'acked');
    assert.equal(count('refused'), 0, 'nothing was refused before the kill');
    assert.ok(acked.length >= KILL_AFTER_ACKS && acked.length < TOTAL, `acked ${acked.length}: the kill must land in the middle`);
    const sendSeconds = (Date.now() - t0) / 1000;
    // The dead server's run file is still there; `port list` must not report its listeners as live.
    assert.ok(existsSync(join(dir, 'run', 'server.json')));
    const stale = JSON.parse(await buzonOk(dir, ['port', 'list', '--json'])) as { state: string; boundPort: number | null }[];
    assert.deepEqual(
      stale.filter((p) => p.state === 'listening' || p.boundPort !== null),
      [],
      'port list reports listeners of a killed server',
    );

    // Start again on the same folder: it must come up cleanly, and take mail.
    const second = await startServe(dir, ['--ephemeral-ports']);
    serve = second.serve;
    assert.equal(serve.lines.some((l) => /FAILED|ERROR/.test(l.text)), false, serve.output());
    const reconciled = serve.lines.find((l) => /event=store\.reconciled/.test(l.text))?.text ?? 'no start-up reconcile needed';
    const port2 = second.listeners.find((l) => l.configuredPort === 25)?.boundPort;
    assert.ok(port2 && second.listeners.some((l) => l.configuredPort === 587), serve.output());
    const after = makeMessage(TOTAL, run);
    const c = await LineClient.open(port2);
    assert.equal((await c.reply()).code, 220);
    assert.equal((await c.cmd('HELO crash.e2e.test')).code, 250);
    assert.equal((await c.cmd(`MAIL FROM:<${SENDER}>`)).code, 250);
    assert.equal((await c.cmd(`RCPT TO:<${after.rcpt}>`)).code, 250);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write(after.text + '.\r\n');
    assert.equal((await c.reply()).code, 250);
    after.state = 'acked';
    c.close();
    assert.deepEqual(await serve.stop(), { code: 0, signal: null }, serve.output());
    serve = undefined;

    // ---- what is on disk and in the index -----------------------------------------------------
    assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'temp files left under DATA/tmp');
    assert.deepEqual(walk(join(dir, 'queue'), dir), [], 'nothing was for the queue');
    const diskFiles = walk(join(dir, 'messages'), dir);
    for (const f of diskFiles) assert.match(f, /^messages\/aula\.test\/cuenta[1-4]\/[^/]+\.eml$/, `unexpected file ${f}`);

    const db = openDatabase(join(dir, 'buzon.db'));
    try {
      const repo = new ConfigRepo(db);
      const mail = new MailStore(db, new MessageFiles(dir));
      const indexed = new Map<string, { size: number; address: string }>();
      for (const address of RECIPIENTS) {
        const acc = repo.findAccount(address);
        assert.ok(acc, address);
        const rows = mail.listMessages(acc.id);
        const uids = new Set(rows.map((r) => r.uid));
        assert.equal(uids.size, rows.length, `duplicate UIDs in ${address}`);
        let total = 0;
        for (const r of rows) {
          assert.equal(indexed.has(r.file), false, `${r.file} indexed twice`);
          indexed.set(r.file, { size: r.size, address });
          assert.ok(existsSync(join(dir, r.file)), `indexed row without its file: ${r.file}`);
          assert.equal(statSync(join(dir, r.file)).size, r.size, `size of ${r.file}`);
          total += r.size;
        }
        assert.equal(acc.sizeBytes, total, `${address}: account size (quota accounting) differs from its messages`);
      }
      const allRows = (db.prepare('SELECT count(*) AS c FROM messages').get() as { c: number }).c;
      assert.equal(allRows, indexed.size, 'rows outside the INBOXes');
      assert.deepEqual([...indexed.keys()].sort(), [...diskFiles].sort(), 'index and message files differ');

      const seen = new Map<number, number>();
      const all = [...messages, after];
      for (const f of diskFiles) {
        const content = readFileSync(join(dir, f), 'latin1');
        const m = /\r\nMessage-ID: <crash-(\d+)-([0-9a-f]+)@e2e\.test>\r\n/.exec(content);
        assert.ok(m && m[2] === run, `${f} is not one of the test messages:\n${content.slice(0, 400)}`);
        const msg = all[Number(m[1])]!;
        assert.ok(content.endsWith(msg.text), `${f} (${msg.id}, ${msg.state}) is not the whole message as sent (${content.length} bytes)`);
        const prefix = content.slice(0, content.length - msg.text.length);
        assert.match(prefix, new RegExp(`^Return-Path: <${SENDER}>\r\nDelivered-To: ${msg.rcpt}\r\nReceived: from crash\\.e2e\\.test [^]*\r\n$`), `${f}: trace headers`);
        assert.equal(indexed.get(f)?.address, msg.rcpt, `${f} is not in ${msg.rcpt}'s INBOX`);
        seen.set(msg.n, (seen.get(msg.n) ?? 0) + 1);
      }
      for (const msg of all) {
        const n = seen.get(msg.n) ?? 0;
        if (msg.state === 'acked') assert.equal(n, 1, `acknowledged ${msg.id} found ${n} times`);
        else assert.ok(n <= 1, `${msg.id} (${msg.state}) found ${n} times`);
        if (msg.state === 'unsent' || msg.state === 'started') assert.equal(n, 0, `${msg.id} was never sent whole but is stored`);
      }
      const inFlight = messages.filter((m) => m.state === 'data-sent');
      const keptInFlight = inFlight.filter((m) => seen.has(m.n)).length;
      t.diagnostic(
        `acked ${acked.length}, in flight ${inFlight.length} (${keptInFlight} kept), never sent ${count('unsent') + count('started')}; ` +
          `send phase ${sendSeconds.toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s; restart: ${reconciled}`,
      );
    } finally {
      db.close();
    }
  } finally {
    await serve?.kill();
    tmp.remove();
  }
});
