// Places checkouts at a steady rate (open model: a new checkout starts every 1/rate seconds
// whatever the previous ones are doing) like a well-behaved client: each checkout has its
// own Idempotency-Key and is retried with it until accepted, so a crash of the order
// service between commit and answer can neither lose nor duplicate the order.
import { randomUUID } from 'node:crypto';
import { checkoutBody, type CheckoutBody, type ShopClient } from './shop-client.ts';

export type LoadOptions = {
  client: ShopClient;
  ratePerSecond: number;
  durationMs: number;
  /** The body of the n-th checkout (default: one unit of a demo SKU, paid with a valid card). */
  body?: (n: number) => CheckoutBody;
  /** How long one checkout keeps retrying before it counts as given up. */
  retryForMs?: number;
  /** Stops placing new checkouts early (in-flight ones still finish). */
  signal?: AbortSignal;
};

export type LoadResult = {
  /** Idempotency-Key → order id of every checkout that got its 202. */
  accepted: Map<string, string>;
  /** Checkouts that never got a 202 within retryForMs (with the last error). */
  givenUp: { key: string; error: string }[];
  /** Attempts that failed and were retried (connection refused, 5xx, timeouts). */
  retries: number;
  /** Answers ≥ 500 seen (the contract allows none for valid input; crashes show as refused). */
  serverErrors: number;
  placed: number;
  elapsedMs: number;
};

/** Runs the load and resolves once every started checkout is accepted or given up. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { client, ratePerSecond, durationMs } = options;
  const bodyOf = options.body ?? (() => checkoutBody());
  const retryForMs = options.retryForMs ?? 120_000;
  const result: LoadResult = {
    accepted: new Map(),
    givenUp: [],
    retries: 0,
    serverErrors: 0,
    placed: 0,
    elapsedMs: 0,
  };
  const started = Date.now();
  const inFlight: Promise<void>[] = [];

  const checkout = async (n: number) => {
    const key = `load-${randomUUID()}`;
    const body = bodyOf(n);
    const deadline = Date.now() + retryForMs;
    let lastError = '';
    for (let attempt = 0; Date.now() < deadline; attempt += 1) {
      try {
        const answer = await client.placeCheckout(body, key, 10_000);
        if (answer.status === 202) {
          result.accepted.set(key, answer.body.order_id as string);
          return;
        }
        if (answer.status >= 500) result.serverErrors += 1;
        // 409 = the same key still being processed by a concurrent attempt: retry it too.
        if (answer.status < 500 && answer.status !== 409) {
          result.givenUp.push({ key, error: `HTTP ${answer.status} ${JSON.stringify(answer.body)}` });
          return;
        }
        lastError = `HTTP ${answer.status}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      result.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
    }
    result.givenUp.push({ key, error: lastError });
  };

  const intervalMs = 1000 / ratePerSecond;
  for (let n = 0; ; n += 1) {
    const due = started + n * intervalMs;
    if (due - started >= durationMs || options.signal?.aborted) break;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    result.placed += 1;
    inFlight.push(checkout(n));
  }
  await Promise.all(inFlight);
  result.elapsedMs = Date.now() - started;
  return result;
}
