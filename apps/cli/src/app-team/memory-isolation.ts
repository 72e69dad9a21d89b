import { randomBytes } from 'crypto';
import type { GeneralAugmentClient } from '@genaug/sdk';
import { fail, pass, type CheckOutcome } from './checks';

/**
 * Seed 001's memory check for launch: two users store, search, profile and delete their own
 * facts, and neither ever sees the other's. Uses throwaway users and purges both at the end,
 * so the project keeps nothing from it.
 */
export async function checkMemoryIsolation(client: GeneralAugmentClient): Promise<CheckOutcome> {
  const run = randomBytes(4).toString('hex');
  const alice = `genaug-onboarding-a-${run}`;
  const bob = `genaug-onboarding-b-${run}`;
  const problems: string[] = [];
  try {
    const a = await client.storeMemory({ user_id: alice, fact: `Onboarding check ${run}: prefers window seats`, fact_type: 'preference' });
    const b = await client.storeMemory({ user_id: bob, fact: `Onboarding check ${run}: prefers aisle seats`, fact_type: 'preference' });

    for (const [user, own, other] of [
      [alice, a.id, b.id],
      [bob, b.id, a.id],
    ] as const) {
      const found = (await client.searchMemory({ user_id: user, query: `onboarding check ${run} prefers seats window aisle`, top_k: 10 })).data.map((m) => m.id);
      if (!found.includes(own)) problems.push(`search for ${user} missed its own fact`);
      if (found.includes(other)) problems.push(`search for ${user} returned the other user's fact`);
      const listed = (await client.listMemory(user)).data.map((m) => m.id);
      if (listed.includes(other)) problems.push(`the memory list of ${user} shows the other user's fact`);
      const profile = JSON.stringify(await client.memoryProfile(user));
      if (profile.includes(other)) problems.push(`the profile of ${user} shows the other user's fact`);
    }

    await client.deleteMemory(a.id);
    if ((await client.listMemory(alice)).data.length !== 0) problems.push('a deleted fact is still listed');
    if ((await client.listMemory(bob)).data.length !== 1) problems.push("deleting one user's fact changed the other user's");
  } finally {
    await client.purgeMemory(alice).catch(() => undefined);
    await client.purgeMemory(bob).catch(() => undefined);
  }
  const evidence = { users: [alice, bob], operations: ['store', 'search', 'list', 'profile', 'delete', 'purge'] };
  return problems.length
    ? fail(problems.join('; '), evidence)
    : pass('two users stored, searched, listed, profiled and deleted facts without seeing each other’s; both purged', evidence);
}
