import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.ts';

const secret = 'a-very-secret-key-1234';
const body = '{"notification_id":"n1","kind":"ORDER_CONFIRMED"}';
const nowMs = 1_736_937_000_000;
const ts = String(nowMs / 1000);

describe('webhook signatures', () => {
  it('is sha256= HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const hex = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(signWebhook(secret, ts, body)).toBe(`sha256=${hex}`);
  });

  it('accepts a fresh, correct signature', () => {
    expect(verifyWebhookSignature(secret, ts, body, signWebhook(secret, ts, body), 300, nowMs)).toBe(true);
  });

  it('rejects a changed body, a wrong secret, a mangled signature', () => {
    const signature = signWebhook(secret, ts, body);
    expect(verifyWebhookSignature(secret, ts, `${body} `, signature, 300, nowMs)).toBe(false);
    expect(verifyWebhookSignature('another-secret-key-000', ts, body, signature, 300, nowMs)).toBe(false);
    expect(verifyWebhookSignature(secret, ts, body, signature.slice(0, -1), 300, nowMs)).toBe(false);
    expect(verifyWebhookSignature(secret, ts, body, '', 300, nowMs)).toBe(false);
  });

  it('rejects a timestamp outside the tolerance (replay) or not a number', () => {
    const old = String(nowMs / 1000 - 301);
    expect(verifyWebhookSignature(secret, old, body, signWebhook(secret, old, body), 300, nowMs)).toBe(false);
    expect(verifyWebhookSignature(secret, 'abc', body, signWebhook(secret, 'abc', body), 300, nowMs)).toBe(
      false,
    );
    // The timestamp is signed: moving it invalidates the signature.
    const moved = String(nowMs / 1000 - 10);
    expect(verifyWebhookSignature(secret, moved, body, signWebhook(secret, ts, body), 300, nowMs)).toBe(
      false,
    );
  });
});
