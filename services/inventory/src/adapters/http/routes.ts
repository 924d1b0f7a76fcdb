// Operator endpoints: read stock, and create a SKU or set its available units.
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '@commerce/platform/http';
import { withTransaction, type Pool } from '@commerce/platform/mysql';
import { AppError } from '@commerce/platform/errors';
import { findStock, listStock, upsertStock } from '../mysql/stock.ts';

const SKU = /^[A-Za-z0-9._-]{1,64}$/;

// Unknown fields are ignored (clients may echo the whole GET body back).
const putStockBody = z.object({
  available: z.number().int().min(0).max(2_147_483_647),
  name: z.string().trim().min(1).max(255).optional(),
  price_cents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export function registerStockRoutes(app: Hono<AppEnv>, pool: Pool): void {
  app.get('/stock', async (c) => c.json({ items: await listStock(pool) }));

  app.get('/stock/:sku', async (c) => {
    const sku = c.req.param('sku');
    const stock = await findStock(pool, sku);
    if (!stock) throw new AppError('NOT_FOUND', `unknown sku ${sku}`);
    return c.json(stock);
  });

  app.put('/stock/:sku', async (c) => {
    const sku = c.req.param('sku');
    if (!SKU.test(sku))
      throw new AppError('VALIDATION_FAILED', 'invalid sku', {
        fields: [{ field: 'sku', message: 'expected 1-64 letters, digits, . _ -' }],
      });
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch (cause) {
      throw new AppError('MALFORMED_JSON', 'request body is not valid JSON', { cause });
    }
    const parsed = putStockBody.safeParse(raw);
    if (!parsed.success) {
      throw new AppError('VALIDATION_FAILED', 'invalid stock update', {
        fields: parsed.error.issues.map((issue) => ({
          field:
            issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(body)'),
          message: issue.message,
        })),
      });
    }
    const body = parsed.data;
    const stock = await withTransaction(pool, async (tx) => {
      await upsertStock(tx, {
        sku,
        available: body.available,
        name: body.name ?? null,
        price_cents: body.price_cents ?? null,
      });
      return findStock(tx, sku);
    });
    return c.json(stock);
  });
}
