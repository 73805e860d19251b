import '@mantine/core/styles.css';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Loader, Center, MantineProvider } from '@mantine/core';
import { App } from './App';
import { Login } from './Login';
import { isDesktop, webSession } from './api';
import { getLang, onLangChange } from './i18n';
import { theme } from './theme';

/** In a browser, the app needs a web admin session first; in the desktop app, never. */
function Root() {
  // A language switch re-renders everything (the pages read their strings while rendering).
  const [lang, setLang] = useState(getLang());
  useEffect(() => onLangChange(() => setLang(getLang())), []);
  const [state, setState] = useState<'checking' | 'login' | 'in'>(isDesktop() ? 'in' : 'checking');
  useEffect(() => {
    if (state === 'checking') webSession().then((ok) => setState(ok ? 'in' : 'login'), () => setState('login'));
  }, [state]);
  if (state === 'checking')
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  return state === 'login' ? <Login key={lang} onLoggedIn={() => setState('in')} /> : <App key={lang} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Root />
    </MantineProvider>
  </StrictMode>,
);
