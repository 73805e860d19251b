// An in-process Buzón on 127.0.0.1 with every listener on an ephemeral port, a fresh data folder,
// and the classroom lab of the course notes: domain aula.test, accounts cuenta1 and cuenta2.
import { createServerHost, type ServerHost } from '../../src-main/server/server-host';
import { validateInput } from '../../src-main/shared/ipc/validate';
import type { Clock } from '../../src-main/server/clock';
import type { Resolver } from '../../src-main/delivery/remote';
import { tempDir } from './temp-dir';

export interface TestServer {
  readonly host: ServerHost;
  readonly dir: string;
  /** Bound port of the SMTP entry configured as 25. */
  readonly smtpPort: number;
  /** Bound port of the SMTP entry configured as 587. */
  readonly submissionPort: number;
  /** Bound port of the POP3 entry configured as 110. */
  readonly pop3Port: number;
  /** Bound port of the IMAP entry configured as 143. */
  readonly imapPort: number;
  /** Calls an admin API method through the same validation every transport uses. */
  call<T = unknown>(ns: string, method: string, input?: unknown): Promise<T>;
  close(): Promise<void>;
}

export const LAB = {
  domain: 'aula.test',
  accounts: [
    { address: 'cuenta1@aula.test', password: 'secreto1' },
    { address: 'cuenta2@aula.test', password: 'secreto2' },
  ],
} as const;

export async function startServer(
  opts: { lab?: boolean; clock?: Clock; settings?: Record<string, unknown>; dir?: string; outbound?: boolean; resolver?: Resolver; mxPort?: number; watchMs?: number } = {},
): Promise<TestServer> {
  const tmp = opts.dir ? undefined : tempDir();
  const dir = opts.dir ?? tmp!.path;
  // Outbound delivery only when a test asks for it (with a fake resolver): nothing leaves 127.0.0.1.
  const host = createServerHost({
    dataDir: dir,
    ephemeralPorts: true,
    // No polling for other processes' changes unless a test asks for it.
    watchMs: opts.watchMs ?? 0,
    outbound: opts.outbound ?? false,
    ...(opts.resolver ? { resolver: opts.resolver } : {}),
    ...(opts.mxPort !== undefined ? { mxPort: opts.mxPort } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const call = async <T>(ns: string, method: string, input?: unknown): Promise<T> => {
    const valid = validateInput(ns, method, input);
    const fn = (host.api as unknown as Record<string, Record<string, (i: unknown) => unknown>>)[ns]![method]!;
    return (await fn(valid)) as T;
  };
  if (opts.lab !== false && !opts.dir) {
    await call('domains', 'add', { name: LAB.domain });
    for (const a of LAB.accounts) await call('accounts', 'add', a);
    await call('settings', 'set', { key: 'server.defaultDomain', value: LAB.domain });
  }
  if (opts.settings) await call('settings', 'update', opts.settings);
  await host.start();
  const smtpPort = host.boundPort('smtp', 25);
  const submissionPort = host.boundPort('smtp', 587);
  const pop3Port = host.boundPort('pop3', 110);
  const imapPort = host.boundPort('imap', 143);
  if (!smtpPort || !submissionPort || !pop3Port || !imapPort) throw new Error('listeners did not start: ' + JSON.stringify(host.status().listeners));
  return {
    host,
    dir,
    smtpPort,
    submissionPort,
    pop3Port,
    imapPort,
    call,
    async close() {
      await host.close();
      tmp?.remove();
    },
  };
}
