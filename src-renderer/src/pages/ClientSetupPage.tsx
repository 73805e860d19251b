// What to type into Thunderbird or Outlook for one account (manual setup): the server, port and
// connection security of IMAP, POP3 and SMTP as this server's TCP/IP ports really are, and a
// Thunderbird autoconfig file (config-v1.1.xml) for the account's domain.
import { useState } from 'react';
import { Alert, Button, Code, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { Account, PortSecurity, PortStatus, Protocol, ServerStatus } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { PageFrame, Section, downloadFile, useAsync, useConfigChanged, useEvent, useFeedback } from './shared';

const T = strings({
  title: 'Client setup',
  intro: 'Choose an account to see what to type into Thunderbird or Outlook (manual setup).',
  account: 'Account',
  accountPlaceholder: 'Choose an account',
  noAccounts: 'No accounts yet: add a domain and an account under Domains, then come back here.',
  serverName: 'Server name',
  serverNameHint: 'The name or IP address the clients reach this server by; change it if the lab machines know it otherwise.',
  imap: 'Incoming mail (IMAP)',
  pop3: 'Incoming mail (POP3)',
  smtp: 'Outgoing mail (SMTP)',
  server: 'Server',
  port: 'Port',
  security: 'Connection security',
  authentication: 'Authentication method',
  normalPassword: 'Normal password',
  username: 'User name',
  noPort: 'No {protocol} port is enabled: enable one under TCP/IP ports.',
  notListening: 'Port {port} is not listening now: start the server, or see TCP/IP ports.',
  inClear: 'Without SSL/TLS or STARTTLS the password crosses the network in clear.',
  outlook: 'Outlook: leave "Require logon using Secure Password Authentication (SPA)" off, and tick "My outgoing server (SMTP) requires authentication" (same settings as the incoming server).',
  autoconfig: 'Thunderbird autoconfig',
  download: 'Download Thunderbird autoconfig',
  downloadHint:
    'Thunderbird looks for this file at http://autoconfig.{domain}/mail/config-v1.1.xml, or at https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml: published there, the account sets itself up from the address and password alone.',
  securities: { tls: 'SSL/TLS', 'starttls-required': 'STARTTLS', 'starttls-optional': 'STARTTLS', none: 'None' } satisfies Record<PortSecurity, string>,
});

/** `socketType` of config-v1.1.xml for each connection security. */
const SOCKET_TYPE: Record<PortSecurity, 'SSL' | 'STARTTLS' | 'plain'> = { tls: 'SSL', 'starttls-required': 'STARTTLS', 'starttls-optional': 'STARTTLS', none: 'plain' };

/** Implicit TLS first, then STARTTLS, plain last. */
const SECURITY_RANK: Record<PortSecurity, number> = { tls: 0, 'starttls-required': 1, 'starttls-optional': 2, none: 3 };

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

interface SetupData {
  readonly accounts: Account[];
  readonly status: ServerStatus;
}

/** What a client is told for one protocol. */
interface Endpoint {
  readonly protocol: Protocol;
  readonly port: number;
  readonly security: PortSecurity;
  readonly listening: boolean;
}

/**
 * The port a client should use for `protocol`: an enabled one, listening before not, on all
 * addresses before loopback, for SMTP submission (587, 465) before 25, implicit TLS before STARTTLS.
 */
function pickEndpoint(ports: readonly PortStatus[], protocol: Protocol): Endpoint | undefined {
  const score = (p: PortStatus): number[] => [p.state === 'listening' ? 0 : 1, LOOPBACK.test(p.address) ? 1 : 0, protocol === 'smtp' && p.port === 25 ? 1 : 0, SECURITY_RANK[p.security]];
  const compare = (a: PortStatus, b: PortStatus): number => {
    const sa = score(a);
    const sb = score(b);
    return sa.map((x, i) => x - (sb[i] ?? 0)).find((d) => d !== 0) ?? 0;
  };
  const best = ports.filter((p) => p.protocol === protocol && p.enabled).sort(compare)[0];
  return best && { protocol, port: best.boundPort ?? best.port, security: best.security, listening: best.state === 'listening' };
}

/** The host this page was opened on, unless it is this machine only; else the server's host name. */
function defaultHost(status: ServerStatus | undefined): string {
  const here = window.location.hostname;
  if (here !== '' && !LOOPBACK.test(here)) return here;
  return status?.hostName || here || 'localhost';
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Thunderbird's autoconfig file (config-v1.1.xml) for `domain`. */
function autoconfig(domain: string, host: string, endpoints: readonly Endpoint[]): string {
  const server = (e: Endpoint) => {
    const tag = e.protocol === 'smtp' ? 'outgoingServer' : 'incomingServer';
    return [
      `    <${tag} type="${e.protocol}">`,
      `      <hostname>${xml(host)}</hostname>`,
      `      <port>${e.port}</port>`,
      `      <socketType>${SOCKET_TYPE[e.security]}</socketType>`,
      '      <username>%EMAILADDRESS%</username>',
      '      <authentication>password-cleartext</authentication>',
      `    </${tag}>`,
    ].join('\n');
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${xml(domain)}">`,
    `    <domain>${xml(domain)}</domain>`,
    `    <displayName>${xml(domain)}</displayName>`,
    `    <displayShortName>${xml(domain)}</displayShortName>`,
    ...endpoints.map(server),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}

export function ClientSetupPage() {
  const fb = useFeedback();
  const data = useAsync(async (): Promise<SetupData> => {
    // The status's listeners are the TCP/IP ports with the state they really got.
    const [accounts, status] = await Promise.all([call<Account[]>('accounts', 'list'), call<ServerStatus>('server', 'status')]);
    return { accounts, status };
  }, []);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [host, setHost] = useState<string | undefined>();

  // A listener that starts or fails, and a burst of changes, make one reload.
  useEvent('server.statusChanged', useConfigChanged(['accounts', 'domains', 'ports', 'settings'], data.reload));

  const d = data.data;
  const account = d?.accounts.find((a) => String(a.id) === accountId);
  const serverName = host ?? defaultHost(d?.status);
  const domain = account ? account.address.slice(account.address.lastIndexOf('@') + 1) : '';
  const protocols: readonly { protocol: Protocol; title: string }[] = [
    { protocol: 'imap', title: T.imap },
    { protocol: 'pop3', title: T.pop3 },
    { protocol: 'smtp', title: T.smtp },
  ];
  const endpoints = d ? protocols.map((p) => ({ ...p, endpoint: pickEndpoint(d.status.listeners, p.protocol) })) : [];
  const downloadAutoconfig = () => {
    const found = endpoints.flatMap((e) => (e.endpoint ? [e.endpoint] : []));
    downloadFile('config-v1.1.xml', autoconfig(domain, serverName, found), 'application/xml');
  };

  return (
    <PageFrame title={T.title} feedback={fb} loadError={data.error}>
      {d && d.accounts.length === 0 ? (
        <Text c="dimmed">{T.noAccounts}</Text>
      ) : (
        <Stack gap="md">
          <Text size="sm">{T.intro}</Text>
          <SimpleGrid cols={{ base: 1, md: 2 }} maw={800}>
            <Select
              label={T.account}
              placeholder={T.accountPlaceholder}
              data={(d?.accounts ?? []).map((a) => ({ value: String(a.id), label: a.address }))}
              value={accountId}
              onChange={setAccountId}
              searchable
              nothingFoundMessage={T.noAccounts}
            />
            <TextInput label={T.serverName} description={T.serverNameHint} value={serverName} onChange={(e) => setHost(e.currentTarget.value)} spellCheck={false} />
          </SimpleGrid>
        </Stack>
      )}
      {account && (
        <>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            {endpoints.map(({ protocol, title, endpoint }) => (
              <EndpointCard key={protocol} title={title} protocol={protocol} endpoint={endpoint} host={serverName} username={account.address} />
            ))}
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            {T.outlook}
          </Text>
          <Section title={T.autoconfig} description={fmt(T.downloadHint, { domain })}>
            <Group>
              <Button onClick={downloadAutoconfig}>{T.download}</Button>
            </Group>
          </Section>
        </>
      )}
    </PageFrame>
  );
}

/** The settings of one protocol, as the client's manual setup asks for them. */
function EndpointCard({ title, protocol, endpoint, host, username }: { title: string; protocol: Protocol; endpoint: Endpoint | undefined; host: string; username: string }) {
  const rows: readonly [string, string][] = endpoint
    ? [
        [T.server, host],
        [T.port, String(endpoint.port)],
        [T.security, T.securities[endpoint.security]],
        [T.authentication, T.normalPassword],
        [T.username, username],
      ]
    : [];
  return (
    <Stack gap="xs">
      <Title order={4}>{title}</Title>
      {endpoint ? (
        <Table withTableBorder aria-label={title}>
          <Table.Tbody>
            {rows.map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th scope="row">{label}</Table.Th>
                <Table.Td>
                  <Code>{value}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Alert color="yellow" role="status">
          {fmt(T.noPort, { protocol: protocol.toUpperCase() })}
        </Alert>
      )}
      {endpoint && !endpoint.listening && (
        <Text size="sm" c="orange">
          {fmt(T.notListening, { port: endpoint.port })}
        </Text>
      )}
      {endpoint?.security === 'none' && (
        <Text size="sm" c="orange">
          {T.inClear}
        </Text>
      )}
    </Stack>
  );
}
