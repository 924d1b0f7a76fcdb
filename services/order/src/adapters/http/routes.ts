// The order service's HTTP API (CONTRACT.md): parse and validate → call a use case → map
// the result. Every rejection is a 4xx problem+json naming the fields; errors thrown here
// reach the platform's onError.
import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { AppError } from '@commerce/platform/errors';
import { problemBody, problemResponse, type AppEnv } from '@commerce/platform/http';
import { startTrace } from '@commerce/platform/trace';
import { checkoutSchema, fieldProblems } from './checkout-schema.ts';
import { placeOrder, type PlaceOrderDeps } from '../../app/place-order.ts';
import { decodeCursor, getOrder, getTimeline, listOrderPage, type ReadDeps } from '../../app/read-orders.ts';

export type RouteDeps = {
  placeOrder: PlaceOrderDeps;
  read: ReadDeps;
  apiKey?: string;
  maxBodyBytes: number;
  /** Called after an order committed: publish its event now rather than at the next poll. */
  onOrderPlaced: () => void;
};

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function requireApiKey(apiKey: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (apiKey !== undefined && !sameSecret(c.req.header('x-api-key') ?? '', apiKey)) {
      throw new AppError('UNAUTHORIZED', 'a valid X-API-Key header is required', {
        fields: [{ field: 'X-API-Key', message: 'missing or invalid' }],
      });
    }
    await next();
  };
}

const requireJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json', {
      fields: [{ field: 'Content-Type', message: `expected application/json, got ${type || 'nothing'}` }],
    });
  }
  await next();
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AppError('MALFORMED_JSON', 'the body is not valid JSON', {
      cause: error,
      fields: [{ field: '(body)', message: error instanceof Error ? error.message : 'invalid JSON' }],
    });
  }
}

export const listQuery = z.object({
  customer_id: z.string().min(1).max(100).optional(),
  status: z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});

export function registerOrderRoutes(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.post(
    '/create-checkout',
    requireApiKey(deps.apiKey),
    requireJson,
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) => {
        // The rest of the body goes unread and the server drops the connection once its drain
        // gives up; without "close" a client reuses it and its next request dies on a reset.
        c.header('Connection', 'close');
        return problemResponse(
          c,
          problemBody('PAYLOAD_TOO_LARGE', `the body exceeds ${deps.maxBodyBytes} bytes`, {
            instance: c.req.path,
            errors: [{ field: '(body)', message: `at most ${deps.maxBodyBytes} bytes` }],
          }),
        );
      },
    }),
    async (c) => {
      const idempotencyKey = c.req.header('idempotency-key');
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new AppError('VALIDATION_FAILED', 'invalid Idempotency-Key header', {
          fields: [{ field: 'Idempotency-Key', message: '1-255 visible ASCII characters' }],
        });
      }
      const parsed = checkoutSchema.safeParse(await readJson(c));
      if (!parsed.success) {
        throw new AppError('VALIDATION_FAILED', 'the checkout request is invalid', {
          fields: fieldProblems(parsed.error),
        });
      }
      const trace = startTrace(c.req.header('traceparent'));
      const result = await placeOrder(deps.placeOrder, {
        request: parsed.data,
        idempotencyKey,
        traceparent: trace.traceparent,
        correlationId: trace.correlationId,
      });
      deps.onOrderPlaced();
      c.header('Location', `/orders/${result.order_id}`);
      return c.json(result, 202);
    },
  );

  app.get('/orders', async (c) => {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new AppError('VALIDATION_FAILED', 'invalid query', { fields: fieldProblems(parsed.error) });
    }
    const { cursor: rawCursor, ...query } = parsed.data;
    const cursor = rawCursor === undefined ? undefined : decodeCursor(rawCursor);
    if (rawCursor !== undefined && !cursor) {
      throw new AppError('VALIDATION_FAILED', 'invalid cursor', {
        fields: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
      });
    }
    return c.json(await listOrderPage(deps.read, { ...query, cursor }));
  });

  app.get('/orders/:id', async (c) => c.json(await getOrder(deps.read, c.req.param('id'))));

  app.get('/orders/:id/events', async (c) => c.json(await getTimeline(deps.read, c.req.param('id'))));
}
