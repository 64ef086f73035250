import type { WebConfig } from '../../shared/config.ts';

export type { WebConfig };

/** The runtime config the app reads at start-up (`GET /config.json`); no endpoint is ever hard-coded. */
export async function loadConfig(): Promise<WebConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return (await response.json()) as WebConfig;
}
