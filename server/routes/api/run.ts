import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../common/schemas.ts';
import { type Actor, type Ctx, type Services, read, single, transact } from '../../domain/context.ts';
import { actorOf } from '../authenticate.ts';

/**
 * Runs one domain call as the request's caller (401 if anonymous): in a transaction for
 * anything that changes state, as a plain read for GET.
 */
export function run<T>(services: Services, req: FastifyRequest, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return req.method === 'GET' ? read(services, actorOf(req), fn, req.ip) : transact(services, actorOf(req), fn, req.ip);
}

/** For a domain function that makes its change in one statement (see single): no BEGIN/COMMIT round trips. */
export function runSingle<T>(services: Services, req: FastifyRequest, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return single(services, actorOf(req), fn, req.ip);
}

/** The same for routes open to anonymous visitors (they act as an anonymous contact-less caller). */
export function runPublic<T>(services: Services, req: FastifyRequest, actor: Actor, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return transact(services, actor, fn, req.ip);
}

/** Sends JSON that is already text (presented by the database): Fastify passes it through unserialised. */
export const sendJsonText = (reply: FastifyReply, json: string) => reply.type('application/json; charset=utf-8').send(json);

export type Api = FastifyInstance<any, any, any, any, ZodTypeProvider>;
export type RouteOptions = { services: Services };

export const IdParams = z.object({ id: z.uuid() });
export const NoContent = z.null().describe('No content');

/** The error responses every route can give, for the OpenAPI document. */
export const errors = (...codes: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 423 | 429)[]) =>
  Object.fromEntries(codes.map((c) => [c, ErrorBody])) as Record<number, typeof ErrorBody>;

export const Items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
