// No open relay. 127.0.0.1 is "My computer" by default; removing that range makes it a client
// "from the Internet". The relay matrix of each seeded range is checked in all four directions,
// with and without SMTP authentication.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from '../../helpers/start-server';
import type { IpRange } from '../../../src-main/shared/model/entities';
import { LineClient } from '../../helpers/line-client';
import { expectReply, EXTERNAL_RCPT, EXTERNAL_SENDER, filesUnder, fromInternet, inbox, onlyMessage, open, plain, queue, session, splitTrace, startLab } from './kit';

test('from the Internet: no relay without auth, local delivery still works, AUTH needs STARTTLS', async () => {
  const srv = await startLab();
  try {
    await fromInternet(srv);
    const c = await open(srv.smtpPort);
    const ehlo = await c.cmd('EHLO mx.exterior.example');
    assert.ok(ehlo.lines.some((l) => l.endsWith('STARTTLS')));
    assert.ok(!ehlo.lines.some((l) => l.includes('AUTH')), 'AUTH is not offered before STARTTLS');
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^538 5\.7\.11 /);
    await expectReply(c, 'AUTH LOGIN', /^538 5\.7\.11 /);

    // External to external: the open-relay probe.
    await expectReply(c, `MAIL FROM:<${EXTERNAL_SENDER}>`, /^250 2\.1\.0 /);
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^550 5\.7\.1 Relay access denied$/);
    // External to local: how mail arrives from the Internet.
    await expectReply(c, 'RCPT TO:<cuenta2@aula.test>', /^250 2\.1\.5 /);
    await expectReply(c, 'DATA', /^354 /);
    c.send('Subject: desde fuera\r\n\r\nhola\r\n.');
    assert.match((await c.reply()).text, /^250 2\.0\.0 /);
    // A local sender without auth may not relay out either (nor post to local, see the table).
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^550 5\.7\.1 Relay access denied$/);
    await expectReply(c, 'RSET', /^250 /);
    // The null sender (a bounce) counts as external.
    await expectReply(c, 'MAIL FROM:<>', /^250 /);
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^550 5\.7\.1 /);
    await expectReply(c, 'RCPT TO:<cuenta1@aula.test>', /^250 /);
    await expectReply(c, 'RSET', /^250 /);

    // After STARTTLS and AUTH the external recipient is accepted and queued.
    await expectReply(c, 'STARTTLS', /^220 /);
    await c.startTls();
    const ehlo2 = await c.cmd('EHLO mx.exterior.example');
    assert.ok(ehlo2.lines.some((l) => /AUTH PLAIN LOGIN$/.test(l)), 'AUTH is offered inside TLS');
    await expectReply(c, `AUTH PLAIN ${plain('cuenta1@aula.test', 'secreto1')}`, /^235 2\.7\.0 /);
    await expectReply(c, 'MAIL FROM:<cuenta1@aula.test>', /^250 2\.1\.0 /);
    await expectReply(c, `RCPT TO:<${EXTERNAL_RCPT}>`, /^250 2\.1\.5 /);
    await expectReply(c, 'RCPT TO:<otro@remoto2.example>', /^250 2\.1\.5 /);
    await expectReply(c, 'DATA', /^354 /);
    c.send('Subject: hacia fuera\r\n\r\nadios\r\n.');
    assert.match((await c.reply()).text, /^250 2\.0\.0 /);
    await expectReply(c, 'QUIT', /^221 /);

    assert.match(splitTrace(onlyMessage(srv, 'cuenta2@aula.test').bytes).rest.toString('latin1'), /^Subject: desde fuera\r\n/);
    assert.equal(inbox(srv, 'cuenta1@aula.test').length, 0, 'the RSET transaction delivered nothing');
    const q = await queue(srv);
    assert.equal(q.length, 1, JSON.stringify(q));
    assert.equal(q[0]!.mailFrom, 'cuenta1@aula.test');
    assert.deepEqual(q[0]!.recipients.map((r) => r.address).sort(), [EXTERNAL_RCPT, 'otro@remoto2.example'].sort());
    assert.equal(q[0]!.reason, 'relay');
    // The queue file: the trace header, then the message as sent; its size is the row's.
    const files = filesUnder(srv, 'queue');
    assert.equal(files.length, 1);
    const queued = readFileSync(join(srv.dir, 'queue', files[0]!));
    assert.equal(queued.length, q[0]!.size);
    const { trace, rest } = splitTrace(queued);
    assert.match(trace, /^Received: from mx\.exterior\.example \(unknown \[127\.0\.0\.1\]\)\r\n\tby \S+ \(Buzon\) with ESMTPSA id /);
    assert.equal(rest.toString('latin1'), 'Subject: hacia fuera\r\n\r\nadios\r\n');
  } finally {
    await srv.close();
  }
});

type Dir = 'L2L' | 'L2E' | 'E2L' | 'E2E';
const DIRS: readonly Dir[] = ['L2L', 'L2E', 'E2L', 'E2E'];
const ENVELOPE: Record<Dir, { from: string; to: string }> = {
  L2L: { from: 'cuenta1@aula.test', to: 'cuenta2@aula.test' },
  L2E: { from: 'cuenta1@aula.test', to: EXTERNAL_RCPT },
  E2L: { from: EXTERNAL_SENDER, to: 'cuenta2@aula.test' },
  E2E: { from: EXTERNAL_SENDER, to: EXTERNAL_RCPT },
};
const OK = /^250 2\.1\.5 /;
const RELAY_DENIED = /^550 5\.7\.1 Relay access denied$/;
const NOT_ALLOWED = /^550 5\.7\.1 Delivery not allowed/;
const AUTH_REQUIRED = /^530 5\.7\.0 Authentication required$/;

/** What hMailServer's matrix says for one cell: refused, auth required, or accepted. */
function expectedFromMatrix(r: IpRange, dir: Dir, authenticated: boolean): RegExp {
  const allow = { L2L: r.allowLocalToLocal, L2E: r.allowLocalToExternal, E2L: r.allowExternalToLocal, E2E: r.allowExternalToExternal }[dir];
  const auth = { L2L: r.authLocalToLocal, L2E: r.authLocalToExternal, E2L: r.authExternalToLocal, E2E: r.authExternalToExternal }[dir];
  const local = dir.endsWith('L');
  if (!allow) return local ? NOT_ALLOWED : RELAY_DENIED;
  if (auth && !authenticated) return local ? AUTH_REQUIRED : RELAY_DENIED;
  return OK;
}

/** The RCPT reply for one cell, on a fresh session (STARTTLS first where the range needs it). */
async function rcptReply(srv: TestServer, range: IpRange, dir: Dir, authenticated: boolean): Promise<string> {
  const c: LineClient = await session(srv.smtpPort, {
    tls: authenticated && range.requireTlsForAuth,
    ...(authenticated ? { auth: { user: 'cuenta1@aula.test', password: 'secreto1' } } : {}),
  });
  try {
    await expectReply(c, `MAIL FROM:<${ENVELOPE[dir].from}>`, /^250 /);
    return (await c.cmd(`RCPT TO:<${ENVELOPE[dir].to}>`)).text;
  } finally {
    c.close();
  }
}

// The seeded matrices (src-main/server/defaults.ts), written out: a change of the defaults must
// show up here, not only in a recomputation.
const SEEDED: Record<string, Record<Dir, [unauth: RegExp, auth: RegExp]>> = {
  'My computer': { L2L: [OK, OK], L2E: [OK, OK], E2L: [OK, OK], E2E: [RELAY_DENIED, OK] },
  Internet: { L2L: [AUTH_REQUIRED, OK], L2E: [RELAY_DENIED, OK], E2L: [OK, OK], E2E: [RELAY_DENIED, OK] },
};

for (const rangeName of Object.keys(SEEDED)) {
  test(`relay matrix of the seeded "${rangeName}" range: 4 directions × with/without auth`, async () => {
    const srv = await startLab();
    try {
      const range = rangeName === 'Internet' ? await fromInternet(srv) : (await srv.call<IpRange[]>('ipRanges', 'list')).find((r) => r.name === rangeName)!;
      for (const dir of DIRS) {
        for (const authenticated of [false, true]) {
          const cell = `${rangeName} ${dir} ${authenticated ? 'authenticated' : 'anonymous'}`;
          const want = SEEDED[rangeName]![dir][authenticated ? 1 : 0];
          assert.equal(String(expectedFromMatrix(range, dir, authenticated)), String(want), `${cell}: the seeded matrix`);
          assert.match(await rcptReply(srv, range, dir, authenticated), want, cell);
        }
      }
    } finally {
      await srv.close();
    }
  });
}

test('a range that forbids directions or SMTP altogether', async () => {
  const srv = await startLab();
  try {
    const internet = await fromInternet(srv);
    const updated = await srv.call<IpRange>('ipRanges', 'update', { id: internet.id, allowExternalToLocal: false, allowLocalToExternal: false });
    assert.match(await rcptReply(srv, updated, 'E2L', false), NOT_ALLOWED);
    assert.match(await rcptReply(srv, updated, 'L2E', true), RELAY_DENIED, 'not even authenticated');
    assert.match(await rcptReply(srv, updated, 'L2L', true), OK);

    await srv.call('ipRanges', 'update', { id: internet.id, allowSmtp: false });
    const c = await LineClient.open(srv.smtpPort);
    const r = await c.reply();
    assert.match(r.text, /^554 5\.7\.1 /);
    assert.ok(await c.closedByServer());
  } finally {
    await srv.close();
  }
});
