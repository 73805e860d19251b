// The outbound queue from the command line while `buzon serve` runs in another process: a message
// for a domain routed to a peer on 127.0.0.1 that answers 451 stays queued with its error
// (`queue list`), `queue flush` makes it due at once and the server delivers it, and `queue clear`
// empties the queue (rows and files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { tempDir } from '../helpers/temp-dir';
import { buzonOk, startServe } from '../helpers/buzon-process';
import { until } from '../protocol/smtp/kit';

type Json = Record<string, unknown>;

async function queueList(dir: string): Promise<Json[]> {
  return JSON.parse(await buzonOk(dir, ['queue', 'list', '--json'])) as Json[];
}

/** Polls `buzon queue list` (each call a new process) until cond holds. */
async function untilQueue(dir: string, cond: (q: Json[]) => boolean, what: string): Promise<Json[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const q = await queueList(dir);
    if (cond(q)) return q;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}: ${JSON.stringify(q)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('queue list / flush / clear from the CLI while serve runs', async () => {
  const tmp = tempDir('buzon-e2e-queue-');
  let busy = true;
  let received = 0;
  const peer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(_a, _s, cb) {
      if (busy) return cb(Object.assign(new Error('4.3.2 Try again later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => {
        received++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
  const peerPort = (peer.server.address() as { port: number }).port;
  const dir = tmp.path;
  try {
    await buzonOk(dir, ['domain', 'add', 'aula.test']);
    await buzonOk(dir, ['account', 'add', 'cuenta1@aula.test', '--password', 'secreto1']);
    // A route for the other lab's domain (hMailServer "Routes"): no DNS involved.
    assert.match(await buzonOk(dir, ['route', 'add', 'aula2.test', '127.0.0.1', '--port', String(peerPort), '--retry-minutes', '30']), /^route \d+: aula2\.test → 127\.0\.0\.1:\d+ \(none; 4 retries, 30 min apart\) added$/m);
    const routes = JSON.parse(await buzonOk(dir, ['route', 'list', '--json'])) as Json[];
    assert.deepEqual(routes.map((r) => [r.domain, r.host, r.port, r.allAddresses]), [['aula2.test', '127.0.0.1', peerPort, true]]);
    const { serve, listeners } = await startServe(dir, ['--ephemeral-ports']);
    try {
      const p25 = listeners.find((l) => l.configuredPort === 25)!;
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: p25.boundPort!, secure: false, ignoreTLS: true });
      await t.sendMail({ from: 'cuenta1@aula.test', to: 'alumno@aula2.test', subject: 'uno', text: 'hola\n' });
      const q = await untilQueue(dir, (x) => x.length === 1 && Number(x[0]!.attempts) >= 1, 'a deferred message');
      assert.match(String(q[0]!.lastError), /451/);
      assert.equal(received, 0);
      // queue show: the recipients' status and the header of the message.
      const shown = await buzonOk(dir, ['queue', 'show', String(q[0]!.id)]);
      assert.match(shown, /sent by a user of this server to another server/);
      assert.match(shown, /alumno@aula2\.test\s+deferred\s+451/);
      assert.match(shown, /^Subject: uno$/m);

      busy = false;
      assert.match(await buzonOk(dir, ['queue', 'flush']), /^1 queued messages due now$/m);
      await untilQueue(dir, (x) => x.length === 0, 'the queue to empty after flush');
      await until(() => received === 1, 'the delivery');

      busy = true;
      await t.sendMail({ from: 'cuenta1@aula.test', to: 'alumno@aula2.test', subject: 'dos', text: 'hola\n' });
      await untilQueue(dir, (x) => x.length === 1 && Number(x[0]!.attempts) >= 1, 'a second deferred message');
      assert.match(await buzonOk(dir, ['queue', 'clear']), /^1 queue entries removed$/m);
      assert.deepEqual(await queueList(dir), []);
      const files = existsSync(join(dir, 'queue')) ? readdirSync(join(dir, 'queue')).filter((f) => f.endsWith('.eml')) : [];
      assert.deepEqual(files, [], 'the queue files are gone too');
      t.close();
      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    } finally {
      await serve.kill();
    }
  } finally {
    await new Promise<void>((r) => peer.close(() => r()));
    tmp.remove();
  }
});
