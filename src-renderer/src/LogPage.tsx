// Live log: the server's log lines as they happen, narrowed by service, session, IP address or
// text (a session or an address in a line filters by it when clicked), with pause (new lines wait
// and are counted) and clear. The page keeps the last lines only, and draws arrivals in batches
// so that a busy server does not re-render it once per line.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { Badge, Box, Button, Group, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import type { LogEntry } from '../../src-main/shared/model/entities';
import { call, onEvent } from './api';
import { fmt, strings } from './i18n';

const T = strings({
  title: 'Live log',
  filter: 'Filter',
  service: 'Service',
  session: 'Session',
  ip: 'IP address',
  pause: 'Pause',
  resume: 'Resume',
  clear: 'Clear view',
  showAll: 'Show all',
  all: 'All',
  services: { delivery: 'Delivery', admin: 'Admin', app: 'Server' },
  newLine: '1 new line',
  newLines: '{n} new lines',
  count: '{shown} of {total} lines',
  bySession: 'Show only session {sid}',
  byIp: 'Show only {ip}',
});

/** Lines kept on the page (and waiting while paused). */
const KEEP = 2000;
/** Arrivals are drawn together at most this often. */
const FLUSH_MS = 100;

interface Line {
  readonly n: number;
  readonly e: LogEntry;
}

const LEVEL_COLOR: Readonly<Record<string, string>> = {
  warn: 'var(--mantine-color-orange-7)',
  error: 'var(--mantine-color-red-7)',
  fatal: 'var(--mantine-color-red-9)',
  debug: 'var(--mantine-color-dimmed)',
  trace: 'var(--mantine-color-dimmed)',
};
const LINK: CSSProperties = { all: 'unset', cursor: 'pointer', color: 'var(--mantine-color-anchor)', textDecoration: 'underline dotted' };

/** Lines with a number each, their key on the page. */
const numbered = (seq: { current: number }, es: readonly LogEntry[]): Line[] => es.map((e) => ({ n: ++seq.current, e }));

/** An address typed with a trailing "." or ":" is a prefix (a subnet); otherwise it must match exactly. */
const ipMatches = (ip: string | undefined, want: string): boolean => ip !== undefined && (ip === want || (/[.:]$/.test(want) && ip.startsWith(want)));

const LogLine = memo(function LogLine({ e, onIp, onSid }: { e: LogEntry; onIp: (ip: string) => void; onSid: (sid: string) => void }) {
  const color = LEVEL_COLOR[e.level];
  return (
    <div data-level={e.level} style={color ? { color } : undefined}>
      {e.time} <span style={{ fontWeight: e.level === 'warn' || e.level === 'error' || e.level === 'fatal' ? 700 : undefined }}>{e.level.padEnd(5)}</span> {e.svc.padEnd(8)}{' '}
      {e.ip && (
        <>
          [
          <button type="button" style={LINK} aria-label={fmt(T.byIp, { ip: e.ip })} onClick={() => onIp(e.ip!)}>
            {e.ip}
          </button>
          ]{' '}
        </>
      )}
      {e.sid && (
        <>
          #
          <button type="button" style={LINK} aria-label={fmt(T.bySession, { sid: e.sid })} onClick={() => onSid(e.sid!)}>
            {e.sid}
          </button>{' '}
        </>
      )}
      {e.user && `<${e.user}> `}
      {e.msg}
    </div>
  );
});

export function LogPage() {
  const [lines, setLines] = useState<Line[]>([]);
  const [svc, setSvc] = useState('all');
  const [text, setText] = useState('');
  const [ip, setIp] = useState('');
  const [sid, setSid] = useState('');
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const pausedRef = useRef(false);
  pausedRef.current = paused;
  const seq = useRef(0);
  /** Arrived, not yet on the page (waiting for the next flush, or for Resume). */
  const queue = useRef<LogEntry[]>([]);
  /** How many lines arrived since the last flush (may exceed what the queue keeps). */
  const arrived = useRef(0);

  const release = useCallback(() => {
    const batch = queue.current;
    queue.current = [];
    arrived.current = 0;
    setHeld(0);
    if (batch.length) setLines((l) => [...l, ...numbered(seq, batch)].slice(-KEEP));
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      if (pausedRef.current) setHeld(arrived.current);
      else release();
    };
    // Lines that arrive while the backlog is on its way are kept, not overwritten by it.
    const key = (e: LogEntry) => `${e.time}|${e.svc}|${e.msg}`;
    call<LogEntry[]>('logs', 'recent', { limit: 300 }).then(
      (backlog) =>
        setLines((live) => {
          const seen = new Set(backlog.map(key));
          return [...numbered(seq, backlog), ...live.filter((l) => !seen.has(key(l.e)))].slice(-KEEP);
        }),
      () => undefined,
    );
    const off = onEvent('log.entry', (e) => {
      queue.current.push(e);
      if (queue.current.length > KEEP) queue.current.splice(0, queue.current.length - KEEP);
      arrived.current++;
      timer ??= setTimeout(flush, FLUSH_MS);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [release]);

  const togglePause = () => {
    if (paused) release();
    setPaused(!paused);
  };
  const clearView = () => {
    queue.current = [];
    arrived.current = 0;
    setHeld(0);
    setLines([]);
  };

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const wantIp = ip.trim();
    const wantSid = sid.trim();
    return lines.filter(
      ({ e }) =>
        (svc === 'all' || e.svc === svc) &&
        (!wantSid || e.sid === wantSid) &&
        (!wantIp || ipMatches(e.ip, wantIp)) &&
        (!needle || JSON.stringify(e).toLowerCase().includes(needle)),
    );
  }, [lines, svc, text, ip, sid]);

  // Follow new lines while the view is scrolled to the bottom; stay put when the reader scrolled up.
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useLayoutEffect(() => {
    if (follow.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown]);

  const filtered = svc !== 'all' || text !== '' || ip !== '' || sid !== '';
  const showAll = () => {
    setSvc('all');
    setText('');
    setIp('');
    setSid('');
  };

  return (
    <Stack>
      <Title order={3}>{T.title}</Title>
      <Group align="flex-end">
        <SegmentedControl
          aria-label={T.service}
          value={svc}
          onChange={setSvc}
          data={[
            { value: 'all', label: T.all },
            { value: 'smtp', label: 'SMTP' },
            { value: 'pop3', label: 'POP3' },
            { value: 'imap', label: 'IMAP' },
            { value: 'delivery', label: T.services.delivery },
            { value: 'admin', label: T.services.admin },
            { value: 'app', label: T.services.app },
          ]}
        />
        {/* Visible labels: a placeholder alone is gone once something is typed (or a line's address is clicked). */}
        <TextInput label={T.filter} value={text} onChange={(e) => setText(e.currentTarget.value)} />
        <TextInput label={T.ip} value={ip} onChange={(e) => setIp(e.currentTarget.value)} w={160} />
        <TextInput label={T.session} value={sid} onChange={(e) => setSid(e.currentTarget.value)} w={130} />
        {filtered && (
          <Button variant="subtle" onClick={showAll}>
            {T.showAll}
          </Button>
        )}
      </Group>
      <Group>
        <Button variant="light" onClick={togglePause}>
          {paused ? T.resume : T.pause}
        </Button>
        <Button variant="default" onClick={clearView}>
          {T.clear}
        </Button>
        {paused && held > 0 && (
          <Badge color="yellow" variant="light" role="status">
            {held === 1 ? T.newLine : fmt(T.newLines, { n: held })}
          </Badge>
        )}
        <Text size="xs" c="dimmed">
          {fmt(T.count, { shown: shown.length, total: lines.length })}
        </Text>
      </Group>
      <Box
        ref={box}
        data-testid="log"
        ff="monospace"
        fz={12}
        style={{ maxHeight: '70vh', overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}
        onScroll={(ev) => {
          const el = ev.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.map((l) => (
          <LogLine key={l.n} e={l.e} onIp={setIp} onSid={setSid} />
        ))}
      </Box>
    </Stack>
  );
}
