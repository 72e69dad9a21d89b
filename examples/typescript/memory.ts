// Explicit memory for durable facts, under the same user id the app sends to /v1/responses:
// later turns of that user get the fact as context.
import { client } from "./client.js";

const memory = await client.storeMemory({
  user_id: "app-user-123",
  fact: "User prefers window seats",
  fact_type: "preference",
  importance_score: 0.9,
  source: "booking",
  idempotency_key: "memory-window-seat-1",
});
console.log(`stored: ${memory.id} (${memory.fact})`);

const found = await client.searchMemory({ user_id: "app-user-123", query: "seat preference", top_k: 3 });
for (const m of found.data) console.log(`found: ${m.fact}`);

const profile = await client.memoryProfile("app-user-123");
console.log(`profile: ${profile.total} facts`);
