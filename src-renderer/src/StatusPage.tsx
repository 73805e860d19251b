// Status: the server, its listeners with the ports they got, the counters and what needs
// attention (certificate expiry …). Start/stop is in the header.
import { useEffect, useState } from 'react';
import { Alert, Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ServerStatus } from '../../src-main/shared/model/entities';
import { strings } from './i18n';
import { call, onEvent } from './api';
import { listenerStateLabel } from './pages/shared';

const T = strings({
  title: 'Status',
  ports: 'TCP/IP ports',
  protocol: 'Protocol',
  address: 'Address',
  port: 'Port',
  security: 'Security',
  state: 'State',
  counters: { smtpSessions: 'SMTP sessions', pop3Sessions: 'POP3 sessions', imapSessions: 'IMAP sessions', messagesAccepted: 'Messages accepted', messagesRejected: 'Messages rejected', authFailures: 'Failed logons' },
});

export function StatusPage() {
  const [status, setStatus] = useState<ServerStatus | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const load = () => call<ServerStatus>('server', 'status').then(setStatus, (e: Error) => setError(e.message));
    load();
    const offs = [onEvent('server.statusChanged', setStatus), onEvent('config.changed', load)];
    return () => offs.forEach((off) => off());
  }, []);
  return (
    <Stack>
      <Title order={3}>{T.title}</Title>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {status?.warnings.map((w) => (
        <Alert key={w} color="yellow" role="status">
          {w}
        </Alert>
      ))}
      {status && (
        <SimpleGrid cols={{ base: 2, md: 3 }}>
          {(Object.keys(T.counters) as (keyof typeof T.counters)[]).map((k) => (
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
      <Title order={4}>{T.ports}</Title>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{T.protocol}</Table.Th>
            <Table.Th>{T.address}</Table.Th>
            <Table.Th>{T.port}</Table.Th>
            <Table.Th>{T.security}</Table.Th>
            <Table.Th>{T.state}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {status?.listeners.map((l) => (
            <Table.Tr key={l.id}>
              <Table.Td>{l.protocol.toUpperCase()}</Table.Td>
              <Table.Td>{l.address}</Table.Td>
              <Table.Td>{l.boundPort ?? l.port}</Table.Td>
              <Table.Td>{l.security}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <Badge color={l.state === 'listening' ? 'green' : l.state === 'failed' ? 'red' : 'gray'}>{listenerStateLabel(l.state)}</Badge>
                  {l.error && <Text size="xs">{l.error}</Text>}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
