// hMailAdmin's Settings › Protocols › SMTP: limits of the SMTP service, and how mail leaves for
// other servers (retries, the name given in HELO, the smart host), with a test of the smart host.
import { useState } from 'react';
import { Alert, List, NumberInput, PasswordInput, Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import type { SmartHostTestResult } from '../../../src-main/shared/model/entities';
import type { SettingKey } from '../../../src-main/shared/model/settings';
import { call } from '../api';
import { strings } from '../i18n';
import { PageFrame, SECURITY_OPTIONS, Section, SettingsFormView, SubmitForm, useFeedback, useSettingsForm } from './shared';

const T = strings({
  title: 'SMTP',
  general: 'General',
  maxConnections: 'Max number of simultaneous connections (0 for unlimited)',
  welcomeMessage: 'Welcome message',
  welcomeHint: 'Empty: the host name and the software, as usual.',
  maxMessageSize: 'Max message size (KB)',
  maxMessageSizeHint: '0 for no limit.',
  maxRecipients: 'Max number of recipients',
  delivery: 'Delivery of e-mail',
  retries: 'Number of retries',
  retryMinutes: 'Minutes between every retry',
  heloName: 'Local host name',
  heloHint: 'The name this server gives in HELO/EHLO to other servers (empty: the server host name).',
  relayer: 'SMTP relayer (smart host)',
  relayerHint: 'Empty: mail goes straight to each domain\'s MX servers.',
  relayerHost: 'Remote host name',
  relayerPort: 'Remote TCP/IP port',
  relayerSecurity: 'Connection security',
  relayerVerify: 'Check the remote server\'s certificate',
  requiresAuth: 'Server requires authentication',
  username: 'User name',
  password: 'Password',
  testTitle: 'Test the smart host',
  testHint: 'Sends a message through the saved settings now (save first), and shows each step.',
  testTo: 'Test recipient',
  test: 'Test',
  testOk: 'The smart host accepted the message.',
  testFailed: 'The test failed.',
});

const KEYS: readonly SettingKey[] = [
  'smtp.maxConnections',
  'smtp.welcomeMessage',
  'smtp.maxMessageSizeKb',
  'smtp.maxRecipients',
  'smtp.retries',
  'smtp.retryMinutes',
  'smtp.heloName',
  'smtp.relayer.host',
  'smtp.relayer.port',
  'smtp.relayer.security',
  'smtp.relayer.verifyCertificate',
  'smtp.relayer.requiresAuth',
  'smtp.relayer.username',
  'smtp.relayer.password',
];

const WHOLE = { allowDecimal: false, allowNegative: false } as const;

export function SmtpPage() {
  const fb = useFeedback();
  const form = useSettingsForm(KEYS, fb);
  const [to, setTo] = useState('');
  const [result, setResult] = useState<SmartHostTestResult | undefined>();

  const test = () => {
    setResult(undefined);
    return fb.run('test', () => call<SmartHostTestResult>('delivery', 'testSmartHost', { to }), { fields: { to: 'testTo' }, after: setResult });
  };

  return (
    <PageFrame title={T.title} feedback={fb} loadError={form.loadError}>
      <SettingsFormView form={form} gap="lg">
        <Section title={T.general}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <NumberInput label={T.maxConnections} min={0} {...WHOLE} {...form.number('smtp.maxConnections')} />
            <TextInput label={T.welcomeMessage} description={T.welcomeHint} {...form.text('smtp.welcomeMessage')} />
            <NumberInput label={T.maxMessageSize} description={T.maxMessageSizeHint} min={0} {...WHOLE} {...form.number('smtp.maxMessageSizeKb')} />
            <NumberInput label={T.maxRecipients} min={1} {...WHOLE} {...form.number('smtp.maxRecipients')} />
          </SimpleGrid>
        </Section>
        <Section title={T.delivery}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <NumberInput label={T.retries} min={0} {...WHOLE} {...form.number('smtp.retries')} />
            <NumberInput label={T.retryMinutes} min={1} {...WHOLE} {...form.number('smtp.retryMinutes')} />
            <TextInput label={T.heloName} description={T.heloHint} {...form.text('smtp.heloName')} />
          </SimpleGrid>
          <Text fw={500} mt="sm">
            {T.relayer}
          </Text>
          <Text size="sm" c="dimmed">
            {T.relayerHint}
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput label={T.relayerHost} {...form.text('smtp.relayer.host')} />
            <NumberInput label={T.relayerPort} min={1} max={65535} {...WHOLE} {...form.number('smtp.relayer.port')} />
            <Select label={T.relayerSecurity} data={[...SECURITY_OPTIONS]} allowDeselect={false} {...form.select('smtp.relayer.security')} />
            <Switch label={T.relayerVerify} mt="lg" {...form.check('smtp.relayer.verifyCertificate')} />
            <Switch label={T.requiresAuth} {...form.check('smtp.relayer.requiresAuth')} />
            <div />
            <TextInput label={T.username} autoComplete="off" {...form.text('smtp.relayer.username')} />
            <PasswordInput label={T.password} autoComplete="new-password" {...form.text('smtp.relayer.password')} />
          </SimpleGrid>
        </Section>
      </SettingsFormView>

      <Section title={T.testTitle} description={T.testHint}>
        <SubmitForm submit={T.test} onSubmit={test} loading={fb.busy === 'test'} maw={320}>
          <TextInput label={T.testTo} value={to} onChange={(e) => setTo(e.currentTarget.value)} error={fb.error('testTo')} />
        </SubmitForm>
        {result && (
          <Alert color={result.ok ? 'green' : 'red'} role="status" title={result.ok ? T.testOk : T.testFailed}>
            <Stack gap="xs">
              <List size="sm">
                {result.steps.map((s, i) => (
                  <List.Item key={i}>{s}</List.Item>
                ))}
              </List>
              {result.error && !result.steps.some((s) => s.includes(result.error ?? '')) && (
                <Text size="sm" c="red">
                  {result.error}
                </Text>
              )}
            </Stack>
          </Alert>
        )}
      </Section>
    </PageFrame>
  );
}
