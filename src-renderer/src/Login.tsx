// The web admin's door: the administration password (hMailServer's "Administration password").
// The desktop app never shows it: its window talks to the engine over IPC.
import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { ApiCallError, webLogin } from './api';
import { strings } from './i18n';

const T = strings({ subtitle: 'Administration password', password: 'Password', login: 'Log in', unreachable: 'the server cannot be reached' });

export function Login({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await webLogin(password);
      onLoggedIn();
    } catch (err) {
      setError(err instanceof ApiCallError ? err.message : T.unreachable);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center h="100vh">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={(e) => void submit(e)}>
          <Stack>
            <Title order={3}>Buzón</Title>
            <Text size="sm" c="dimmed">
              {T.subtitle}
            </Text>
            <PasswordInput label={T.password} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoFocus required error={error !== undefined} />
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy}>
              {T.login}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
