// Live log: the server's log lines as they happen, filtered by protocol or text, with pause.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Group, SegmentedControl, Stack, TextInput, Title } from '@mantine/core';
import type { LogEntry } from '../../src-main/shared/model/entities';
import { call, onEvent } from './api';
import { strings } from './i18n';

const T = strings({ title: 'Live log', filter: 'Filter', pause: 'Pause', resume: 'Resume', all: 'All' });
const KEEP = 1000;

export function LogPage() {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [svc, setSvc] = useState('all');
  const [text, setText] = useState('');
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(false);
  pausedRef.current = paused;
  useEffect(() => {
    // Lines that arrive while the backlog is on its way are kept, not overwritten by it.
    const key = (e: LogEntry) => `${e.time}|${e.svc}|${e.msg}`;
    call<LogEntry[]>('logs', 'recent', { limit: 300 }).then(
      (backlog) =>
        setEntries((live) => {
          const seen = new Set(backlog.map(key));
          return [...backlog, ...live.filter((e) => !seen.has(key(e)))].slice(-KEEP);
        }),
      () => undefined,
    );
    return onEvent('log.entry', (e) => {
      if (!pausedRef.current) setEntries((l) => [...l.slice(-(KEEP - 1)), e]);
    });
  }, []);
  const shown = useMemo(() => {
    const needle = text.toLowerCase();
    return entries.filter((e) => (svc === 'all' || e.svc === svc) && (!needle || JSON.stringify(e).toLowerCase().includes(needle)));
  }, [entries, svc, text]);
  return (
    <Stack>
      <Title order={3}>{T.title}</Title>
      <Group>
        <SegmentedControl value={svc} onChange={setSvc} data={[{ value: 'all', label: T.all }, 'smtp', 'pop3', 'imap', 'delivery', 'admin', 'app']} />
        <TextInput placeholder={T.filter} aria-label={T.filter} value={text} onChange={(e) => setText(e.currentTarget.value)} />
        <Button variant="light" onClick={() => setPaused((p) => !p)}>
          {paused ? T.resume : T.pause}
        </Button>
      </Group>
      <pre data-testid="log" style={{ maxHeight: '70vh', overflow: 'auto', fontSize: 12, margin: 0 }}>
        {shown.map((e) => `${e.time} ${e.level.padEnd(5)} ${e.svc.padEnd(8)} ${e.ip ? `[${e.ip}] ` : ''}${e.msg}`).join('\n')}
      </pre>
    </Stack>
  );
}
