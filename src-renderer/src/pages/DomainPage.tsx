// One domain, as hMailAdmin's domain node: its accounts, its aliases and its DKIM signing key.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Code, Group, PasswordInput, Stack, Tabs, Text, TextInput } from '@mantine/core';
import type { Account, Alias, DkimInfo, Domain } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { ConfirmButton, DataTable, PageFrame, Section, useAsync, useFeedback, yesNo, type Column, type Feedback } from './shared';

const T = {
  loadingTitle: 'Domain',
  tabAccounts: 'Accounts',
  tabAliases: 'Aliases',
  tabDkim: 'DKIM',
  actions: 'Actions',
  enabled: 'Enabled',
  remove: 'Remove',
  // Accounts
  address: 'Address',
  quota: 'Quota (MB)',
  unlimited: 'Unlimited',
  accountsEmpty: 'No accounts yet: add one below so that mail to this domain has a mailbox to go to.',
  addAccountTitle: 'Add an account',
  localPartHint: (domain: string) => `The name alone is enough: @${domain} is added.`,
  accountPassword: 'Account password',
  addAccount: 'Add account',
  removeAccountTitle: 'Remove account',
  removeAccountMessage: (a: string) => `Remove ${a}? Its mailboxes and all the mail in them are removed too.`,
  // Aliases
  aliasAddress: 'Alias address',
  target: 'Target',
  aliasesEmpty: 'No aliases yet: add one to have an address deliver to another one.',
  addAliasTitle: 'Add an alias',
  addAlias: 'Add alias',
  removeAliasTitle: 'Remove alias',
  removeAliasMessage: (a: string) => `Remove the alias ${a}? Mail to it will be refused.`,
  // DKIM
  dkimSigning: 'Signing',
  dkimOn: 'On: outgoing mail from this domain is signed.',
  dkimOff: 'Off: outgoing mail from this domain is not signed.',
  selector: 'Selector',
  algorithm: 'Algorithm',
  dkimEmpty: 'No DKIM key yet: generate one, then publish its TXT record in the DNS of this domain.',
  dkimReplace: 'A new key replaces the current one and is used at once: publish its record before sending mail.',
  generate: 'Generate key',
  recordName: 'TXT record name',
  recordValue: 'TXT record value',
};

interface DomainData {
  readonly domain: Domain;
  readonly accounts: Account[];
  readonly aliases: Alias[];
  readonly dkim: DkimInfo;
}

type Tab = 'accounts' | 'aliases' | 'dkim';

/** `name` alone becomes `name@domain`; a full address stays as typed. */
const qualify = (address: string, domain: string): string => {
  const a = address.trim();
  return a === '' || a.includes('@') ? a : `${a}@${domain}`;
};

export function DomainPage({ domainId }: { domainId: number }) {
  const fb = useFeedback();
  const [tab, setTab] = useState<Tab>('accounts');
  const data = useAsync(async (): Promise<DomainData> => {
    const domain = await call<Domain>('domains', 'get', { id: domainId });
    const [accounts, aliases, dkim] = await Promise.all([
      call<Account[]>('accounts', 'list', { domain: domain.name }),
      call<Alias[]>('aliases', 'list', { domain: domain.name }),
      call<DkimInfo>('dkim', 'get', { domainId }),
    ]);
    return { domain, accounts, aliases, dkim };
  }, [domainId]);
  const d = data.data;

  return (
    <PageFrame title={d?.domain.name ?? T.loadingTitle} feedback={fb} loadError={data.error}>
      <Tabs
        value={tab}
        onChange={(v) => {
          fb.clear();
          setTab((v as Tab | null) ?? 'accounts');
        }}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="accounts">{T.tabAccounts}</Tabs.Tab>
          <Tabs.Tab value="aliases">{T.tabAliases}</Tabs.Tab>
          <Tabs.Tab value="dkim">{T.tabDkim}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="accounts" pt="md">
          <AccountsTab data={d} fb={fb} reload={data.reload} />
        </Tabs.Panel>
        <Tabs.Panel value="aliases" pt="md">
          <AliasesTab data={d} fb={fb} reload={data.reload} />
        </Tabs.Panel>
        <Tabs.Panel value="dkim" pt="md">
          <DkimTab data={d} fb={fb} reload={data.reload} domainId={domainId} />
        </Tabs.Panel>
      </Tabs>
    </PageFrame>
  );
}

interface TabProps {
  readonly data: DomainData | undefined;
  readonly fb: Feedback;
  readonly reload: () => Promise<void>;
}

/** The add form under a tab's table: its inputs, then its submit button. */
function AddForm({ title, submit, busy, onSubmit, children }: { title: string; submit: string; busy: boolean; onSubmit: () => unknown; children: ReactNode }) {
  return (
    <Section title={title}>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void onSubmit();
        }}
      >
        <Stack gap="sm" maw={420}>
          {children}
          <Group>
            <Button type="submit" loading={busy}>
              {submit}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function AccountsTab({ data, fb, reload }: TabProps) {
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const domain = data?.domain.name ?? '';

  const add = () =>
    fb.run('add-account', () => call<Account>('accounts', 'add', { address: qualify(address, domain), password }), {
      fields: { address: 'accountAddress', password: 'accountPassword' },
      success: true,
      after: () => {
        setAddress('');
        setPassword('');
        return reload();
      },
    });

  const columns: Column<Account>[] = [
    { header: T.address, cell: (a) => a.address },
    { header: T.quota, cell: (a) => (a.quotaMb === 0 ? T.unlimited : a.quotaMb) },
    { header: T.enabled, cell: (a) => yesNo(a.enabled) },
    {
      header: T.actions,
      cell: (a) => (
        <ConfirmButton
          label={T.remove}
          title={T.removeAccountTitle}
          message={T.removeAccountMessage(a.address)}
          loading={fb.busy === `remove-account-${a.id}`}
          onConfirm={() => fb.run(`remove-account-${a.id}`, () => call<void>('accounts', 'remove', { id: a.id }), { success: true, after: reload })}
        />
      ),
    },
  ];

  return (
    <Stack gap="lg">
      <DataTable columns={columns} rows={data?.accounts} rowKey={(a) => a.id} empty={T.accountsEmpty} />
      <AddForm title={T.addAccountTitle} submit={T.addAccount} busy={fb.busy === 'add-account'} onSubmit={add}>
        <TextInput
          label={T.address}
          description={domain ? T.localPartHint(domain) : undefined}
          value={address}
          onChange={(e) => setAddress(e.currentTarget.value)}
          error={fb.error('accountAddress')}
        />
        <PasswordInput label={T.accountPassword} value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fb.error('accountPassword')} autoComplete="new-password" />
      </AddForm>
    </Stack>
  );
}

function AliasesTab({ data, fb, reload }: TabProps) {
  const [address, setAddress] = useState('');
  const [target, setTarget] = useState('');
  const domain = data?.domain.name ?? '';

  const add = () =>
    fb.run('add-alias', () => call<Alias>('aliases', 'add', { address: qualify(address, domain), target: qualify(target, domain) }), {
      fields: { address: 'aliasAddress', target: 'aliasTarget' },
      success: true,
      after: () => {
        setAddress('');
        setTarget('');
        return reload();
      },
    });

  const columns: Column<Alias>[] = [
    { header: T.aliasAddress, cell: (a) => a.address },
    { header: T.target, cell: (a) => a.target },
    { header: T.enabled, cell: (a) => yesNo(a.enabled) },
    {
      header: T.actions,
      cell: (a) => (
        <ConfirmButton
          label={T.remove}
          title={T.removeAliasTitle}
          message={T.removeAliasMessage(a.address)}
          loading={fb.busy === `remove-alias-${a.id}`}
          onConfirm={() => fb.run(`remove-alias-${a.id}`, () => call<void>('aliases', 'remove', { id: a.id }), { success: true, after: reload })}
        />
      ),
    },
  ];

  return (
    <Stack gap="lg">
      <DataTable columns={columns} rows={data?.aliases} rowKey={(a) => a.id} empty={T.aliasesEmpty} />
      <AddForm title={T.addAliasTitle} submit={T.addAlias} busy={fb.busy === 'add-alias'} onSubmit={add}>
        <TextInput
          label={T.aliasAddress}
          description={domain ? T.localPartHint(domain) : undefined}
          value={address}
          onChange={(e) => setAddress(e.currentTarget.value)}
          error={fb.error('aliasAddress')}
        />
        <TextInput label={T.target} value={target} onChange={(e) => setTarget(e.currentTarget.value)} error={fb.error('aliasTarget')} />
      </AddForm>
    </Stack>
  );
}

function DkimTab({ data, fb, reload, domainId }: TabProps & { domainId: number }) {
  const dkim = data?.dkim;
  const record = dkim?.record ?? null;
  const generate = () => fb.run('dkim', () => call<DkimInfo>('dkim', 'generate', { domainId }), { success: true, after: reload });

  return (
    <Stack gap="md">
      {dkim && (
        <Text size="sm">
          {T.dkimSigning}: {dkim.enabled && record ? T.dkimOn : T.dkimOff}
        </Text>
      )}
      {dkim && !record && <Text c="dimmed">{T.dkimEmpty}</Text>}
      {record && (
        <Stack gap="xs">
          <Text size="sm">
            {T.selector}: <Code>{dkim?.selector}</Code> · {T.algorithm}: <Code>{dkim?.algorithm}</Code>
          </Text>
          <Text size="sm" fw={500}>
            {T.recordName}
          </Text>
          <Code block>{record.name}</Code>
          <Text size="sm" fw={500}>
            {T.recordValue}
          </Text>
          <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {record.value}
          </Code>
          <Text size="sm" c="dimmed">
            {T.dkimReplace}
          </Text>
        </Stack>
      )}
      <Group>
        <Button onClick={() => void generate()} loading={fb.busy === 'dkim'} disabled={!dkim}>
          {T.generate}
        </Button>
      </Group>
    </Stack>
  );
}
