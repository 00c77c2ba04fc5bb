import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the console's build (apps/console, `vite build`) is: `dist/console` of the repository,
 * found upwards from this file both when it runs compiled (dist/apps/ledger/…) and from source
 * (tests). `null` when it was not built.
 */
export function findConsoleDir(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate =
      basename(dir) === 'dist' ? join(dir, 'console') : join(dir, 'dist', 'console');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Everything the console loads comes from here: no CDN, no font, no inline script, and the
 * browser is told so (Content-Security-Policy). The files are served without a token: a
 * browser's navigation cannot carry one, and they hold no data; everything the console shows
 * comes through the API and /events with the token it asks for.
 */
const HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** `GET /console` and its pages (one index.html: the console routes in the browser). */
export function serveConsole(app: INestApplication, dir = findConsoleDir()): void {
  const express = app as NestExpressApplication;
  express.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.set(HEADERS);
    if (!dir) {
      res
        .status(404)
        .type('text/plain')
        .send('The console was not built: run `npm run build` (it builds apps/console).\n');
      return;
    }
    next();
  });
  if (!dir) return;
  express.useStaticAssets(join(dir, 'assets'), {
    prefix: '/console/assets/',
    immutable: true,
    maxAge: '365d',
    fallthrough: false,
  });
  express.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.set('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  });
}
