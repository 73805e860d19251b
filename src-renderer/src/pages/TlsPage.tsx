// hMailAdmin's Settings › Advanced › SSL/TLS: the TLS versions and ciphers every SSL/TLS and
// STARTTLS port offers, and two limits against abusive clients.
import { NumberInput, Select, Switch, TextInput } from '@mantine/core';
import type { SettingKey } from '../../../src-main/shared/model/settings';
import { strings } from '../i18n';
import { Section, SettingsPage } from './shared';

const T = strings({
  title: 'SSL/TLS',
  tls: 'Versions and ciphers',
  tlsHint: 'For every SSL/TLS and STARTTLS port, and for the web admin over HTTPS. Certificates are under SSL certificates.',
  minVersion: 'Minimum TLS version',
  minVersionHint: 'TLS 1.3 only shuts out older clients (Outlook 2013 and older, Windows 7).',
  ciphers: 'Ciphers (TLS 1.2)',
  ciphersHint: 'An OpenSSL cipher list. TLS 1.3 always uses its own fixed suites.',
  ciphersPlaceholder: 'empty: ECDHE with AES-GCM or ChaCha20 only',
  preferServerCiphers: 'Prefer the server\'s cipher order',
  connections: 'Connections',
  maxPerIp: 'Max connections from one IP address (0 for unlimited)',
  maxPerIpHint: 'SMTP, POP3 and IMAP together. A whole classroom behind one NAT address needs a high number.',
  greetingDelay: 'Greeting delay (seconds)',
  greetingDelayHint: 'The SMTP greeting waits this long; a client that talks first (a spam bot) is refused. 0: no delay.',
});

const KEYS: readonly SettingKey[] = ['tls.minVersion', 'tls.ciphers', 'tls.preferServerCiphers', 'security.maxConnectionsPerIp', 'smtp.greetingDelaySeconds'];

const VERSIONS = [
  { value: 'TLSv1.2', label: 'TLS 1.2' },
  { value: 'TLSv1.3', label: 'TLS 1.3' },
];

export function TlsPage() {
  return (
    <SettingsPage title={T.title} keys={KEYS} gap="lg" maw={640}>
      {(form) => (
        <>
          <Section title={T.tls} description={T.tlsHint}>
            <Select label={T.minVersion} description={T.minVersionHint} data={VERSIONS} allowDeselect={false} {...form.select('tls.minVersion')} />
            <TextInput label={T.ciphers} description={T.ciphersHint} placeholder={T.ciphersPlaceholder} spellCheck={false} {...form.text('tls.ciphers')} />
            <Switch label={T.preferServerCiphers} {...form.check('tls.preferServerCiphers')} />
          </Section>
          <Section title={T.connections}>
            <NumberInput label={T.maxPerIp} description={T.maxPerIpHint} min={0} allowDecimal={false} allowNegative={false} {...form.number('security.maxConnectionsPerIp')} />
            <NumberInput label={T.greetingDelay} description={T.greetingDelayHint} min={0} max={30} allowDecimal={false} allowNegative={false} {...form.number('smtp.greetingDelaySeconds')} />
          </Section>
        </>
      )}
    </SettingsPage>
  );
}
