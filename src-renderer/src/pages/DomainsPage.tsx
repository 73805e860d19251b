// hMailAdmin's "Domains" node: the domains this server receives mail for, add one, remove one.
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Group, TextInput } from '@mantine/core';
import type { Domain } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { DataTable, PageFrame, RemoveButton, Section, useAsync, useFeedback, yesNo, type Column } from './shared';

const T = strings({
  title: 'Domains',
  name: 'Name',
  enabled: 'Enabled',
  accounts: 'Accounts',
  actions: 'Actions',
  empty: 'No domains yet: add one to start receiving mail.',
  addTitle: 'Add a domain',
  domainName: 'Domain name',
  domainNamePlaceholder: 'example.com',
  add: 'Add domain',
  removeTitle: 'Remove domain',
  removeMessage: 'Remove {name}? Its accounts, aliases and distribution lists, and the mail in them, are removed too.',
});

export function DomainsPage({ onOpen }: { onOpen?: (domainId: number) => void }) {
  const domains = useAsync(() => call<Domain[]>('domains', 'list'), []);
  const fb = useFeedback();
  const [name, setName] = useState('');

  const add = async (e: FormEvent) => {
    e.preventDefault();
    await fb.run('add', () => call<Domain>('domains', 'add', { name }), {
      fields: { name: 'name' },
      success: true,
      after: () => {
        setName('');
        return domains.reload();
      },
    });
  };

  const columns: Column<Domain>[] = [
    {
      header: T.name,
      cell: (d) =>
        onOpen ? (
          <Anchor component="button" type="button" onClick={() => onOpen(d.id)}>
            {d.name}
          </Anchor>
        ) : (
          d.name
        ),
    },
    { header: T.enabled, cell: (d) => yesNo(d.enabled) },
    { header: T.accounts, cell: (d) => d.accountCount },
    {
      header: T.actions,
      cell: (d) => (
<RemoveButton feedback={fb} ns="domains" id={d.id} title={T.removeTitle} message={fmt(T.removeMessage, { name: d.name })} after={domains.reload} />
      ),
    },
  ];

  return (
    <PageFrame title={T.title} feedback={fb} loadError={domains.error}>
      <DataTable columns={columns} rows={domains.data} rowKey={(d) => d.id} empty={T.empty} />
      <Section title={T.addTitle}>
        <form onSubmit={(e) => void add(e)}>
          <Group align="flex-start">
            <TextInput label={T.domainName} placeholder={T.domainNamePlaceholder} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fb.error('name')} />
            <Button type="submit" mt={24} loading={fb.busy === 'add'}>
              {T.add}
            </Button>
          </Group>
        </form>
      </Section>
    </PageFrame>
  );
}
