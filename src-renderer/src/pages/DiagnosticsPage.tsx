// Utilities › Diagnostics: one button runs every check of the server at once (its ports answer,
// its certificates are valid, its domains' DNS records are published, it is no open relay) and
// shows them by group, each with its outcome and what to do about it.
import { useState } from 'react';
import { Badge, Group, Loader, Text } from '@mantine/core';
import type { DiagnosticCheck, DiagnosticGroup, DiagnosticStatus, DiagnosticsReport } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { ActionButton, DataTable, PageFrame, Section, dateTime, useFeedback, type Column } from './shared';

const T = strings({
  title: 'Diagnostics',
  intro: 'Checks that mail clients and other servers can reach this server and that it is safe: every port answers, the certificates are valid, the domains\' DNS records are published, and the server is no open relay. It takes a few seconds.',
  run: 'Run diagnostics',
  running: 'Running the checks…',
  summary: '{ok} ok, {warnings} warnings, {errors} errors',
  ranAt: 'Run on {at}, in {ms} ms',
  check: 'Check',
  status: 'Status',
  detail: 'Detail',
  empty: 'Nothing to check.',
  groups: { ports: 'TCP/IP ports', certificates: 'SSL certificates', dns: 'DNS records', relay: 'Open relay' } satisfies Record<DiagnosticGroup, string>,
  statuses: { ok: 'ok', warning: 'warning', error: 'error' } satisfies Record<DiagnosticStatus, string>,
});

const GROUPS: readonly DiagnosticGroup[] = ['ports', 'certificates', 'dns', 'relay'];
const STATUS_COLOR: Record<DiagnosticStatus, string> = { ok: 'green', warning: 'yellow', error: 'red' };

type Row = DiagnosticCheck & { readonly key: number };

export function DiagnosticsPage() {
  const fb = useFeedback();
  const [report, setReport] = useState<DiagnosticsReport | undefined>();
  const running = fb.busy === 'run';

  const columns: Column<Row>[] = [
    { header: T.check, cell: (c) => c.subject },
    {
      header: T.status,
      cell: (c) => (
        <Badge color={STATUS_COLOR[c.status]} variant="light">
          {T.statuses[c.status]}
        </Badge>
      ),
    },
    { header: T.detail, cell: (c) => <Text size="sm">{c.detail}</Text> },
  ];

  const rows: Row[] = report ? report.checks.map((c, key) => ({ ...c, key })) : [];
  const count = (s: DiagnosticStatus) => rows.filter((c) => c.status === s).length;

  return (
    <PageFrame
      title={T.title}
      feedback={fb}
      actions={
        <ActionButton label={T.run} size="sm" variant="filled" feedback={fb} runKey="run" action={() => call<DiagnosticsReport>('diagnostics', 'run')} success={false} after={setReport} />
      }
    >
      <Text size="sm" c="dimmed">
        {T.intro}
      </Text>
      {running && (
        <Group gap="xs" role="status">
          <Loader size="sm" />
          <Text size="sm">{T.running}</Text>
        </Group>
      )}
      {report && !running && (
        <>
          <Group gap="md">
            <Text fw={500}>{fmt(T.summary, { ok: count('ok'), warnings: count('warning'), errors: count('error') })}</Text>
            <Text size="sm" c="dimmed">
              {fmt(T.ranAt, { at: dateTime(report.at), ms: report.ms })}
            </Text>
          </Group>
          {GROUPS.map((g) => {
            const checks = rows.filter((c) => c.group === g);
            return checks.length === 0 ? null : (
              <Section key={g} title={T.groups[g]}>
                <DataTable columns={columns} rows={checks} rowKey={(c) => c.key} empty={T.empty} minWidth={640} />
              </Section>
            );
          })}
        </>
      )}
    </PageFrame>
  );
}
