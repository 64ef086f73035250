/** The browser the e2e tests and the web benchmarks drive: Debian's Chromium, never a downloaded one. */
export const CHROMIUM_PATH = process.env.TEAMFLOW_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
