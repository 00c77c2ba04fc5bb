import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { checkBearer } from './bearer-token.js';

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
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Only the JSON document besides the UI: every route served here must be behind the check.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
