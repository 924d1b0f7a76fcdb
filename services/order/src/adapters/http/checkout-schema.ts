// The POST /create-checkout body. Strict: unknown fields are rejected so a client's typo
// (e.g. `quantitiy`) fails loudly instead of being ignored.
import { z } from 'zod';

// ISO 4217 codes the business accepts; an allow-list rather than /^[A-Z]{3}$/ so a typo
// like "USX" is a 400, not an order nobody can pay.
export const CURRENCIES = [
  'USD',
  'EUR',
  'GBP',
  'BRL',
  'JPY',
  'CAD',
  'AUD',
  'CHF',
  'CNY',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'MXN',
  'ARS',
  'CLP',
  'COP',
  'INR',
  'NZD',
  'ZAR',
  'SGD',
  'HKD',
  'KRW',
] as const;

export const PAYMENT_METHODS = ['card', 'pix', 'boleto', 'paypal', 'bank_transfer'] as const;

const item = z.strictObject({
  sku: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' }),
  quantity: z.int().min(1).max(1000),
  unit_price_cents: z.int().min(0).max(100_000_000),
});

export const checkoutSchema = z.strictObject({
  customer_id: z.string().min(1).max(100),
  customer_email: z.email().max(254).optional(),
  currency: z.enum(CURRENCIES, { message: 'must be a supported ISO 4217 code' }),
  items: z
    .array(item)
    .min(1)
    .max(50)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((line, index) => {
        if (seen.has(line.sku)) {
          ctx.addIssue({ code: 'custom', path: [index, 'sku'], message: 'duplicate sku; merge the lines' });
        }
        seen.add(line.sku);
      });
    }),
  payment: z
    .strictObject({
      method: z.enum(PAYMENT_METHODS),
      token: z.string().min(1).max(200).optional(),
    })
    .optional(),
});

export type CheckoutRequest = z.infer<typeof checkoutSchema>;

/** zod issues as the problem+json `errors` list; the path names the field (`items[0].sku`). */
export function fieldProblems(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, part) =>
        typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
      '',
    );
    // unrecognized_keys issues sit on the parent; name the unknown keys themselves.
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(','), message: issue.message };
    }
    return { field: path || '(body)', message: issue.message };
  });
}
