import { randomBytesPooled } from '@genaug/kernel';

describe('pooled random bytes', () => {
  it('hands out values of the asked size, never the same bytes twice, across pool refills', () => {
    const seen = new Set<string>();
    // 12-byte values across more than ten 4 KiB pools.
    for (let i = 0; i < 4000; i++) {
      const value = randomBytesPooled(12);
      expect(value).toHaveLength(12);
      seen.add(value.toString('hex'));
    }
    expect(seen.size).toBe(4000);
    expect(randomBytesPooled(10_000)).toHaveLength(10_000);
  });

  it('gives each caller its own copy', () => {
    const a = randomBytesPooled(16);
    const before = a.toString('hex');
    const b = randomBytesPooled(16);
    b.fill(0);
    expect(a.toString('hex')).toBe(before);
  });
});
