import { closeBrowser } from './support.ts';

// Runs before each e2e test file: fail it with the reason the global setup recorded (no Chromium, no stack).
const setupError = process.env.TEAMFLOW_E2E_SETUP_ERROR;
if (setupError) throw new Error(setupError);

// test/support.ts (api, signUpUser) reads the stack it talks to from here: point it at the e2e stack.
process.env.TEAMFLOW_TEST_OUTPUTS = process.env.TEAMFLOW_E2E_OUTPUTS;

// A browser journey is many steps, each waiting on a real UI and API.
jest.setTimeout(120_000);

afterAll(closeBrowser);
