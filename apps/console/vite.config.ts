import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Built into this package's dist/, which the ledger serves at /console: every file comes from
 * the ledger (no CDN, no web font), hashed names so that they can be cached.
 */
export default defineConfig({
  root: here('.'),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` beside a ledger on :3000: the API and /events through the dev server.
    proxy: Object.fromEntries(
      ['/commands', '/devices', '/fleet-commands', '/events', '/health'].map((p) => [
        p,
        'http://127.0.0.1:3000',
      ]),
    ),
  },
});
