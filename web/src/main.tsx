import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { loadConfig } from './config.ts';
import { setApiUrl } from './lib/api.ts';
import { restoreSession } from './lib/session.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig()
  .then(async (config) => {
    setApiUrl(config);
    await restoreSession(config);
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    );
  })
  .catch(() => {
    root.render(
      <main className="page" role="alert">
        TeamFlow cannot start: its configuration (/config.json) did not load. Reload the page in a moment.
      </main>,
    );
  });
