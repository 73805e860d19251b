// One account, as hMailAdmin's account dialog: General (name, quota with its usage, admin level,
// password), Auto-reply, Forwarding, and Advanced (the account's IMAP folders, "Empty account").
// The first three tabs edit one draft, saved together: a server error about a field opens the tab
// that shows it.
import { useEffect, useState, type ReactNode } from 'react';
import { Anchor, NumberInput, PasswordInput, Progress, Select, Stack, Switch, Tabs, Text, TextInput, Textarea } from '@mantine/core';
import type { Account, AdminLevel, Domain, FolderInfo } from '../../../src-main/shared/model/entities';
import { ApiCallError, call } from '../api';
import { fmt, strings } from '../i18n';
import {
  ConfirmActionButton,
  DataTable,
  FeedbackAlerts,
  PageFrame,
  Section,
  SubmitForm,
  dateTime,
  kb,
  numberValue,
  sameFields,
  useAsync,
  useFeedback,
  type Column,
  type Feedback,
} from './shared';

const T = strings({
  loadingTitle: 'Account',
  backToDomain: '← {domain}',
  tabGeneral: 'General',
  tabAutoReply: 'Auto-reply',
  tabForwarding: 'Forwarding',
  tabAdvanced: 'Advanced',
  save: 'Save',
  // General
  address: 'Address',
  firstName: 'First name',
  lastName: 'Last name',
  enabled: 'Enabled',
  quota: 'Maximum size (MB)',
  quotaHint: '0: no limit.',
  quotaHintDomain: "0: the domain's limit ({n} MB).",
  size: 'Size: {size} MB',
  usage: '{size} MB of {quota} MB used ({pct}%)',
  usageLabel: 'Quota usage',
  adminLevel: 'Administration level',
  levels: { user: 'User', domain: 'Domain administrator', server: 'Server administrator' } satisfies Record<AdminLevel, string>,
  lastLogon: 'Last logon',
  never: 'Never',
  passwordTitle: 'Password',
  newPassword: 'New password',
  changePassword: 'Change password',
  passwordChanged: 'Password changed',
  // Auto-reply
  autoReplyEnabled: 'Send an automatic reply',
  autoReplySubject: 'Subject',
  autoReplyText: 'Text',
  autoReplyExpires: 'Last day',
  autoReplyExpiresHint: 'Replies stop after this day (UTC). Empty: they go on until switched off.',
  // Forwarding
  forwardEnabled: 'Forward mail',
  forwardTo: 'Forward to',
  forwardKeepCopy: 'Keep a copy in this account',
  // Advanced
  foldersTitle: 'Folders',
  folderName: 'Name',
  specialUse: 'Special use',
  messages: 'Messages',
  unseen: 'Unread',
  folderSize: 'Size',
  actions: 'Actions',
  remove: 'Remove',
  removeFolder: 'Remove {name}',
  foldersEmpty: 'No folders.',
  removeFolderTitle: 'Remove folder',
  removeFolderMessage: 'Remove the folder {name}? Its {n} messages are removed with it.',
  folderRemoved: 'Folder removed',
  addFolderTitle: 'Add a folder',
  newFolder: 'Folder name',
  newFolderHint: 'Use / for a subfolder: Projects/2026.',
  addFolder: 'Add folder',
  folderAdded: 'Folder added',
  emptyTitle: 'Empty account',
  emptyDescription: 'Removes every message of every folder; the folders stay. Mail programs connected over IMAP see the messages go at once.',
  emptyButton: 'Empty account',
  emptyMessage: 'Remove all {n} messages of {address}, in every folder? This cannot be undone.',
  emptied: '{n} messages removed',
});

type Tab = 'general' | 'autoreply' | 'forwarding' | 'advanced';

/** What the first three tabs edit: the account's fields as the inputs hold them. */
interface Draft {
  readonly firstName: string;
  readonly lastName: string;
  readonly enabled: boolean;
  readonly quotaMb: number | string;
  readonly adminLevel: AdminLevel;
  readonly autoReplyEnabled: boolean;
  readonly autoReplySubject: string;
  readonly autoReplyText: string;
  /** YYYY-MM-DD or ''. */
  readonly autoReplyExpires: string;
  readonly forwardEnabled: boolean;
  readonly forwardTo: string;
  readonly forwardKeepCopy: boolean;
}

const TAB_OF: Readonly<Record<keyof Draft, Tab>> = {
  firstName: 'general',
  lastName: 'general',
  enabled: 'general',
  quotaMb: 'general',
  adminLevel: 'general',
  autoReplyEnabled: 'autoreply',
  autoReplySubject: 'autoreply',
  autoReplyText: 'autoreply',
  autoReplyExpires: 'autoreply',
  forwardEnabled: 'forwarding',
  forwardTo: 'forwarding',
  forwardKeepCopy: 'forwarding',
};
const FIELDS = sameFields([...Object.keys(TAB_OF), 'password']);

const toDraft = (a: Account): Draft => ({
  firstName: a.firstName,
  lastName: a.lastName,
  enabled: a.enabled,
  quotaMb: a.quotaMb,
  adminLevel: a.adminLevel,
  autoReplyEnabled: a.autoReplyEnabled,
  autoReplySubject: a.autoReplySubject,
  autoReplyText: a.autoReplyText,
  autoReplyExpires: a.autoReplyExpires?.slice(0, 10) ?? '',
  forwardEnabled: a.forwardEnabled,
  forwardTo: a.forwardTo,
  forwardKeepCopy: a.forwardKeepCopy,
});

/** The fields whose value differs from the stored account, as accounts.update takes them. */
function changes(draft: Draft, stored: Account): Record<string, unknown> {
  const before = toDraft(stored);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(TAB_OF) as (keyof Draft)[]) {
    if (draft[key] === before[key]) continue;
    if (key === 'quotaMb') out[key] = numberValue(draft.quotaMb);
    else if (key === 'autoReplyExpires') out[key] = draft.autoReplyExpires === '' ? null : draft.autoReplyExpires;
    else out[key] = draft[key];
  }
  return out;
}

const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

export function AccountPage({ accountId }: { accountId: number }) {
  const fb = useFeedback();
  const [tab, setTab] = useState<Tab>('general');
  const account = useAsync(async () => {
    const acc = await call<Account>('accounts', 'get', { id: accountId });
    return { acc, domain: await call<Domain>('domains', 'get', { id: acc.domainId }) };
  }, [accountId]);
  const folders = useAsync(() => call<FolderInfo[]>('accounts', 'folders', { id: accountId }), [accountId]);
  const [draft, setDraft] = useState<Draft | undefined>();
  const acc = account.data?.acc;
  /** What a quota of 0 becomes: the domain's max account size, or no limit. */
  const domainMax = account.data?.domain.maxAccountSizeMb ?? 0;

  // The draft starts from the account once; later reloads (its size after "Empty account") keep the edits.
  useEffect(() => {
    if (acc && draft === undefined) setDraft(toDraft(acc));
  }, [acc]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => d && { ...d, [key]: value });
  const text = (key: 'firstName' | 'lastName' | 'autoReplySubject' | 'autoReplyText' | 'autoReplyExpires' | 'forwardTo') => ({
    value: draft?.[key] ?? '',
    onChange: (e: { currentTarget: { value: string } }) => set(key, e.currentTarget.value),
    error: fb.error(key),
  });
  const check = (key: 'enabled' | 'autoReplyEnabled' | 'forwardEnabled' | 'forwardKeepCopy') => ({
    checked: draft?.[key] ?? false,
    onChange: (e: { currentTarget: { checked: boolean } }) => set(key, e.currentTarget.checked),
    error: fb.error(key),
  });

  const save = () =>
    fb.run(
      'save',
      async () => {
        if (!acc || !draft) return undefined;
        try {
          return await call<Account>('accounts', 'update', { id: accountId, ...changes(draft, acc) });
        } catch (e) {
          // Shown next to its input: open the tab that has it.
          const field = e instanceof ApiCallError ? (e.data.field as keyof Draft | undefined) : undefined;
          if (field && TAB_OF[field]) setTab(TAB_OF[field]);
          throw e;
        }
      },
      {
        fields: FIELDS,
        success: true,
        after: (saved) => {
          if (saved) setDraft(toDraft(saved));
          return account.reload();
        },
      },
    );

  const form = (children: ReactNode) => (
    <SubmitForm submit={T.save} onSubmit={save} loading={fb.busy === 'save'} disabled={!draft} maw={560}>
      {children}
    </SubmitForm>
  );

  return (
    <PageFrame
      title={acc?.address ?? T.loadingTitle}
      feedback={fb}
      loadError={account.error}
      actions={account.data && <Anchor href={`#/domains/${account.data.domain.id}`}>{fmt(T.backToDomain, { domain: account.data.domain.name })}</Anchor>}
    >
      <Tabs
        value={tab}
        onChange={(v) => {
          fb.clear();
          setTab((v as Tab | null) ?? 'general');
        }}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="general">{T.tabGeneral}</Tabs.Tab>
          <Tabs.Tab value="autoreply">{T.tabAutoReply}</Tabs.Tab>
          <Tabs.Tab value="forwarding">{T.tabForwarding}</Tabs.Tab>
          <Tabs.Tab value="advanced">{T.tabAdvanced}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="general" pt="md">
          <Stack gap="xl">
            {form(
              <>
                <TextInput label={T.address} value={acc?.address ?? ''} readOnly />
                <TextInput label={T.firstName} {...text('firstName')} />
                <TextInput label={T.lastName} {...text('lastName')} />
                <Switch label={T.enabled} {...check('enabled')} />
                <NumberInput
                  label={T.quota}
                  description={domainMax > 0 ? fmt(T.quotaHintDomain, { n: domainMax }) : T.quotaHint}
                  min={0}
                  allowDecimal={false}
                  allowNegative={false}
                  value={draft?.quotaMb ?? ''}
                  onChange={(v) => set('quotaMb', v)}
                  error={fb.error('quotaMb')}
                />
                {acc && <QuotaUsage account={acc} />}
                <Select
                  label={T.adminLevel}
                  data={(['user', 'domain', 'server'] as const).map((value) => ({ value, label: T.levels[value] }))}
                  value={draft?.adminLevel ?? null}
                  onChange={(v) => v && set('adminLevel', v as AdminLevel)}
                  allowDeselect={false}
                  error={fb.error('adminLevel')}
                />
                <Text size="sm">
                  {T.lastLogon}: {acc?.lastLogonAt ? dateTime(acc.lastLogonAt) : T.never}
                </Text>
              </>,
            )}
            <PasswordForm accountId={accountId} fb={fb} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="autoreply" pt="md">
          {form(
            <>
              <Switch label={T.autoReplyEnabled} {...check('autoReplyEnabled')} />
              <TextInput label={T.autoReplySubject} {...text('autoReplySubject')} />
              <Textarea label={T.autoReplyText} rows={8} {...text('autoReplyText')} />
              <TextInput type="date" label={T.autoReplyExpires} description={T.autoReplyExpiresHint} maw={220} {...text('autoReplyExpires')} />
            </>,
          )}
        </Tabs.Panel>
        <Tabs.Panel value="forwarding" pt="md">
          {form(
            <>
              <Switch label={T.forwardEnabled} {...check('forwardEnabled')} />
              <TextInput label={T.forwardTo} {...text('forwardTo')} />
              <Switch label={T.forwardKeepCopy} {...check('forwardKeepCopy')} />
            </>,
          )}
        </Tabs.Panel>
        <Tabs.Panel value="advanced" pt="md">
          <FoldersTab
            accountId={accountId}
            address={acc?.address ?? ''}
            folders={folders.data}
            loadError={folders.error}
            fb={fb}
            reload={async () => {
              await Promise.all([folders.reload(), account.reload()]);
            }}
          />
        </Tabs.Panel>
      </Tabs>
    </PageFrame>
  );
}

/** The account's size, and with a quota, how much of it is used. */
function QuotaUsage({ account }: { account: Account }) {
  if (account.quotaMb <= 0) return <Text size="sm">{fmt(T.size, { size: mb(account.sizeBytes) })}</Text>;
  const pct = Math.min(100, Math.round((account.sizeBytes / (account.quotaMb * 1024 * 1024)) * 100));
  return (
    <Stack gap={4}>
      <Text size="sm">{fmt(T.usage, { size: mb(account.sizeBytes), quota: account.quotaMb, pct })}</Text>
      <Progress value={pct} color={pct >= 90 ? 'red' : pct >= 75 ? 'orange' : 'blue'} aria-label={T.usageLabel} />
    </Stack>
  );
}

/** Change password: its own form and button (accounts.setPassword), apart from Save. */
function PasswordForm({ accountId, fb }: { accountId: number; fb: Feedback }) {
  const [password, setPassword] = useState('');
  const change = () =>
    fb.run('password', () => call<void>('accounts', 'setPassword', { id: accountId, password }), {
      fields: FIELDS,
      success: () => T.passwordChanged,
      after: () => setPassword(''),
    });
  return (
    <Section title={T.passwordTitle}>
      <SubmitForm submit={T.changePassword} label={T.changePassword} onSubmit={change} loading={fb.busy === 'password'} maw={360}>
        <PasswordInput label={T.newPassword} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fb.error('password')} />
      </SubmitForm>
    </Section>
  );
}

/** Advanced: the folders with their counts, add and remove one, and "Empty account". */
function FoldersTab({
  accountId,
  address,
  folders,
  loadError,
  fb,
  reload,
}: {
  accountId: number;
  address: string;
  folders: FolderInfo[] | undefined;
  /** Why the folders could not be read (the table then shows the last ones read, if any). */
  loadError: string | undefined;
  fb: Feedback;
  reload: () => Promise<void>;
}) {
  const [name, setName] = useState('');
  const total = folders?.reduce((n, f) => n + f.messages, 0) ?? 0;

  const add = () =>
    fb.run('add-folder', () => call<FolderInfo[]>('accounts', 'addFolder', { id: accountId, name }), {
      fields: { name: 'folder-name' },
      success: () => T.folderAdded,
      after: () => {
        setName('');
        return reload();
      },
    });

  const columns: Column<FolderInfo>[] = [
    { header: T.folderName, cell: (f) => f.name },
    { header: T.specialUse, cell: (f) => f.specialUse ?? '' },
    { header: T.messages, cell: (f) => f.messages },
    { header: T.unseen, cell: (f) => f.unseen },
    { header: T.folderSize, cell: (f) => kb(f.sizeBytes) },
    {
      header: T.actions,
      // INBOX cannot be removed (the server says so too).
      cell: (f) =>
        f.name !== 'INBOX' && (
          <ConfirmActionButton
            label={T.remove}
            name={fmt(T.removeFolder, { name: f.name })}
            title={T.removeFolderTitle}
            message={fmt(T.removeFolderMessage, { name: f.name, n: f.messages })}
            feedback={fb}
            runKey={`remove-folder-${f.name}`}
            action={() => call<FolderInfo[]>('accounts', 'removeFolder', { id: accountId, name: f.name })}
            success={() => T.folderRemoved}
            after={reload}
          />
        ),
    },
  ];

  return (
    <Stack gap="lg">
      <Section title={T.foldersTitle}>
        <FeedbackAlerts loadError={loadError} />
        {(folders !== undefined || loadError === undefined) && <DataTable columns={columns} rows={folders} rowKey={(f) => f.name} empty={T.foldersEmpty} minWidth={640} />}
      </Section>
      <Section title={T.addFolderTitle}>
        <SubmitForm submit={T.addFolder} label={T.addFolderTitle} onSubmit={add} loading={fb.busy === 'add-folder'} maw={420}>
          <TextInput label={T.newFolder} description={T.newFolderHint} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fb.error('folder-name')} />
        </SubmitForm>
      </Section>
      <Section title={T.emptyTitle} description={T.emptyDescription}>
        <div>
          <ConfirmActionButton
            label={T.emptyButton}
            title={T.emptyTitle}
            message={fmt(T.emptyMessage, { n: total, address })}
            size="sm"
            feedback={fb}
            runKey="empty"
            action={() => call<number>('accounts', 'empty', { id: accountId })}
            success={(n) => fmt(T.emptied, { n })}
            after={reload}
          />
        </div>
      </Section>
    </Stack>
  );
}
