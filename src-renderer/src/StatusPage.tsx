// Status: the server, how long it has run, its listeners with the ports they got, the counters,
// the last hour's traffic and what needs attention (certificate expiry …). Start/stop is in the
// header. Refreshed every few seconds and whenever the server starts or stops.
import { useEffect, useState } from 'react';
import { Alert, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { COUNTER_KEYS, type CounterKey, type PortStatus, type ServerStatus, type TrafficSample } from '../../src-main/shared/model/entities';
import { fmt, strings } from './i18n';
import { call, onEvent } from './api';
import { DataTable, FeedbackAlerts, ListenerStateBadge, dateTime, errorText, securityLabel, type Column } from './pages/shared';
import { TrafficChart } from './TrafficChart';

const T = strings({
  title: 'Status',
  ports: 'TCP/IP ports',
  protocol: 'Protocol',
  address: 'Address',
  port: 'Port',
  security: 'Security',
  state: 'State',
  noPorts: 'The server listens on no TCP/IP port.',
  uptime: 'Uptime',
  notRunning: 'Not running',
  since: 'since {time}',
  underMinute: 'less than a minute',
  minutes: '{m} min',
  hours: '{h} h {m} min',
  days: '{d} d {h} h',
  traffic: 'Traffic',
  counters: { smtpSessions: 'SMTP sessions', pop3Sessions: 'POP3 sessions', imapSessions: 'IMAP sessions', messagesAccepted: 'Messages accepted', messagesRejected: 'Messages rejected', authFailures: 'Failed logons' } satisfies Record<CounterKey, string>,
});

/** How often the counters, the uptime and the chart are read again. */
const REFRESH_MS = 10_000;

/** How long the server has been running, as read. */
function uptime(ms: number): string {
  const all = Math.floor(ms / 60_000);
  const d = Math.floor(all / 1440);
  const h = Math.floor((all % 1440) / 60);
  const m = all % 60;
  if (d > 0) return fmt(T.days, { d, h });
  if (h > 0) return fmt(T.hours, { h, m });
  return m > 0 ? fmt(T.minutes, { m }) : T.underMinute;
}

export function StatusPage() {
  const [status, setStatus] = useState<ServerStatus | undefined>();
  const [traffic, setTraffic] = useState<TrafficSample[] | undefined>();
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const fail = (e: unknown) => setError(errorText(e));
    const load = () =>
      call<ServerStatus>('server', 'status').then((st) => {
        setStatus(st);
        setError(undefined);
      }, fail);
    const loadTraffic = () => call<TrafficSample[]>('server', 'traffic').then(setTraffic, fail);
    void load();
    void loadTraffic();
    const timer = setInterval(() => {
      setNow(Date.now());
      void load();
      void loadTraffic();
    }, REFRESH_MS);
    const offs = [
      onEvent('server.statusChanged', (s) => {
        setStatus(s);
        setNow(Date.now());
        void loadTraffic();
      }),
      onEvent('config.changed', load),
    ];
    return () => {
      clearInterval(timer);
      offs.forEach((off) => off());
    };
  }, []);
  const columns: Column<PortStatus>[] = [
    { header: T.protocol, cell: (l) => l.protocol.toUpperCase() },
    { header: T.address, cell: (l) => l.address },
    { header: T.port, cell: (l) => l.boundPort ?? l.port },
    { header: T.security, cell: (l) => securityLabel(l.security) },
    {
      header: T.state,
      cell: (l) => (
        <Group gap="xs">
          <ListenerStateBadge state={l.state} />
          {l.error && <Text size="xs">{l.error}</Text>}
        </Group>
      ),
    },
  ];
  return (
    <Stack>
      <Title order={3}>{T.title}</Title>
      <FeedbackAlerts loadError={error} />
      {status?.warnings.map((w) => (
        <Alert key={w} color="yellow" role="status">
          {w}
        </Alert>
      ))}
      {status && (
        <Paper withBorder p="sm">
          <Text size="xs" c="dimmed">
            {T.uptime}
          </Text>
          {status.running && status.startedAt ? (
            <Group gap="xs" align="baseline">
              <Text size="xl" fw={700} data-testid="uptime">
                {uptime(Math.max(0, now - Date.parse(status.startedAt)))}
              </Text>
              <Text size="sm" c="dimmed">
                {fmt(T.since, { time: dateTime(status.startedAt) })}
              </Text>
            </Group>
          ) : (
            <Text size="xl" fw={700} data-testid="uptime">
              {T.notRunning}
            </Text>
          )}
        </Paper>
      )}
      {status && (
        <SimpleGrid cols={{ base: 2, md: 3 }}>
          {COUNTER_KEYS.map((k) => (
            <Paper key={k} withBorder p="sm">
              <Text size="xs" c="dimmed">
                {T.counters[k]}
              </Text>
              <Text size="xl" fw={700}>
                {status.counters[k]}
              </Text>
            </Paper>
          ))}
        </SimpleGrid>
      )}
      {traffic && (
        <>
          <Title order={4}>{T.traffic}</Title>
          <Paper withBorder p="sm">
            <TrafficChart samples={traffic} />
          </Paper>
        </>
      )}
      <Title order={4}>{T.ports}</Title>
      <DataTable columns={columns} rows={status?.listeners} rowKey={(l) => l.id} empty={T.noPorts} />
    </Stack>
  );
}
