// hMailAdmin's Settings › Logging: whether the server writes its daily log files, what goes in
// them, and how long they are kept. The live log shows the same entries as they happen. (A
// Switch or Checkbox with a description gets aria-label: Mantine puts the description inside the
// label, which would make it part of the input's name.)
import { Checkbox, NumberInput, SimpleGrid, Switch } from '@mantine/core';
import type { SettingKey } from '../../../src-main/shared/model/settings';
import { strings } from '../i18n';
import { Section, SettingsPage } from './shared';

const T = strings({
  title: 'Logging',
  enabled: 'Enabled',
  enabledHint: 'Writes a log file a day in the data folder. Off: nothing is written (the live log still shows what happens).',
  log: 'Log',
  application: 'Application',
  smtp: 'SMTP',
  pop3: 'POP3',
  imap: 'IMAP',
  tcpip: 'TCP/IP',
  debug: 'Debug',
  debugHint: 'Every command and reply: for finding a problem, not for every day (the files grow fast).',
  options: 'Options',
  keepDays: 'Keep log files for (days)',
  keepDaysHint: 'Older files are deleted.',
});

/** The kinds of entry that can be logged, with the keys of their labels in T. */
const KINDS: readonly { key: SettingKey; label: keyof typeof T; description?: keyof typeof T }[] = [
  { key: 'logging.application', label: 'application' },
  { key: 'logging.smtp', label: 'smtp' },
  { key: 'logging.pop3', label: 'pop3' },
  { key: 'logging.imap', label: 'imap' },
  { key: 'logging.tcpip', label: 'tcpip' },
  { key: 'logging.debug', label: 'debug', description: 'debugHint' },
];

const KEYS: readonly SettingKey[] = ['logging.enabled', ...KINDS.map((k) => k.key), 'logging.keepDays'];

export function LoggingPage() {
  return (
    <SettingsPage title={T.title} keys={KEYS} gap="lg" maw={640}>
      {(form) => {
        const off = !form.check('logging.enabled').checked;
        return (
          <>
            <Switch label={T.enabled} aria-label={T.enabled} description={T.enabledHint} {...form.check('logging.enabled')} />
            <Section title={T.log}>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {KINDS.map((k) => (
                  <Checkbox key={k.key} label={T[k.label]} aria-label={T[k.label]} description={k.description && T[k.description]} disabled={off} {...form.check(k.key)} />
                ))}
              </SimpleGrid>
            </Section>
            <Section title={T.options}>
              <NumberInput label={T.keepDays} description={T.keepDaysHint} min={1} max={3650} allowDecimal={false} allowNegative={false} disabled={off} {...form.number('logging.keepDays')} />
            </Section>
          </>
        );
      }}
    </SettingsPage>
  );
}
