import { randomFillSync } from 'crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

/**
 * Cryptographically random bytes, cut from a pool refilled 4 KiB at a time: every turn needs
 * several small ones (IVs, trace ids), and one call to the generator per pool costs far less than
 * one per value. Each value is a fresh copy, never handed out twice.
 */
export function randomBytesPooled(size: number): Buffer {
  if (size > POOL_BYTES) return randomFillSync(Buffer.alloc(size));
  if (offset + size > POOL_BYTES) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return out;
}
