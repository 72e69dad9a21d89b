import { randomBytes } from 'crypto';

// A PostgreSQL notification carries at most 8000 bytes; a response's events (a completed
// response carries all of its output) can be far larger. A message is therefore sent as numbered
// pieces, all notified in one transaction so they arrive together and in order, and put back
// together by each listener. A UTF-16 unit is at most 3 bytes of UTF-8, so 2,400 units and the
// header stay under the limit.
const PIECE_UNITS = 2400;

/** The pieces of one message about a response: `<responseId> <messageId> <i> <n> <text>`. */
export function toPieces(responseId: string, text: string): string[] {
  const id = randomBytes(6).toString('hex');
  const cuts: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + PIECE_UNITS, text.length);
    // Never between the two halves of a surrogate pair: a lone half is not valid text.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    cuts.push(text.slice(at, end));
    at = end;
  }
  if (!cuts.length) cuts.push('');
  return cuts.map((cut, i) => `${responseId} ${id} ${i} ${cuts.length} ${cut}`);
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;

/** The response a piece is about, read before anything else so others' pieces are skipped cheaply. */
export const pieceResponseId = (piece: string): string => piece.slice(0, piece.indexOf(' '));

/** Puts messages back together from their pieces, which arrive in order. */
export class PieceAssembler {
  private readonly partial = new Map<string, string[]>();

  /** The whole message once its last piece has arrived; null before, or for a malformed piece. */
  add(piece: string): string | null {
    const m = /^(\S+) (\S+) (\d+) (\d+) /.exec(piece);
    if (!m) return null;
    const [header, , id, i, n] = m;
    const text = piece.slice(header.length);
    if (n === '1') return text;
    const parts = i === '0' ? [] : this.partial.get(id);
    // A piece whose message began before this listener did: the rest of it is not wanted.
    if (!parts || parts.length !== Number(i)) return null;
    parts.push(text);
    if (parts.length < Number(n)) {
      this.partial.set(id, parts);
      return null;
    }
    this.partial.delete(id);
    return parts.join('');
  }

  /** Notifications were lost (the connection dropped): messages begun before are never finished. */
  reset(): void {
    this.partial.clear();
  }
}
