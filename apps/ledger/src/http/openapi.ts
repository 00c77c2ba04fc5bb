import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { bearerProblem } from './bearer-token.js';

/**
 * `/docs` (the UI) and `/docs-json` (the document), generated from the controllers and DTOs.
 * Swagger is served outside Nest's guards, so the token check is applied here too.
 */
export function setUpOpenApi(app: INestApplication, tokens: readonly string[]): void {
  if (tokens.length > 0) {
    app.use(['/docs', '/docs-json'], (req: Request, res: Response, next: NextFunction) => {
      const problem = bearerProblem(req.headers.authorization, tokens);
      if (!problem) return next();
      res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: [problem] });
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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
