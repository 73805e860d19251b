// hMailAdmin's Settings › Advanced › Auto-ban: when a client that keeps failing to log on is
// banned and for how long, who never is, and the addresses banned now.
import { NumberInput, Switch, TextInput } from '@mantine/core';
import type { BannedIp } from '../../../src-main/shared/model/entities';
import type { SettingKey } from '../../../src-main/shared/model/settings';
import { call } from '../api';
import { strings } from '../i18n';
import { ActionButton, DataTable, PageFrame, Section, SettingsFormView, dateTime, useAsync, useConfigChanged, useFeedback, useSettingsForm, type Column } from './shared';

const T = strings({
  title: 'Auto-ban',
  enabled: 'Enabled',
  maxAttempts: 'Max invalid logon attempts',
  resetMinutes: 'Minutes before reset',
  resetHint: 'Failed attempts older than this are forgotten.',
  banMinutes: 'Minutes to auto-ban',
  exempt: 'Never ban these addresses',
  exemptHint: 'IP addresses and ranges, separated by commas (192.168.1.10, 10.0.0.0/8).',
  bannedTitle: 'Banned IP addresses',
  ip: 'IP address',
  reason: 'Reason',
  until: 'Until',
  actions: 'Actions',
  unban: 'Unban',
  empty: 'No IP address is banned: a client that fails to log on too often shows up here, and Unban lets it in again.',
});

const KEYS: readonly SettingKey[] = ['autoban.enabled', 'autoban.maxAttempts', 'autoban.resetMinutes', 'autoban.banMinutes', 'autoban.exempt'];

export function AutobanPage() {
  const fb = useFeedback();
  const form = useSettingsForm(KEYS, fb);
  const bans = useAsync(() => call<BannedIp[]>('autoban', 'list'), []);

  useConfigChanged(['autoban'], bans.reload);

  const columns: Column<BannedIp>[] = [
    { header: T.ip, cell: (b) => b.ip },
    { header: T.reason, cell: (b) => b.reason },
    { header: T.until, cell: (b) => dateTime(b.expiresAt) },
    {
      header: T.actions,
      cell: (b) => <ActionButton label={T.unban} feedback={fb} runKey={`unban-${b.id}`} action={() => call<void>('autoban', 'unban', { id: b.id })} after={bans.reload} />,
    },
  ];

  return (
    <PageFrame title={T.title} feedback={fb} loadError={form.loadError ?? bans.error}>
      <SettingsFormView form={form} maw={480}>
        <Switch label={T.enabled} {...form.check('autoban.enabled')} />
        <NumberInput label={T.maxAttempts} min={1} allowDecimal={false} allowNegative={false} {...form.number('autoban.maxAttempts')} />
        <NumberInput label={T.resetMinutes} description={T.resetHint} min={1} allowDecimal={false} allowNegative={false} {...form.number('autoban.resetMinutes')} />
        <NumberInput label={T.banMinutes} min={1} allowDecimal={false} allowNegative={false} {...form.number('autoban.banMinutes')} />
        <TextInput label={T.exempt} description={T.exemptHint} {...form.text('autoban.exempt')} />
      </SettingsFormView>
      <Section title={T.bannedTitle}>
        <DataTable columns={columns} rows={bans.data} rowKey={(b) => b.id} empty={T.empty} />
      </Section>
    </PageFrame>
  );
}
