/** `npm run reset`: deletes all local data (table, users, files, logs). Stop `npm start` first. */
import fs from 'node:fs';
import { settingsFromEnv } from './settings.ts';

const { dataDir } = settingsFromEnv();
if (fs.existsSync(`${dataDir}/outputs.json`) && !process.argv.includes('--force')) {
  console.error(
    `TeamFlow seems to be running (${dataDir}/outputs.json exists). Stop it with Ctrl-C first ` +
      '(or, if it crashed, run `npm run reset -- --force`).',
  );
  process.exit(1);
}
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(`Deleted ${dataDir}. The next \`npm start\` begins with an empty table and user pool.`);
