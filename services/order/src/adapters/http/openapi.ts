// The OpenAPI document of the order API. Request schemas come from the same zod schemas
// the routes validate with (z.toJSONSchema), so the docs cannot drift from validation;
// response schemas are declared here in zod too.
import { z } from 'zod';
import type { Hono } from 'hono';
import { swaggerUI } from '@hono/swagger-ui';
import type { AppEnv } from '@commerce/platform/http';
import { checkoutSchema } from './checkout-schema.ts';
import { listQuery } from './routes.ts';

const status = z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']);
const reason = z.enum(['PAYMENT_DECLINED', 'OUT_OF_STOCK', 'UNKNOWN_SKU', 'TIMEOUT', 'UNKNOWN']).nullable();

const checkoutResponse = z.object({
  order_id: z.uuid(),
  status: z.literal('PENDING'),
  total_cents: z.int(),
  currency: z.string(),
  created_at: z.iso.datetime(),
});

const orderView = z.object({
  order_id: z.uuid(),
  customer_id: z.string(),
  status,
  status_reason: reason,
  items: z.array(z.object({ sku: z.string(), quantity: z.int(), unit_price_cents: z.int() })),
  total_cents: z.int(),
  currency: z.string(),
  payment_id: z.string().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

const orderPage = z.object({ items: z.array(orderView), next_cursor: z.string().nullable() });

const timeline = z.object({
  items: z.array(
    z.object({
      event_id: z.uuid(),
      event_type: z.string(),
      source: z.string(),
      occurred_at: z.iso.datetime(),
    }),
  ),
});

const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  request_id: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', target: 'openapi-3.0' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const orderIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export function openApiDocument(): Record<string, unknown> {
  const query = json(listQuery) as { properties?: Record<string, unknown> };
  return {
    openapi: '3.0.3',
    info: { title: 'Order service', version: '0.1.0', description: 'Checkout and order saga (CONTRACT.md).' },
    paths: {
      '/create-checkout': {
        post: {
          summary: 'Place an order (asynchronous saga)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
            },
            { name: 'X-API-Key', in: 'header', required: false, schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('CheckoutRequest') } },
          },
          responses: {
            202: {
              description: 'Accepted; the saga runs asynchronously',
              headers: { Location: { schema: { type: 'string' } } },
              content: { 'application/json': { schema: ref('CheckoutResponse') } },
            },
            400: problemResponse('Invalid or malformed body'),
            401: problemResponse('Missing or invalid API key'),
            413: problemResponse('Body too large'),
            415: problemResponse('Not application/json'),
            422: problemResponse('Idempotency-Key reused with a different body'),
          },
        },
      },
      '/orders': {
        get: {
          summary: 'Orders, newest first',
          parameters: Object.entries(query.properties ?? {}).map(([name, schema]) => ({
            name,
            in: 'query',
            schema,
          })),
          responses: {
            200: { description: 'A page', content: { 'application/json': { schema: ref('OrderPage') } } },
            400: problemResponse('Invalid query'),
          },
        },
      },
      '/orders/{id}': {
        get: {
          summary: "The order's current projection",
          parameters: [orderIdParam],
          responses: {
            200: { description: 'The order', content: { 'application/json': { schema: ref('Order') } } },
            404: problemResponse('Unknown order'),
          },
        },
      },
      '/orders/{id}/events': {
        get: {
          summary: 'The saga timeline',
          parameters: [orderIdParam],
          responses: {
            200: { description: 'Timeline', content: { 'application/json': { schema: ref('Timeline') } } },
            404: problemResponse('Unknown order'),
          },
        },
      },
    },
    components: {
      schemas: {
        CheckoutRequest: z.toJSONSchema(checkoutSchema, { io: 'input', target: 'openapi-3.0' }),
        CheckoutResponse: json(checkoutResponse),
        Order: json(orderView),
        OrderPage: json(orderPage),
        Timeline: json(timeline),
        Problem: json(problem),
      },
    },
  };
}

export function registerDocs(app: Hono<AppEnv>): void {
  const document = openApiDocument();
  app.get('/openapi.json', (c) => c.json(document));
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
}
