import { capMemories, memorySettingsOf, MemoryRecall } from '@genaug/memory';

describe('memories in a turn', () => {
  const fact = (id: string, chars: number) => ({ id, fact: 'x'.repeat(chars) });

  it('takes ranked memories while they fit the count cap', () => {
    const ranked = [fact('a', 8), fact('b', 8), fact('c', 8)];
    expect(capMemories(ranked, { maxCount: 2, maxTokens: 100 }).map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('skips a memory too long for the token budget left and keeps looking', () => {
    // About four characters a token: 40 + 400 + 40 characters are 10 + 100 + 10 tokens.
    const ranked = [fact('a', 40), fact('long', 400), fact('c', 40)];
    expect(capMemories(ranked, { maxCount: 5, maxTokens: 25 }).map((m) => m.id)).toEqual(['a', 'c']);
    expect(capMemories(ranked, { maxCount: 5, maxTokens: 5 })).toEqual([]);
  });

  it('reads the project setting with defaults, and a bad field falls back to its default', () => {
    expect(memorySettingsOf(undefined)).toEqual({ use_in_turns: true, max_memories_in_turn: 5, max_memory_tokens_in_turn: 400 });
    expect(memorySettingsOf({ memory: { use_in_turns: false, max_memories_in_turn: 2 } })).toMatchObject({ use_in_turns: false, max_memories_in_turn: 2 });
    expect(memorySettingsOf({ memory: { use_in_turns: 'no', max_memories_in_turn: 0 } })).toMatchObject({ use_in_turns: true, max_memories_in_turn: 5 });
  });

  it('gives a turn no more memory text than the bound its budget is reserved for', () => {
    const recall = new MemoryRecall(null as any, { now: () => new Date() });
    const settings = { memory: { max_memories_in_turn: 3, max_memory_tokens_in_turn: 60 } };
    const bound = recall.contextBytesAtMost(settings);
    const limits = recall.limitsFor(settings);
    // Facts of the longest type in the widest characters: 3 bytes a UTF-16 unit (CJK), 2 (emoji), 1.
    for (const char of ['記', '😀', 'x']) {
      const ranked = ['a', 'b', 'c', 'd'].map((id) => ({ id, fact: char.repeat(Math.floor(80 / char.length)), fact_type: 'f'.repeat(32), importance_score: 1, score: 1 }));
      const text = recall.asContext(capMemories(ranked, limits))!;
      expect(capMemories(ranked, limits)).toHaveLength(3);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(bound);
    }
    expect(recall.contextBytesAtMost({ memory: { use_in_turns: false } })).toBe(0);
  });
});
