import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, queryClient } from './App.tsx';
import { loadConfig } from './config.ts';
import { setApiUrl } from './lib/api.ts';
import { knownUserId, restoreSession } from './lib/session.ts';
import { preloadCache } from './offline/persist.ts';
import { startOffline } from './offline/sync.ts';
import { registerServiceWorker, rememberConfig } from './offline/update.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

void registerServiceWorker();
// The saved data of the person last signed in here is read from IndexedDB while the config loads.
const known = knownUserId();
if (known) preloadCache(known);

loadConfig()
  .then(async (config) => {
    setApiUrl(config);
    void rememberConfig(config).catch(() => undefined);
    await restoreSession(config);
    // The person's saved data and waiting changes, before the first render: a warm start shows the board from
    // IndexedDB before any answer of the API.
    await startOffline(queryClient);
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
