// The demo catalog (CONTRACT.md: 10 units of each SKU), seeded when SEED_DEMO_CATALOG is on.
export const DEMO_CATALOG = [
  { sku: 'SKU-001', name: 'Espresso beans 1 kg', price_cents: 1999 },
  { sku: 'SKU-002', name: 'Pour-over kettle', price_cents: 4500 },
  { sku: 'SKU-003', name: 'Burr grinder', price_cents: 12900 },
  { sku: 'SKU-004', name: 'Ceramic dripper', price_cents: 2499 },
  { sku: 'SKU-005', name: 'Paper filters (100)', price_cents: 599 },
] as const;

export const DEMO_UNITS_PER_SKU = 10;
