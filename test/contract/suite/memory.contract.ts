import { estimateTokens } from '@genaug/models';
import { contractClient, uniqueUser } from '../support/client';
import type { Target } from '../support/targets';

// /v1/memory: store, search, list, profile, delete and purge, scoped per app user. Seed 001's
// launch checklist asks for exactly this with two users before memory goes live.

export function memoryContract(target: () => Target): void {
  const api = contractClient(target);
  const store = (body: Record<string, unknown>, headers: Record<string, string> = {}) => api.post('/v1/memory', body, headers);

  describe('memory', () => {
    it('stores a fact (201) and answers a retry with the same idempotency key with the same memory (200)', async () => {
      const user = uniqueUser('mem-user');
      const body = { user_id: user, fact: 'User prefers window seats', fact_type: 'preference', importance_score: 0.9, source: 'booking', idempotency_key: 'memory-window-seat-1' };
      const first = await store(body);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.stringMatching(/^mem_[0-9a-f]{32}$/),
        object: 'memory',
        user_id: user,
        fact: 'User prefers window seats',
        fact_type: 'preference',
        importance_score: 0.9,
        source: 'booking',
        metadata: null,
        created_at: expect.any(String),
      });
      const again = await store(body);
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);

      const different = await store({ ...body, fact: 'User prefers aisle seats' });
      expect(different.status).toBe(422);
      expect(different.body.reason).toBe('idempotency_key_reused');
    });

    it('keeps two users apart in search, list and profile, and forgets one user entirely on purge', async () => {
      const alice = uniqueUser('alice');
      const bob = uniqueUser('bob');
      expect((await store({ user_id: alice, fact: 'Alice is allergic to peanuts', fact_type: 'constraint', importance_score: 0.95 })).status).toBe(201);
      expect((await store({ user_id: alice, fact: 'Alice prefers morning flights', fact_type: 'preference' })).status).toBe(201);
      expect((await store({ user_id: bob, fact: 'Bob is allergic to shellfish', fact_type: 'constraint' })).status).toBe(201);

      const found = await api.post('/v1/memory/search', { user_id: alice, query: 'allergic', top_k: 5 });
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ object: 'list', user_id: alice, ranking: { method: 'lexical' } });
      expect(found.body.data.map((m: any) => m.fact)).toEqual(['Alice is allergic to peanuts']);
      expect(found.body.data[0].score).toBeGreaterThan(0);
      const bobs = await api.post('/v1/memory/search', { user_id: bob, query: 'allergic peanuts' });
      expect(bobs.body.data.map((m: any) => m.fact)).toEqual(['Bob is allergic to shellfish']);

      const list = await api.get(`/v1/memory?user_id=${alice}`);
      expect(list.status).toBe(200);
      // Newest first.
      expect(list.body).toMatchObject({ object: 'list', user_id: alice, has_more: false, next_cursor: null });
      expect(list.body.data.map((m: any) => m.fact)).toEqual(['Alice prefers morning flights', 'Alice is allergic to peanuts']);
      const page = await api.get(`/v1/memory?user_id=${alice}&limit=1`);
      expect(page.body).toMatchObject({ has_more: true, next_cursor: page.body.data[0].id });

      const profile = await api.get(`/v1/memory/profile?user_id=${alice}`);
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ object: 'memory.profile', user_id: alice, total: 2 });
      expect(profile.body.types.map((t: any) => [t.fact_type, t.count])).toEqual([
        ['constraint', 1],
        ['preference', 1],
      ]);

      const purged = await api.post('/v1/memory/purge', { user_id: alice });
      expect(purged.status).toBe(200);
      expect(purged.body).toEqual({ object: 'memory.purge', user_id: alice, purged: true, deleted_count: 2 });
      expect((await api.get(`/v1/memory?user_id=${alice}`)).body.data).toEqual([]);
      expect((await api.get(`/v1/memory?user_id=${bob}`)).body.data).toHaveLength(1);
    });

    it('reads one memory by id, deletes it; reading or deleting it again is a 404', async () => {
      const user = uniqueUser('del-user');
      const stored = await store({ user_id: user, fact: 'Works night shifts' });
      const got = await api.get(`/v1/memory/${stored.body.id}`);
      expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: stored.body });
      const deleted = await api.del(`/v1/memory/${stored.body.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ id: stored.body.id, object: 'memory.deleted', user_id: user, deleted: true });
      const again = await api.del(`/v1/memory/${stored.body.id}`);
      expect(again.status).toBe(404);
      expect(again.body.reason).toBe('not_found');
      expect((await api.get(`/v1/memory/${stored.body.id}`)).body).toMatchObject({ reason: 'not_found', error: { param: 'memory_id' } });
    });

    it("gives a turn the user's relevant memories, and only that user's", async () => {
      const traveller = uniqueUser('traveller');
      expect((await store({ user_id: traveller, fact: 'User prefers window seats', fact_type: 'preference', importance_score: 0.9 })).status).toBe(201);
      const turn = (user: string) => api.post('/v1/responses', { model: 'balanced', user, input: 'Book me a window seat to Lisbon.' });
      const withMemory = await turn(traveller);
      const without = await turn(uniqueUser('stranger'));
      expect([withMemory.status, without.status]).toEqual([200, 200]);
      // Same answer (the model answers the input), but the traveller's turn also read the fact.
      expect(withMemory.body.output[0].content[0].text).toBe(without.body.output[0].content[0].text);
      const context = 'Known facts about this user, from memory (most relevant first):\n- (preference) User prefers window seats';
      expect(withMemory.body.usage.input_tokens - without.body.usage.input_tokens).toBe(estimateTokens(context));
    });

    it('refuses bad memory requests with a 400 naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ fact: 'no user' }, 'user_id'],
        [{ user_id: 'u', fact: '   ' }, 'fact'],
        [{ user_id: 'u', fact: 'f', importance_score: 2 }, 'importance_score'],
        [{ user_id: 'u', fact: 'f', fact_type: 'Not A Type' }, 'fact_type'],
      ];
      for (const [body, param] of cases) {
        const res = await store(body);
        expect({ status: res.status, param: res.body.error?.param, reason: res.body.reason }).toEqual({ status: 400, param, reason: 'invalid_request' });
      }
    });
  });
}
