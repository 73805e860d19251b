// The traffic history of the Status page: counters sampled into per-minute deltas over the last
// hour, on a fake clock; then the real thing: messages sent over SMTP show up in the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { TrafficRecorder, type TrafficCounters } from '../../../src-main/server/traffic';
import { startServer } from '../../helpers/start-server';
import type { TrafficSample } from '../../../src-main/shared/model/entities';

function setup(start = '2026-11-26T10:00:30Z') {
  let t = Date.parse(start);
  const counters: TrafficCounters = { smtpSessions: 0, pop3Sessions: 0, imapSessions: 0, messagesAccepted: 0, messagesRejected: 0, authFailures: 0 };
  const rec = new TrafficRecorder(counters, { now: () => new Date(t) });
  return { counters, rec, advance: (seconds: number) => (t += seconds * 1000) };
}

const sum = (s: readonly { messagesAccepted: number }[]) => s.reduce((n, x) => n + x.messagesAccepted, 0);

test('60 minutes, oldest first, ending with the current one; quiet minutes are zeros', () => {
  const { rec } = setup();
  const s = rec.samples();
  assert.equal(s.length, 60);
  assert.equal(s[59]!.at, '2026-11-26T10:00:00.000Z');
  assert.equal(s[0]!.at, '2026-11-26T09:01:00.000Z');
  assert.ok(s.every((x) => x.smtpSessions === 0 && x.messagesAccepted === 0 && x.authFailures === 0));
});

test('changes land in the minute they are seen in, as deltas, and the current minute is up to date', () => {
  const { counters, rec, advance } = setup();
  counters.smtpSessions += 2;
  counters.messagesAccepted += 1;
  let s = rec.samples();
  assert.deepEqual({ ...s[59] }, { at: '2026-11-26T10:00:00.000Z', smtpSessions: 2, pop3Sessions: 0, imapSessions: 0, messagesAccepted: 1, messagesRejected: 0, authFailures: 0 });
  // Reading again books nothing twice.
  assert.equal(rec.samples()[59]!.messagesAccepted, 1);
  advance(60);
  counters.messagesAccepted += 4;
  counters.authFailures += 1;
  s = rec.samples();
  assert.equal(s[59]!.at, '2026-11-26T10:01:00.000Z');
  assert.equal(s[59]!.messagesAccepted, 4);
  assert.equal(s[59]!.authFailures, 1);
  assert.equal(s[58]!.messagesAccepted, 1, 'the previous minute keeps its own count');
  assert.equal(s[58]!.smtpSessions, 2);
  assert.equal(sum(s), 5);
});

test('minutes older than an hour drop out; the ring reuses their slot without leaking old counts', () => {
  const { counters, rec, advance } = setup();
  counters.messagesAccepted = 3;
  rec.samples();
  advance(59 * 60);
  let s = rec.samples();
  assert.equal(s[0]!.messagesAccepted, 3, 'still within the hour');
  advance(60);
  s = rec.samples();
  assert.equal(sum(s), 0, 'gone an hour later');
  assert.equal(s[59]!.at, '2026-11-26T11:00:00.000Z');
  counters.messagesAccepted += 1;
  assert.equal(rec.samples()[59]!.messagesAccepted, 1, 'same slot as 10:00, fresh count');
  // A gap of several hours: all zeros, nothing stale.
  advance(5 * 3600);
  assert.equal(sum(rec.samples()), 0);
});

test('stop and start do not count twice; a counter that goes back is treated as reset', () => {
  const { counters, rec, advance } = setup();
  rec.start();
  counters.messagesRejected += 2;
  rec.stop();
  advance(10);
  rec.start();
  rec.start();
  counters.messagesRejected += 1;
  assert.equal(rec.samples()[59]!.messagesRejected, 3);
  rec.stop();
  counters.messagesRejected = 1;
  assert.equal(rec.samples()[59]!.messagesRejected, 4);
});

test('the timer samples on its own (an unref’d interval)', async () => {
  const counters: TrafficCounters = { smtpSessions: 0, pop3Sessions: 0, imapSessions: 0, messagesAccepted: 0, messagesRejected: 0, authFailures: 0 };
  let now = Date.parse('2026-11-26T10:00:30Z');
  let looks = 0;
  const rec = new TrafficRecorder(counters, { now: () => (looks++, new Date(now)) }, 5);
  rec.start();
  counters.imapSessions = 1;
  const seen = looks;
  while (looks === seen) await new Promise((r) => setTimeout(r, 5));
  // The timer saw the session at 10:00: a first read at 10:01 must leave it there.
  now += 60_000;
  const s = rec.samples();
  assert.equal(s[58]!.imapSessions, 1);
  assert.equal(s[59]!.imapSessions, 0);
  rec.stop();
});

test('lab server: three messages over SMTP are in server.traffic() for the current minute', async () => {
  const srv = await startServer();
  try {
    const from = Date.now() - 60_000;
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
    for (let i = 1; i <= 3; i++) await t.sendMail({ from: 'cuenta1@aula.test', to: 'cuenta2@aula.test', subject: `tráfico ${i}`, text: 'Hola.\r\n' });
    t.close();
    const s = await srv.call<TrafficSample[]>('server', 'traffic');
    assert.equal(s.length, 60);
    const current = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    assert.equal(s[59]!.at, current);
    assert.equal(sum(s), 3);
    // All of it in this minute (or the one before, when the test straddled a minute boundary).
    assert.equal(sum(s.filter((x) => Date.parse(x.at) >= from)), 3);
    assert.ok(s.slice(-2).reduce((n, x) => n + x.smtpSessions, 0) >= 1);
  } finally {
    await srv.close();
  }
});
