// HMAC-SHA256 webhook signatures: `X-Signature: sha256=<hex HMAC(secret, "<timestamp>.<raw body>")>`
// with `X-Timestamp` (unix seconds). Receivers verify with verifyWebhookSignature.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The X-Signature value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * True when `signature` is the HMAC of `${timestamp}.${rawBody}` under `secret` and the
 * timestamp is within `toleranceSec` of now (replay protection).
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  rawBody: string,
  signature: string,
  toleranceSec: number,
  nowMs: number = Date.now(),
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
