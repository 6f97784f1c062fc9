import { z } from 'zod';
import { TokenCreate, TokenOut } from '../../../../common/schemas.ts';
import { apiTokenCreator, apiTokenLister, apiTokenRevoker } from '../../../domain/auth/apiTokens.ts';
import { presentToken } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['tokens'];

export async function tokenRoutes(app: Api, { services }: RouteOptions) {
  app.get('/tokens', { schema: { tags, summary: 'API tokens (admin); the secret is never shown again', response: { 200: Items(TokenOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => apiTokenLister(ctx))).map(presentToken),
  }));
  app.post(
    '/tokens',
    { schema: { tags, summary: 'Create an API token (admin); the response holds the token, once', body: TokenCreate, response: { 201: TokenOut.extend({ token: z.string() }), ...errors(400, 401, 403) } } },
    async (req, reply) => {
      const created = await run(services, req, (ctx) => apiTokenCreator(ctx, req.body));
      return reply.code(201).send({ ...presentToken(created), token: created.token });
    },
  );
  app.delete('/tokens/:id', { schema: { tags, summary: 'Revoke a token (admin)', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await run(services, req, (ctx) => apiTokenRevoker(ctx, req.params.id));
    return reply.code(204).send(null);
  });
}
