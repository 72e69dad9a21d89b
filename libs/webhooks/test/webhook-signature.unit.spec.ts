import { signingSecret, signWebhook, verifyWebhookSignature } from '@genaug/webhooks';

describe('webhook signatures', () => {
  const secret = signingSecret(Buffer.alloc(32, 1), 'proj_1');
  const body = JSON.stringify({ event: 'usage.threshold', threshold_percent: 80 });
  const at = new Date('2026-03-10T12:00:00Z');

  it('verifies the body it signed, at the time it was signed', () => {
    const header = signWebhook(secret, body, at);
    expect(header).toMatch(/^t=1773144000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, header, body, at)).toBe(true);
  });

  it('refuses another body, another secret, a stale timestamp or no header', () => {
    const header = signWebhook(secret, body, at);
    expect(verifyWebhookSignature(secret, header, body.replace('80', '100'), at)).toBe(false);
    expect(verifyWebhookSignature(signingSecret(Buffer.alloc(32, 1), 'proj_2'), header, body, at)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, new Date(at.getTime() + 301_000))).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body, at)).toBe(false);
  });

  it('derives one stable secret per project', () => {
    expect(signingSecret(Buffer.alloc(32, 1), 'proj_1')).toBe(secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });
});
