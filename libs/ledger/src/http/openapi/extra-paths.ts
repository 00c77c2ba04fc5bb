import type { OpenAPIObject } from '@nestjs/swagger';

const unauthorized = {
  description: 'No token, or an unknown one.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const forbidden = {
  description: 'The credential lacks the `read` scope.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** The operation with the scope it needs, as @RequireScope / @PublicRoute write it. */
const scoped = (scope: 'public' | 'read', operation: Operation): Operation =>
  Object.assign(operation, { 'x-ratchet-scope': scope });

/** Routes that no controller serves, so that the document covers CONTRACT.md section 2 whole. */
export const EXTRA_PATHS: OpenAPIObject['paths'] = {
  '/console': {
    get: scoped('public', {
      tags: ['console'],
      summary: 'The operator console (a single-page application; its pages are /console/…)',
      description:
        'Static files, served without a token (they hold no data); the console asks for a token when the API answers 401.',
      responses: {
        '200': {
          description: 'The console',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    }),
  },
  '/docs': {
    get: scoped('read', {
      tags: ['docs'],
      summary: 'This document in Swagger UI',
      security: [{ bearer: [] }],
      responses: {
        '200': {
          description: 'Swagger UI',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        '401': unauthorized,
        '403': forbidden,
      },
    }),
  },
  '/docs-json': {
    get: scoped('read', {
      tags: ['docs'],
      summary: 'This document (OpenAPI 3)',
      security: [{ bearer: [] }],
      responses: {
        '200': {
          description: 'The OpenAPI document',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        '401': unauthorized,
        '403': forbidden,
      },
    }),
  },
};
