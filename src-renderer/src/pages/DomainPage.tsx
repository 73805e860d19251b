// One domain, as hMailAdmin's domain node: its General, Names, Limits and DKIM settings, and its
// accounts (with an import from CSV), aliases and distribution lists, one tab each.
import { useState, type ReactNode } from 'react';
import { Anchor, Code, Group, Loader, NumberInput, PasswordInput, Select, SimpleGrid, Stack, Switch, Tabs, Text, TextInput } from '@mantine/core';
import type { Account, Alias, DkimInfo, Domain } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { BulkImport } from './BulkImport';
import { ListsTab } from './ListsTab';
import { ActionButton, ConfirmActionButton, DataTable, PageFrame, RemoveButton, Section, SubmitForm, kb, numberValue, qualify, sameFields, useAsync, useDraft, useFeedback, yesNo, type Column, type Feedback } from './shared';

const T = strings({
  loadingTitle: 'Domain',
  tabGeneral: 'General',
  tabNames: 'Names',
  tabLimits: 'Limits',
  tabAccounts: 'Accounts',
  tabAliases: 'Aliases',
  tabLists: 'Distribution lists',
  tabDkim: 'DKIM',
  actions: 'Actions',
  enabled: 'Enabled',
  save: 'Save',
  // General
  domainEnabledHint: 'Off: mail for this domain is refused and its accounts cannot log on.',
  catchAll: 'Catch-all address',
  catchAllHint: 'Mail to an address of {domain} that does not exist goes here. Empty: such mail is refused.',
  plusAddressing: 'Plus addressing',
  plusAddressingHint: 'Mail to name{char}anything@{domain} is delivered to name@{domain} (to sort mail or spot who leaked an address).',
  plusAddressingChar: 'Character',
  // Names
  name: 'Name',
  namesEmpty: 'No other names: mail is accepted for {domain} only. Add a name (an old domain name, a shorter one…) to accept mail for it too, delivered to the same accounts.',
  addNameTitle: 'Add a name',
  namesHint: 'Other names of this domain: mail to an address at one of them reaches the same address at {domain}.',
  domainName: 'Domain name',
  addName: 'Add name',
  remove: 'Remove',
  removeNameTitle: 'Remove name',
  removeNameMessage: 'Remove the name {name}? Mail to its addresses will be refused.',
  // Limits
  limitsHint: 'Empty or 0: unlimited.',
  maxMessageSize: 'Max message size (KB)',
  maxMessageSizeHint: 'Larger messages to this domain are refused.',
  maxSize: 'Max size of the domain (MB)',
  maxSizeHint: 'All the mailboxes of the domain together.',
  maxAccountSize: 'Max size of an account (MB)',
  maxAccountSizeHint: 'The largest quota an account of this domain may have.',
  maxAccounts: 'Max number of accounts',
  maxAliases: 'Max number of aliases',
  maxLists: 'Max number of distribution lists',
  // Accounts
  address: 'Address',
  quota: 'Quota (MB)',
  size: 'Size',
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

/** The Limits tab's settings: sizes and counts, 0 for unlimited. */
type LimitKey = 'maxMessageSizeKb' | 'maxSizeMb' | 'maxAccountSizeMb' | 'maxAccounts' | 'maxAliases' | 'maxLists';
const LIMITS: readonly LimitKey[] = ['maxMessageSizeKb', 'maxSizeMb', 'maxAccountSizeMb', 'maxAccounts', 'maxAliases', 'maxLists'];
const PLUS_CHARS = ['+', '-', '_', '%'];

interface DomainData {
  readonly domain: Domain;
  readonly accounts: Account[];
  readonly aliases: Alias[];
  readonly dkim: DkimInfo;
}

type Tab = 'general' | 'names' | 'limits' | 'dkim' | 'accounts' | 'aliases' | 'lists';

export function DomainPage({ domainId }: { domainId: number }) {
  const fb = useFeedback();
  // The tab a domain is opened for most often.
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
  const name = d?.domain.name ?? '';
  const q = (address: string) => qualify(address, name);
  /** A tab over the domain's settings, once they have loaded. */
  const loaded = (render: (domain: Domain) => ReactNode) => (d ? render(d.domain) : <Loader size="sm" />);

  return (
    <PageFrame title={d?.domain.name ?? T.loadingTitle} feedback={fb} loadError={data.error}>
      <Tabs
        value={tab}
        onChange={(v) => {
          fb.clear();
          setTab((v as Tab | null) ?? 'accounts');
        }}
        keepMounted={false}
        // A kept panel is hidden with display:none: React's <Activity>, Mantine's default, would run
        // its effects' cleanups as if it had left (and BulkImport's cancels the import).
        keepMountedMode="display-none"
      >
        <Tabs.List>
          <Tabs.Tab value="general">{T.tabGeneral}</Tabs.Tab>
          <Tabs.Tab value="names">{T.tabNames}</Tabs.Tab>
          <Tabs.Tab value="limits">{T.tabLimits}</Tabs.Tab>
          <Tabs.Tab value="dkim">{T.tabDkim}</Tabs.Tab>
          <Tabs.Tab value="accounts">{T.tabAccounts}</Tabs.Tab>
          <Tabs.Tab value="aliases">{T.tabAliases}</Tabs.Tab>
          <Tabs.Tab value="lists">{T.tabLists}</Tabs.Tab>
        </Tabs.List>
        {/* Keyed by the domain: another domain's forms start from its own values. */}
        <Tabs.Panel value="general" pt="md">
          {loaded((domain) => (
            <GeneralTab key={domain.id} domain={domain} fb={fb} reload={data.reload} />
          ))}
        </Tabs.Panel>
        <Tabs.Panel value="names" pt="md">
          {loaded((domain) => (
            <NamesTab domain={domain} fb={fb} reload={data.reload} />
          ))}
        </Tabs.Panel>
        <Tabs.Panel value="limits" pt="md">
          {loaded((domain) => (
            <LimitsTab key={domain.id} domain={domain} fb={fb} reload={data.reload} />
          ))}
        </Tabs.Panel>
        <Tabs.Panel value="dkim" pt="md">
          <DkimTab data={d} fb={fb} reload={data.reload} domainId={domainId} />
        </Tabs.Panel>
        {/* Kept mounted: an import in progress goes on, and its report stays, while another tab is open. */}
        <Tabs.Panel value="accounts" pt="md" keepMounted>
          <AddressTab spec={accountsTab()} data={d} fb={fb} reload={data.reload}>
            {d && <BulkImport domain={name} maxAccountSizeMb={d.domain.maxAccountSizeMb} onDone={data.reload} />}
          </AddressTab>
        </Tabs.Panel>
        <Tabs.Panel value="aliases" pt="md">
          <AddressTab spec={aliasesTab()} data={d} fb={fb} reload={data.reload} />
        </Tabs.Panel>
        <Tabs.Panel value="lists" pt="md">
          {d && <ListsTab domain={name} fb={fb} qualify={q} />}
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
  /** The address cell (default: the address as text). */
  readonly addressCell?: (row: R) => ReactNode;
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
  // The account's own page (its settings, folders, auto-reply…).
  addressCell: (a) => <Anchor href={`#/accounts/${a.id}`}>{a.address}</Anchor>,
  columns: [
    { header: T.size, cell: (a) => kb(a.sizeBytes) },
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
function AddressTab<R extends AddressRow>({ spec, data, fb, reload, children }: TabProps & { spec: AddressTabSpec<R>; children?: ReactNode }) {
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
    { header: spec.addressLabel, cell: spec.addressCell ?? ((r) => r.address) },
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
      {children}
    </Stack>
  );
}

interface SettingsTabProps {
  readonly domain: Domain;
  readonly fb: Feedback;
  readonly reload: () => Promise<void>;
}

/** hMailAdmin's domain General tab: enabled, catch-all, plus addressing. */
function GeneralTab({ domain, fb, reload }: SettingsTabProps) {
  const [v, set, saved] = useDraft(domain, (d) => ({ enabled: d.enabled, catchAll: d.catchAll, plusAddressing: d.plusAddressing, plusAddressingChar: d.plusAddressingChar }));
  const save = () =>
    fb.run('general', () => call<Domain>('domains', 'update', { id: domain.id, ...v, catchAll: qualify(v.catchAll, domain.name) }), {
      fields: sameFields(Object.keys(v)),
      success: true,
      after: (d) => {
        saved(d);
        return reload();
      },
    });
  return (
    <SubmitForm label={T.tabGeneral} submit={T.save} onSubmit={save} loading={fb.busy === 'general'} maw={520}>
      <Switch label={T.enabled} description={T.domainEnabledHint} checked={v.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} error={fb.error('enabled')} />
      <TextInput label={T.catchAll} description={fmt(T.catchAllHint, { domain: domain.name })} value={v.catchAll} onChange={(e) => set('catchAll', e.currentTarget.value)} error={fb.error('catchAll')} />
      <Group align="flex-end" wrap="nowrap">
        <Switch
          label={T.plusAddressing}
          description={fmt(T.plusAddressingHint, { char: v.plusAddressingChar, domain: domain.name })}
          checked={v.plusAddressing}
          onChange={(e) => set('plusAddressing', e.currentTarget.checked)}
          error={fb.error('plusAddressing')}
          style={{ flex: 1 }}
        />
        <Select
          label={T.plusAddressingChar}
          data={PLUS_CHARS}
          value={v.plusAddressingChar}
          onChange={(c) => c && set('plusAddressingChar', c)}
          allowDeselect={false}
          disabled={!v.plusAddressing}
          error={fb.error('plusAddressingChar')}
          w={110}
        />
      </Group>
    </SubmitForm>
  );
}

/** hMailAdmin's Names tab: the domain's aliases (other names for the same domain). */
function NamesTab({ domain, fb, reload }: SettingsTabProps) {
  const [name, setName] = useState('');
  /** Stores the whole list of names (domains.update replaces it). */
  const store = (aliases: readonly string[]) => call<Domain>('domains', 'update', { id: domain.id, aliases });
  const add = () =>
    fb.run('add-name', () => store([...domain.aliases, name.trim()]), {
      fields: { aliases: 'alias-name' },
      success: true,
      after: () => {
        setName('');
        return reload();
      },
    });
  const columns: Column<string>[] = [
    { header: T.name, cell: (n) => n },
    {
      header: T.actions,
      cell: (n) => (
        <ConfirmActionButton
          label={T.remove}
          title={T.removeNameTitle}
          message={fmt(T.removeNameMessage, { name: n })}
          feedback={fb}
          runKey={`remove-name-${n}`}
          action={() => store(domain.aliases.filter((a) => a !== n))}
          after={reload}
        />
      ),
    },
  ];
  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed">
        {fmt(T.namesHint, { domain: domain.name })}
      </Text>
      <DataTable columns={columns} rows={domain.aliases} rowKey={(n) => n} empty={fmt(T.namesEmpty, { domain: domain.name })} />
      <Section title={T.addNameTitle}>
        <SubmitForm label={T.addNameTitle} submit={T.addName} onSubmit={add} loading={fb.busy === 'add-name'} maw={420}>
          <TextInput label={T.domainName} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fb.error('alias-name')} />
        </SubmitForm>
      </Section>
    </Stack>
  );
}

/** hMailAdmin's Limits tab: sizes and counts, 0 (shown empty, "Unlimited") for none. */
function LimitsTab({ domain, fb, reload }: SettingsTabProps) {
  const [v, set, saved] = useDraft(domain, (d) => Object.fromEntries(LIMITS.map((k) => [k, d[k] === 0 ? '' : d[k]])) as Record<LimitKey, number | string>);
  const labels: Record<LimitKey, readonly [string, string | undefined]> = {
    maxMessageSizeKb: [T.maxMessageSize, T.maxMessageSizeHint],
    maxSizeMb: [T.maxSize, T.maxSizeHint],
    maxAccountSizeMb: [T.maxAccountSize, T.maxAccountSizeHint],
    maxAccounts: [T.maxAccounts, undefined],
    maxAliases: [T.maxAliases, undefined],
    maxLists: [T.maxLists, undefined],
  };
  const save = () => {
    const input = Object.fromEntries(LIMITS.map((k) => [k, v[k] === '' ? 0 : numberValue(v[k])]));
    return fb.run('limits', () => call<Domain>('domains', 'update', { id: domain.id, ...input }), {
      fields: sameFields(LIMITS),
      success: true,
      after: (d) => {
        saved(d);
        return reload();
      },
    });
  };
  return (
    <SubmitForm label={T.tabLimits} submit={T.save} onSubmit={save} loading={fb.busy === 'limits'} maw={640}>
      <Text size="sm" c="dimmed">
        {T.limitsHint}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {LIMITS.map((k) => (
          <NumberInput
            key={k}
            label={labels[k][0]}
            description={labels[k][1]}
            placeholder={T.unlimited}
            min={0}
            allowDecimal={false}
            allowNegative={false}
            thousandSeparator={false}
            value={v[k]}
            onChange={(n) => set(k, n)}
            error={fb.error(k)}
          />
        ))}
      </SimpleGrid>
    </SubmitForm>
  );
}

function DkimTab({ data, fb, reload, domainId }: TabProps & { domainId: number }) {
  const dkim = data?.dkim;
  const record = dkim?.record ?? null;

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
        <ActionButton label={T.generate} size="sm" variant="filled" disabled={!dkim} feedback={fb} runKey="dkim" action={() => call<DkimInfo>('dkim', 'generate', { domainId })} after={reload} />
      </Group>
    </Stack>
  );
}
