// `npm run dev`: the TypeScript build in watch mode (every package, in dependency order) and the
// service restarted by `node --watch` whenever a file it loads is rebuilt. Ctrl-C stops both.
// Arguments after `--` go to the service's environment as-is (e.g. `MQTT_EMBEDDED_PORT=1884 npm run dev`).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const children = [];
const start = (args, options = {}) => {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', ...options });
  children.push(child);
  return child;
};
const stop = (code) => {
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
};
process.on('SIGINT', () => stop(130));
process.on('SIGTERM', () => stop(143));

// One full build first, so that the service starts on code that exists.
const first = start([tsc, '-b']);
first.on('exit', (code) => {
  if (code !== 0) return stop(code ?? 1);
  start([tsc, '-b', '--watch', '--preserveWatchOutput']);
  start(['--watch', 'apps/ledger/dist/main.js']).on('exit', (c) => stop(c ?? 0));
});
