// Shared by the outbound delivery tests: real SMTP peers (smtp-server) on 127.0.0.1 that keep
// what they receive, a smart host that wants AUTH over TLS, a fake DNS resolver, a fake clock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import nodemailer from 'nodemailer';
import type { TestServer } from '../../helpers/start-server';
import type { Resolver } from '../../../src-main/delivery/remote';

/** A message as a peer received it. */
export interface Received {
  readonly from: string;
  readonly to: string[];
  readonly data: Buffer;
}

/** smtp-server's onData that keeps each message with its envelope. */
export function keepIn(received: Received[]) {
  return (stream: NodeJS.ReadableStream, session: SMTPServerSession, cb: (err?: Error | null) => void): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks) });
      cb();
    });
  };
}

/** Listens on an ephemeral port of 127.0.0.1; resolves with the port. */
export async function listen(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as { port: number }).port;
}

/** An SMTP peer on 127.0.0.1: `answer(rcpt)` decides each RCPT (250 when it returns undefined). */
export async function peer(answer: (rcpt: string) => { code: number; text: string } | undefined = () => undefined) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, cb) {
      const a = answer(address.address);
      if (!a) return cb();
      const e = new Error(a.text) as Error & { responseCode: number };
      e.responseCode = a.code;
      cb(e);
    },
    onData: keepIn(received),
  });
  const port = await listen(server);
  return { server, port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** remoto.example has one MX, mx.remoto.example, at 127.0.0.1. */
export const resolver: Resolver = {
  resolveMx: async (domain) => {
    if (domain === 'remoto.example') return [{ exchange: 'mx.remoto.example', priority: 10 }];
    throw Object.assign(new Error(`queryMx ENOTFOUND ${domain}`), { code: 'ENOTFOUND' });
  },
  resolve4: async (host) => {
    if (host === 'mx.remoto.example' || host === 'remoto.example') return ['127.0.0.1'];
    throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  },
  resolve6: async (host) => {
    throw Object.assign(new Error(`queryAaaa ENODATA ${host}`), { code: 'ENODATA' });
  },
};

export function fakeClock(start = '2026-11-26T10:00:00Z') {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advance: (minutes: number) => (t += minutes * 60_000) };
}

export async function send(srv: TestServer, to: string, subject: string): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  await t.sendMail({ from: 'cuenta1@aula.test', to, subject, text: `Hola, ${subject}.\r\n` });
}

export function inboxTexts(srv: TestServer, address: string): string[] {
  const id = (srv.host.db.prepare('SELECT id FROM accounts WHERE address = ?').get(address) as { id: number }).id;
  return srv.host.mail.listMessages(id).map((m) => readFileSync(join(srv.dir, m.file), 'latin1'));
}

/** A smart host on 127.0.0.1 that wants AUTH (relay / app-password), over STARTTLS or implicit TLS. */
export async function smartHost(implicitTls: boolean) {
  const { generateSelfSigned } = await import('../../../src-main/security/tls/certificates');
  const cert = generateSelfSigned({ commonName: 'localhost', altNames: ['127.0.0.1'] });
  const received: Received[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    secure: implicitTls,
    key: cert.keyPem,
    cert: cert.certPem,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, session, cb) {
      if (auth.username === 'profe@gmail.example' && auth.password === 'app-password-1234') {
        logins.push(`${auth.username} tls=${session.secure}`);
        return cb(null, { user: auth.username });
      }
      cb(Object.assign(new Error('5.7.8 Username and Password not accepted'), { responseCode: 535 }));
    },
    onData: keepIn(received),
  });
  const port = await listen(server);
  return { port, received, logins, close: () => new Promise<void>((r) => server.close(() => r())) };
}

