// Utilities › MX query: where mail for a domain goes, as this server looks it up when it delivers:
// the MX records by priority with each mail server's addresses, the domain's own address when it
// has no MX (RFC 5321 §5.1), or why there is nowhere to deliver (RFC 7505 null MX, no such domain,
// no DNS server answering).
import { useState } from 'react';
import { Alert, Text, TextInput } from '@mantine/core';
import type { MxQueryResult } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { DataTable, PageFrame, Section, SubmitForm, useFeedback, type Column } from './shared';

const T = strings({
  title: 'MX query',
  intro: 'Looks up the mail servers of a domain (its MX records) the way this server does when it delivers mail there.',
  domain: 'Domain name',
  query: 'Query',
  results: 'Mail servers of {domain}',
  priority: 'Priority',
  exchange: 'Mail server',
  addresses: 'Addresses',
  noAddress: 'no address found',
  implicitTitle: 'No MX record',
  implicit: 'Mail for {domain} goes to the domain\'s own address (RFC 5321 §5.1): {addresses}',
  failed: 'Nowhere to deliver',
  took: 'Answered in {ms} ms',
  empty: 'No MX record.',
});

type Row = MxQueryResult['records'][number];

export function MxQueryPage() {
  const fb = useFeedback();
  const [domain, setDomain] = useState('');
  const [result, setResult] = useState<MxQueryResult | undefined>();

  const query = () => {
    setResult(undefined);
    return fb.run('query', () => call<MxQueryResult>('diagnostics', 'mx', { domain }), { fields: { domain: 'domain' }, after: setResult });
  };

  const columns: Column<Row>[] = [
    { header: T.priority, cell: (r) => r.priority },
    { header: T.exchange, cell: (r) => r.exchange },
    { header: T.addresses, cell: (r) => (r.addresses.length ? r.addresses.join(', ') : <Text c="dimmed" size="sm">{T.noAddress}</Text>) },
  ];

  return (
    <PageFrame title={T.title} feedback={fb}>
      <Text size="sm" c="dimmed">
        {T.intro}
      </Text>
      <SubmitForm submit={T.query} onSubmit={query} loading={fb.busy === 'query'} maw={400}>
        <TextInput label={T.domain} placeholder="example.com" value={domain} onChange={(e) => setDomain(e.currentTarget.value)} error={fb.error('domain')} />
      </SubmitForm>
      {result && (
        <Section title={fmt(T.results, { domain: result.domain })}>
          {result.error !== null ? (
            <Alert color="orange" title={T.failed}>
              {result.error}
            </Alert>
          ) : result.records.length === 0 ? (
            <Alert color="blue" title={T.implicitTitle}>
              {fmt(T.implicit, { domain: result.domain, addresses: result.implicit.join(', ') })}
            </Alert>
          ) : (
            <DataTable columns={columns} rows={result.records} rowKey={(r) => `${r.priority} ${r.exchange}`} empty={T.empty} />
          )}
          <Text size="sm" c="dimmed">
            {fmt(T.took, { ms: result.ms })}
          </Text>
        </Section>
      )}
    </PageFrame>
  );
}
