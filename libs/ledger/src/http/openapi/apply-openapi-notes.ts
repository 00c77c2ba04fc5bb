import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OPENAPI_NOTES } from '../../openapi-notes.js';

const DECORATORS = { ApiProperty, ApiPropertyOptional };

/** Gives Swagger the DTO descriptions noted without it (src/openapi-notes.ts); once each. */
export function applyOpenApiNotes(): void {
  for (const { kind, options, target, key } of OPENAPI_NOTES.splice(0))
    DECORATORS[kind](options)(target, key);
}
