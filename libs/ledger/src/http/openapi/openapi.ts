import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { ApiCredentialRegistry } from '../../auth/index.js';
import { checkBearer, TOKEN_COOKIE } from '../bearer-token.js';
import { API_SCHEMAS } from './api-schemas.js';
import { applyOpenApiNotes } from './apply-openapi-notes.js';
import { EXTRA_PATHS } from './extra-paths.js';

/**
 * `/docs` (the UI) and `/docs-json` (the document), generated from the controllers and DTOs.
 * Swagger is served outside Nest's guards, so the token check is applied here too.
 */
export function setUpOpenApi(app: INestApplication, credentials: ApiCredentialRegistry): void {
  // A GET like any other: the `read` scope. The registry is asked per request, so a reload
  // (SIGHUP) applies here too.
  app.use(['/docs', '/docs-json'], (req: Request, res: Response, next: NextFunction) => {
    if (!credentials.enabled) return next();
    const check = checkBearer(req.headers.authorization, credentials.current());
    if (!check.ok) {
      res.setHeader('WWW-Authenticate', check.challenge);
      res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: [check.message] });
    } else if (!check.credential.scopes.has('read')) {
      res.setHeader(
        'WWW-Authenticate',
        'Bearer realm="ratchet", error="insufficient_scope", scope="read"',
      );
      res.status(403).json({
        statusCode: 403,
        error: 'Forbidden',
        message: [
          `credential ${check.credential.name} lacks the read scope (it has ${[...check.credential.scopes].join('+')})`,
        ],
      });
    } else next();
  });
  const config = new DocumentBuilder()
    .setTitle('Ratchet')
    .setDescription(
      'An event-sourced command ledger for MQTT devices: every command is a stream, every transition an append at the expected revision.',
    )
    .setVersion('0.1.0')
    // An opaque token whose SHA-256 is configured, not a JWT: no bearerFormat.
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description:
        'The token of a credential of LEDGER_API_CREDENTIALS (or of the deprecated LEDGER_API_TOKENS): `Authorization: Bearer <token>`. Each operation names the scope it needs in `x-ratchet-scope` (`read`, `issue`, `admin`; `public`: no token). No token or an unknown one: `401`; a credential without the scope: `403`. Without credentials configured every request passes.',
    })
    .addCookieAuth(
      TOKEN_COOKIE,
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'GET /events only, for a browser EventSource (which cannot send headers): the same token, percent-encoded, in the `ratchet_token` cookie (the console sets it with Path=/events; SameSite=Strict). Ignored on every other route.',
      },
      'tokenCookie',
    )
    .build();
  applyOpenApiNotes();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...API_SCHEMAS },
  };
  // Served outside Nest's controllers (static files, the document itself): described by hand.
  document.paths = { ...document.paths, ...EXTRA_PATHS };
  // Only the JSON document besides the UI: every route served here must be behind the check.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
