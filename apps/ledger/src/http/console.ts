import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Where the console's build is: the `dist/` of the @ratchet/console workspace (apps/console,
 * `vite build`, part of `npm run build`). `null` when it is not installed or was not built.
 */
export function findConsoleDir(): string | null {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('@ratchet/console/package.json');
  } catch {
    return null;
  }
  const dir = join(dirname(manifest), 'dist');
  return existsSync(join(dir, 'index.html')) ? dir : null;
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
