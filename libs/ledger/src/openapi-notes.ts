/**
 * The OpenAPI descriptions of the DTOs, without loading `@nestjs/swagger` (an optional peer,
 * heavy to load): these decorators only note what they were given, and
 * `@ratchet/ledger/http`, which needs Swagger anyway, hands the notes to Swagger's own
 * decorators when it is loaded. Same options as `@nestjs/swagger`'s.
 */
export interface OpenApiNote {
  readonly kind: 'ApiProperty' | 'ApiPropertyOptional';
  readonly options: Record<string, unknown> | undefined;
  readonly target: object;
  readonly key: string | symbol;
}

export const OPENAPI_NOTES: OpenApiNote[] = [];

const note =
  (kind: OpenApiNote['kind']) =>
  (options?: Record<string, unknown>): PropertyDecorator =>
  (target, key) => {
    OPENAPI_NOTES.push({ kind, options, target, key });
  };

export const ApiProperty = note('ApiProperty');
export const ApiPropertyOptional = note('ApiPropertyOptional');
