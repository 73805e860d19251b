// The shell: a header with the server state and start/stop, and hMailAdmin's settings tree as the
// navbar. Pages live under pages/; the route is the URL's hash (#/domains/3), so a page can be
// linked to and survives a reload.
import { useEffect, useState, type ReactNode } from 'react';
import { ActionIcon, AppShell, Badge, Button, Group, NavLink, ScrollArea, Select, Stack, Text, Title, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import type { Domain, ServerStatus } from '../../src-main/shared/model/entities';
import { LANGS, getLang, setLang, strings, type Lang } from './i18n';
import { call, isDesktop, onEvent, webLogout } from './api';
import { StatusPage } from './StatusPage';
import { LogPage } from './LogPage';
import { DomainsPage } from './pages/DomainsPage';
import { DomainPage } from './pages/DomainPage';
import { PortsPage } from './pages/PortsPage';
import { CertificatesPage } from './pages/CertificatesPage';
import { AutobanPage } from './pages/AutobanPage';
import { QueuePage } from './pages/QueuePage';
import { SmtpPage } from './pages/SmtpPage';
import { IpRangesPage } from './pages/IpRangesPage';
import { ProtocolsPage } from './pages/ProtocolsPage';
import { LoggingPage } from './pages/LoggingPage';
import { ServerMessagesPage } from './pages/ServerMessagesPage';
import { RoutesPage } from './pages/RoutesPage';
import { TlsPage } from './pages/TlsPage';
import { ClientSetupPage } from './pages/ClientSetupPage';
import { AccountPage } from './pages/AccountPage';
import { MxQueryPage } from './pages/MxQueryPage';
import { DiagnosticsPage } from './pages/DiagnosticsPage';
import { LabPresetsPage } from './pages/LabPresetsPage';
import { useConfigChanged } from './pages/shared';

const T = strings({
  running: 'Running',
  stopped: 'Stopped',
  start: 'Start server',
  stop: 'Stop server',
  logout: 'Log out',
  language: 'Language',
  darkTheme: 'Dark theme',
  lightTheme: 'Light theme',
  navLabel: 'Settings tree',
  nav: {
    welcome: 'Welcome',
    status: 'Status',
    log: 'Live log',
    queue: 'Delivery queue',
    domains: 'Domains',
    settings: 'Settings',
    protocols: 'Protocols',
    smtp: 'SMTP',
    pop3imap: 'POP3 and IMAP',
    routes: 'Routes',
    logging: 'Logging',
    advanced: 'Advanced',
    ports: 'TCP/IP ports',
    certificates: 'SSL certificates',
    tls: 'SSL/TLS',
    autoban: 'Auto-ban',
    ipRanges: 'IP ranges',
    messages: 'Server messages',
    utilities: 'Utilities',
    clientSetup: 'Client setup',
    mx: 'MX query',
    diagnostics: 'Diagnostics',
    presets: 'Lab presets',
  },
  welcome: {
    title: 'Welcome to Buzón',
    text: 'Add a domain, then accounts: Thunderbird or Outlook on any machine of the lab can then send and fetch mail over SMTP, POP3 and IMAP.',
    addDomain: 'Add domain',
  },
});

function useHashRoute(): [string, (to: string) => void] {
  const read = () => window.location.hash.replace(/^#/, '') || '/welcome';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return [route, (to) => (window.location.hash = to)];
}

function Welcome({ go }: { go: (to: string) => void }) {
  return (
    <Stack maw={640}>
      <Title order={2}>{T.welcome.title}</Title>
      <Text>{T.welcome.text}</Text>
      <Group>
        <Button onClick={() => go('/domains')}>{T.welcome.addDomain}</Button>
      </Group>
    </Stack>
  );
}

/** Light or dark, kept by Mantine in localStorage; the first time, the system's choice. */
function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const dark = useComputedColorScheme('light') === 'dark';
  const label = dark ? T.lightTheme : T.darkTheme;
  return (
    <ActionIcon variant="default" size="md" aria-label={label} title={label} onClick={() => setColorScheme(dark ? 'light' : 'dark')}>
      <span aria-hidden="true">{dark ? '\u2600' : '\u263E'}</span>
    </ActionIcon>
  );
}

export function App() {
  const [status, setStatus] = useState<ServerStatus | undefined>();
  const [domains, setDomains] = useState<Domain[]>([]);
  const [route, go] = useHashRoute();

  const loadDomains = () => call<Domain[]>('domains', 'list').then(setDomains, () => undefined);
  useEffect(() => {
    call<ServerStatus>('server', 'status').then(setStatus, () => undefined);
    void loadDomains();
    return onEvent('server.statusChanged', setStatus);
  }, []);
  useConfigChanged(['domains'], loadDomains);

  const toggle = () => call<ServerStatus>('server', status?.running ? 'stop' : 'start').then(setStatus, () => undefined);
  const domainMatch = /^\/domains\/(\d+)$/.exec(route);
  const accountMatch = /^\/accounts\/(\d+)$/.exec(route);
  let page: ReactNode;
  if (domainMatch) page = <DomainPage key={domainMatch[1]} domainId={Number(domainMatch[1])} />;
  else if (accountMatch) page = <AccountPage key={accountMatch[1]} accountId={Number(accountMatch[1])} />;
  else
    page = {
      '/welcome': <Welcome go={go} />,
      '/status': <StatusPage />,
      '/log': <LogPage />,
      '/queue': <QueuePage />,
      '/domains': <DomainsPage onOpen={(id) => go(`/domains/${id}`)} />,
      '/settings/smtp': <SmtpPage />,
      '/settings/ports': <PortsPage />,
      '/settings/certificates': <CertificatesPage />,
      '/settings/autoban': <AutobanPage />,
      '/settings/protocols': <ProtocolsPage />,
      '/settings/routes': <RoutesPage />,
      '/settings/logging': <LoggingPage />,
      '/settings/tls': <TlsPage />,
      '/settings/ip-ranges': <IpRangesPage />,
      '/settings/server-messages': <ServerMessagesPage />,
      '/utilities/client-setup': <ClientSetupPage />,
      '/utilities/mx': <MxQueryPage />,
      '/utilities/diagnostics': <DiagnosticsPage />,
      '/utilities/presets': <LabPresetsPage />,
    }[route] ?? <Welcome go={go} />;

  const link = (to: string, label: string, children?: ReactNode) => (
    <NavLink key={to} label={label} active={route === to} onClick={() => go(to)} defaultOpened={children !== undefined} href={`#${to}`}>
      {children}
    </NavLink>
  );

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 260, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3}>Buzón</Title>
          <Group>
            <Badge color={status?.running ? 'green' : 'gray'}>{status?.running ? T.running : T.stopped}</Badge>
            <Text size="xs" c="dimmed">
              {status?.version}
            </Text>
            <Button size="xs" onClick={toggle} disabled={!status}>
              {status?.running ? T.stop : T.start}
            </Button>
            <ThemeToggle />
            <Select aria-label={T.language} size="xs" w={120} data={[...LANGS]} value={getLang()} onChange={(v) => v && setLang(v as Lang)} allowDeselect={false} />
            {!isDesktop() && (
              <Button size="xs" variant="subtle" onClick={() => void webLogout().then(() => window.location.reload())}>
                {T.logout}
              </Button>
            )}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={T.navLabel}>
        <ScrollArea>
          {link('/welcome', T.nav.welcome)}
          {link('/status', T.nav.status)}
          {link('/log', T.nav.log)}
          {link('/queue', T.nav.queue)}
          {link(
            '/domains',
            T.nav.domains,
            domains.map((d) => link(`/domains/${d.id}`, d.name)),
          )}
          <NavLink label={T.nav.settings} defaultOpened>
            <NavLink label={T.nav.protocols} defaultOpened>
              {link('/settings/smtp', T.nav.smtp)}
              {link('/settings/routes', T.nav.routes)}
              {link('/settings/protocols', T.nav.pop3imap)}
            </NavLink>
            {link('/settings/logging', T.nav.logging)}
            <NavLink label={T.nav.advanced} defaultOpened>
              {link('/settings/autoban', T.nav.autoban)}
              {link('/settings/ip-ranges', T.nav.ipRanges)}
              {link('/settings/certificates', T.nav.certificates)}
              {link('/settings/tls', T.nav.tls)}
              {link('/settings/ports', T.nav.ports)}
              {link('/settings/server-messages', T.nav.messages)}
            </NavLink>
          </NavLink>
          <NavLink label={T.nav.utilities} defaultOpened>
            {link('/utilities/presets', T.nav.presets)}
            {link('/utilities/mx', T.nav.mx)}
            {link('/utilities/diagnostics', T.nav.diagnostics)}
            {link('/utilities/client-setup', T.nav.clientSetup)}
          </NavLink>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{page}</AppShell.Main>
    </AppShell>
  );
}
