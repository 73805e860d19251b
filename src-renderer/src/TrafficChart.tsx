// The Status page's traffic chart: the last hour minute by minute (messages accepted and rejected,
// sessions per protocol) as an inline SVG, so no chart library is needed. The picture has one
// accessible name that says the totals; the legend under it says them too, for sighted readers.
import { Group, Stack, Text } from '@mantine/core';
import type { CounterKey, TrafficSample } from '../../src-main/shared/model/entities';
import { fmt, strings } from './i18n';

const T = strings({
  summary: 'Traffic in the last 60 minutes: {accepted} messages accepted, {rejected} rejected; sessions: {smtp} SMTP, {pop3} POP3, {imap} IMAP',
  perMinute: 'per minute',
  lastHour: 'last 60 minutes',
  series: { messagesAccepted: 'Messages accepted', messagesRejected: 'Messages rejected', smtpSessions: 'SMTP sessions', pop3Sessions: 'POP3 sessions', imapSessions: 'IMAP sessions' } satisfies Record<Series, string>,
});

/** The counters drawn: all but failed logons (the Status page shows their total). */
type Series = Exclude<CounterKey, 'authFailures'>;
const SERIES: readonly { key: Series; color: string; dash?: string }[] = [
  { key: 'messagesAccepted', color: 'var(--mantine-color-green-6)' },
  { key: 'messagesRejected', color: 'var(--mantine-color-red-6)' },
  { key: 'smtpSessions', color: 'var(--mantine-color-blue-6)', dash: '4 3' },
  { key: 'pop3Sessions', color: 'var(--mantine-color-grape-6)', dash: '4 3' },
  { key: 'imapSessions', color: 'var(--mantine-color-orange-6)', dash: '4 3' },
];

// Drawing area in viewBox units; the SVG scales to its container's width.
const W = 640;
const H = 200;
const LEFT = 34;
const RIGHT = 8;
const TOP = 16;
const BOTTOM = 34;
const PW = W - LEFT - RIGHT;
const PH = H - TOP - BOTTOM;
const LABEL = { fontSize: 10, fill: 'var(--mantine-color-dimmed)' };

/** A round top for the y axis: 4, 10, 20, 50, 100 … at least `max`. */
function niceMax(max: number): number {
  if (max <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((f) => f * p).find((v) => v >= max)!;
}

const item = (key: Series, n: number): string => `${T.series[key]}: ${n}`;
const hhmm = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function TrafficChart({ samples }: { samples: readonly TrafficSample[] }) {
  const total = (k: Series) => samples.reduce((n, s) => n + s[k], 0);
  const top = niceMax(Math.max(0, ...samples.flatMap((s) => SERIES.map(({ key }) => s[key]))));
  const step = PW / Math.max(1, samples.length - 1);
  const x = (i: number) => LEFT + i * step;
  const y = (v: number) => TOP + PH - (v / top) * PH;
  const label = fmt(T.summary, {
    accepted: total('messagesAccepted'),
    rejected: total('messagesRejected'),
    smtp: total('smtpSessions'),
    pop3: total('pop3Sessions'),
    imap: total('imapSessions'),
  });
  return (
    <Stack gap={4}>
      <svg role="img" aria-label={label} viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxHeight: 260, display: 'block' }}>
        <text x={4} y={10} style={LABEL}>
          {T.perMinute}
        </text>
        {[0, top / 2, top].map((v) => (
          <g key={v}>
            <line x1={LEFT} x2={W - RIGHT} y1={y(v)} y2={y(v)} style={{ stroke: 'var(--mantine-color-default-border)', strokeWidth: 1 }} />
            <text x={LEFT - 4} y={y(v) + 3} textAnchor="end" style={LABEL}>
              {v}
            </text>
          </g>
        ))}
        {samples.map((s, i) =>
          // A tick every quarter of an hour (by the clock), and one for now.
          new Date(s.at).getMinutes() % 15 === 0 || i === samples.length - 1 ? (
            <text key={s.at} x={x(i)} y={TOP + PH + 14} textAnchor={i === samples.length - 1 ? 'end' : 'middle'} style={LABEL}>
              {hhmm(s.at)}
            </text>
          ) : null,
        )}
        <text x={LEFT + PW / 2} y={H - 4} textAnchor="middle" style={LABEL}>
          {T.lastHour}
        </text>
        {SERIES.map(({ key, color, dash }) => (
          <polyline
            key={key}
            fill="none"
            points={samples.map((s, i) => `${x(i).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ')}
            style={{ stroke: color, strokeWidth: 1.75, strokeDasharray: dash, strokeLinejoin: 'round' }}
          />
        ))}
        {/* One hover strip per minute: its exact numbers as a tooltip. */}
        {samples.map((s, i) => (
          <rect key={s.at} x={x(i) - step / 2} y={TOP} width={step} height={PH} fill="transparent">
            <title>{`${hhmm(s.at)} · ${SERIES.map(({ key }) => item(key, s[key])).join(' · ')}`}</title>
          </rect>
        ))}
      </svg>
      <Group gap="md" justify="center">
        {SERIES.map(({ key, color, dash }) => (
          <Group key={key} gap={6} wrap="nowrap">
            <svg width={18} height={8} aria-hidden>
              <line x1={0} x2={18} y1={4} y2={4} style={{ stroke: color, strokeWidth: 2.5, strokeDasharray: dash }} />
            </svg>
            <Text size="xs">{item(key, total(key))}</Text>
          </Group>
        ))}
      </Group>
    </Stack>
  );
}
