// hMailAdmin's Settings › Protocols with its POP3 and IMAP nodes: which services run, and the
// limits and greetings of POP3 and IMAP (SMTP has its own page).
import { NumberInput, Select, SimpleGrid, Switch, TextInput } from '@mantine/core';
import type { SettingKey } from '../../../src-main/shared/model/settings';
import { strings } from '../i18n';
import { Section, SettingsPage } from './shared';

const T = strings({
  title: 'POP3 and IMAP',
  protocols: 'Protocols',
  protocolsHint: 'A service switched off stops listening on all its ports; its settings are kept.',
  smtp: 'Enable SMTP',
  pop3: 'Enable POP3',
  imap: 'Enable IMAP',
  pop3Title: 'POP3',
  pop3MaxConnections: 'Max simultaneous POP3 connections (0 for unlimited)',
  pop3Welcome: 'POP3 welcome message',
  imapTitle: 'IMAP',
  imapMaxConnections: 'Max simultaneous IMAP connections (0 for unlimited)',
  imapWelcome: 'IMAP welcome message',
  welcomeHint: 'Empty: the usual greeting.',
  delimiter: 'Hierarchy delimiter',
  delimiterHint: 'What separates folder names in a path (Inbox/Work). Change it before clients have made folders.',
  delimiters: { '/': '/ (slash)', '.': '. (dot)', '\\': '\\ (backslash)' },
});

const KEYS: readonly SettingKey[] = [
  'protocols.smtp',
  'protocols.pop3',
  'protocols.imap',
  'pop3.maxConnections',
  'pop3.welcomeMessage',
  'imap.maxConnections',
  'imap.welcomeMessage',
  'imap.hierarchyDelimiter',
];

const WHOLE = { min: 0, allowDecimal: false, allowNegative: false } as const;

export function ProtocolsPage() {
  return (
    <SettingsPage title={T.title} keys={KEYS} gap="lg">
      {(form) => (
        <>
          <Section title={T.protocols} description={T.protocolsHint}>
            <Switch label={T.smtp} {...form.check('protocols.smtp')} />
            <Switch label={T.pop3} {...form.check('protocols.pop3')} />
            <Switch label={T.imap} {...form.check('protocols.imap')} />
          </Section>
          <Section title={T.pop3Title}>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <NumberInput label={T.pop3MaxConnections} {...WHOLE} {...form.number('pop3.maxConnections')} />
              <TextInput label={T.pop3Welcome} description={T.welcomeHint} {...form.text('pop3.welcomeMessage')} />
            </SimpleGrid>
          </Section>
          <Section title={T.imapTitle}>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <NumberInput label={T.imapMaxConnections} {...WHOLE} {...form.number('imap.maxConnections')} />
              <TextInput label={T.imapWelcome} description={T.welcomeHint} {...form.text('imap.welcomeMessage')} />
              <Select label={T.delimiter} description={T.delimiterHint} data={Object.entries(T.delimiters).map(([value, label]) => ({ value, label }))} allowDeselect={false} {...form.select('imap.hierarchyDelimiter')} />
            </SimpleGrid>
          </Section>
        </>
      )}
    </SettingsPage>
  );
}
