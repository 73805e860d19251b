// A first status page: server state, the listeners with the ports they got, and the live log.
// The full hMailAdmin settings tree is built on this in the desktop-manager issue.
import { useEffect, useState } from 'react';
import { AppShell, Badge, Button, Group, Table, Text, Title } from '@mantine/core';
import type { LogEntry, ServerStatus } from '../../src-main/shared/model/entities';
import { call, onEvent } from './api';

export function App() {
  const [status, setStatus] = useState<ServerStatus | undefined>();
  const [log, setLog] = useState<LogEntry[]>([]);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    call<ServerStatus>('server', 'status').then(setStatus, (e: Error) => setError(e.message));
    call<LogEntry[]>('logs', 'recent', { limit: 100 }).then(setLog, () => undefined);
    const off1 = onEvent('server.statusChanged', setStatus);
    const off2 = onEvent('log.entry', (e) => setLog((l) => [...l.slice(-199), e]));
    return () => {
      off1();
      off2();
    };
  }, []);

  const toggle = () => call<ServerStatus>('server', status?.running ? 'stop' : 'start').then(setStatus, (e: Error) => setError(e.message));

  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3}>Buzón</Title>
          <Group>
            <Badge color={status?.running ? 'green' : 'gray'}>{status?.running ? 'Running' : 'Stopped'}</Badge>
            <Button size="xs" onClick={toggle} disabled={!status}>
              {status?.running ? 'Stop server' : 'Start server'}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        {error && <Text c="red">{error}</Text>}
        <Title order={4}>TCP/IP ports</Title>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Protocol</Table.Th>
              <Table.Th>Address</Table.Th>
              <Table.Th>Port</Table.Th>
              <Table.Th>Security</Table.Th>
              <Table.Th>State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {status?.listeners.map((l) => (
              <Table.Tr key={l.id}>
                <Table.Td>{l.protocol.toUpperCase()}</Table.Td>
                <Table.Td>{l.address}</Table.Td>
                <Table.Td>{l.boundPort ?? l.port}</Table.Td>
                <Table.Td>{l.security}</Table.Td>
                <Table.Td>{l.state + (l.error ? `: ${l.error}` : '')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Title order={4} mt="md">
          Log
        </Title>
        <pre style={{ maxHeight: 300, overflow: 'auto', fontSize: 12 }}>{log.map((e) => `${e.time} ${e.level} ${e.svc} ${e.msg}`).join('\n')}</pre>
      </AppShell.Main>
    </AppShell>
  );
}
