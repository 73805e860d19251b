// One domain, as hMailAdmin's domain node: its accounts, its aliases and its DKIM signing key.
import { useState } from 'react';
import { Button, Code, Group, PasswordInput, Stack, Tabs, Text, TextInput } from '@mantine/core';
import type { Account, Alias, DkimInfo, Domain } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { DataTable, PageFrame, RemoveButton, Section, SubmitForm, useAsync, useFeedback, yesNo, type Column, type Feedback } from './shared';

const T = strings({
  loadingTitle: 'Domain',
  tabAccounts: 'Accounts',
  tabAliases: 'Aliases',
  tabDkim: 'DKIM',
  actions: 'Actions',
  enabled: 'Enabled',
  // Accounts
  address: 'Address',
  quota: 'Quota (MB)',
  size: 'Size',
  kb: '{n} KB',
  unlimited: 'Unlimited',
  accountsEmpty: 'No accounts yet: add one below so that mail to this domain has a mailbox to go to.',
  addAccountTitle: 'Add an account',
  localPartHint: 'The name alone is enough: @{domain} is added.',
  accountPassword: 'Account password',
  addAccount: 'Add account',
  removeAccountTitle: 'Remove account',
  removeAccountMessage: 'Remove {address}? Its mailboxes and all the mail in them are removed too.',
  // Aliases
  aliasAddress: 'Alias address',
  target: 'Target',
  aliasesEmpty: 'No aliases yet: add one to have an address deliver to another one.',
  addAliasTitle: 'Add an alias',
  addAlias: 'Add alias',
  removeAliasTitle: 'Remove alias',
  removeAliasMessage: 'Remove the alias {address}? Mail to it will be refused.',
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
});

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
          <AddressTab spec={accountsTab()} data={d} fb={fb} reload={data.reload} />
        </Tabs.Panel>
        <Tabs.Panel value="aliases" pt="md">
          <AddressTab spec={aliasesTab()} data={d} fb={fb} reload={data.reload} />
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

/** What differs between the Accounts and Aliases tabs; the rest is AddressTab. */
interface AddressTabSpec<R> {
  /** The API namespace. */
  readonly ns: 'accounts' | 'aliases';
  readonly rows: (d: DomainData) => readonly R[];
  /** The columns between Address and Enabled. */
  readonly columns: readonly Column<R>[];
  readonly empty: string;
  readonly removeTitle: string;
  /** With `{address}` for the row's address. */
  readonly removeMessage: string;
  readonly addTitle: string;
  readonly addLabel: string;
  readonly addressLabel: string;
  /** The second input of the add form: the account's password, the alias's target. */
  readonly second: { readonly field: 'password' | 'target'; readonly label: string; readonly secret: boolean };
}

interface AddressRow {
  readonly id: number;
  readonly address: string;
  readonly enabled: boolean;
}

/** The Accounts tab (its strings read in the current language, so built while rendering). */
const accountsTab = (): AddressTabSpec<Account> => ({
  ns: 'accounts',
  rows: (d) => d.accounts,
  columns: [
    { header: T.size, cell: (a) => fmt(T.kb, { n: Math.ceil(a.sizeBytes / 1024) }) },
    { header: T.quota, cell: (a) => (a.quotaMb === 0 ? T.unlimited : a.quotaMb) },
  ],
  empty: T.accountsEmpty,
  removeTitle: T.removeAccountTitle,
  removeMessage: T.removeAccountMessage,
  addTitle: T.addAccountTitle,
  addLabel: T.addAccount,
  addressLabel: T.address,
  second: { field: 'password', label: T.accountPassword, secret: true },
});

/** The Aliases tab. */
const aliasesTab = (): AddressTabSpec<Alias> => ({
  ns: 'aliases',
  rows: (d) => d.aliases,
  columns: [{ header: T.target, cell: (a) => a.target }],
  empty: T.aliasesEmpty,
  removeTitle: T.removeAliasTitle,
  removeMessage: T.removeAliasMessage,
  addTitle: T.addAliasTitle,
  addLabel: T.addAlias,
  addressLabel: T.aliasAddress,
  second: { field: 'target', label: T.target, secret: false },
});

/**
 * A tab of the domain's addresses (accounts, aliases): the table with Enabled and Remove on each
 * row, and the add form under it (an address, the name alone being enough, and a second input),
 * emptied after an add.
 */
function AddressTab<R extends AddressRow>({ spec, data, fb, reload }: TabProps & { spec: AddressTabSpec<R> }) {
  const [address, setAddress] = useState('');
  const [second, setSecond] = useState('');
  const domain = data?.domain.name ?? '';
  const { ns } = spec;
  const addKey = `add-${ns}`;
  /** The inputs' names for their field errors. */
  const inputs = { address: `${ns}-address`, [spec.second.field]: `${ns}-second` };

  const add = () =>
    fb.run(addKey, () => call<R>(ns, 'add', { address: qualify(address, domain), [spec.second.field]: spec.second.secret ? second : qualify(second, domain) }), {
      fields: inputs,
      success: true,
      after: () => {
        setAddress('');
        setSecond('');
        return reload();
      },
    });

  const columns: Column<R>[] = [
    { header: spec.addressLabel, cell: (r) => r.address },
    ...spec.columns,
    { header: T.enabled, cell: (r) => yesNo(r.enabled) },
    { header: T.actions, cell: (r) => <RemoveButton feedback={fb} ns={ns} id={r.id} title={spec.removeTitle} message={fmt(spec.removeMessage, { address: r.address })} after={reload} /> },
  ];
  const SecondInput = spec.second.secret ? PasswordInput : TextInput;

  return (
    <Stack gap="lg">
      <DataTable columns={columns} rows={data && spec.rows(data)} rowKey={(r) => r.id} empty={spec.empty} />
      <Section title={spec.addTitle}>
        <SubmitForm submit={spec.addLabel} onSubmit={add} loading={fb.busy === addKey} maw={420}>
          <TextInput
            label={spec.addressLabel}
            description={domain ? fmt(T.localPartHint, { domain }) : undefined}
            value={address}
            onChange={(e) => setAddress(e.currentTarget.value)}
            error={fb.error(`${ns}-address`)}
          />
          <SecondInput
            label={spec.second.label}
            value={second}
            onChange={(e) => setSecond(e.currentTarget.value)}
            error={fb.error(`${ns}-second`)}
            autoComplete={spec.second.secret ? 'new-password' : undefined}
          />
        </SubmitForm>
      </Section>
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
