import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { checkBearer, TOKEN_COOKIE } from '../bearer-token.js';
import { API_SCHEMAS } from './api-schemas.js';
import { EXTRA_PATHS } from './extra-paths.js';

/**
 * `/docs` (the UI) and `/docs-json` (the document), generated from the controllers and DTOs.
 * Swagger is served outside Nest's guards, so the token check is applied here too.
 */
export function setUpOpenApi(app: INestApplication, tokens: readonly string[]): void {
  if (tokens.length > 0) {
    app.use(['/docs', '/docs-json'], (req: Request, res: Response, next: NextFunction) => {
      const refusal = checkBearer(req.headers.authorization, tokens);
      if (!refusal) return next();
      res.setHeader('WWW-Authenticate', refusal.challenge);
      res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: [refusal.message] });
    });
  }
  const config = new DocumentBuilder()
    .setTitle('Ratchet')
    .setDescription(
      'An event-sourced command ledger for MQTT devices: every command is a stream, every transition an append at the expected revision.',
    )
    .setVersion('0.1.0')
    // An opaque token from LEDGER_API_TOKENS, not a JWT: no bearerFormat.
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description:
        'One of LEDGER_API_TOKENS (an opaque string of at least 16 visible ASCII characters): `Authorization: Bearer <token>`. Without tokens configured every request passes.',
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
