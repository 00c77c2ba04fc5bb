/**
 * The guard fails closed: a route that declares no scope (a forgotten @RequireScope) is refused
 * to every credential, all scopes included, while credentials are configured; and the caller's
 * name reaches the handler through @Caller(). A real Nest application over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, UseFilters, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApiCredentialRegistry } from '../auth/credential-registry.js';
import { parseApiCredentials, sha256 } from '../auth/api-credentials.js';
import { Caller } from './caller.decorator.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { RequireScope } from './require-scope.decorator.js';
import { ScopeGuard } from './scope.guard.js';

const TOKEN = 'all-scopes-token-0123456789abcdef';

@Controller('probe')
@UseGuards(ScopeGuard)
@UseFilters(HttpErrorFilter)
class ProbeController {
  @Get('forgotten')
  forgotten(): string {
    return 'should never be served';
  }

  @Get('declared')
  @RequireScope('read')
  declared(@Caller() caller: string): { caller: string } {
    return { caller };
  }
}

describe('ScopeGuard', () => {
  const registry = new ApiCredentialRegistry(
    parseApiCredentials(`ops:read+issue+admin:${sha256(TOKEN).toString('hex')}`, 'test')
      .credentials,
  );
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ProbeController],
      providers: [ScopeGuard, { provide: ApiCredentialRegistry, useValue: registry }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('refuses a route that declares no scope, even to a credential with every scope', async () => {
    expect(await get('/probe/forgotten')).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: ['GET /probe/forgotten declares no scope: refused'],
      },
    });
  });

  it("passes a declared route and hands the credential's name to the handler", async () => {
    expect(await get('/probe/declared')).toEqual({ status: 200, body: { caller: 'ops' } });
  });
});
