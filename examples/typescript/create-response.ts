// One turn from trusted backend code: a stable app user id, metadata for usage and traces, and
// an idempotency key so a retry never runs the turn twice. Keep the returned ids in your logs.
import { responseOutputText } from "@general-augment/sdk";
import { client } from "./client.js";

const response = await client.createResponse(
  {
    model: "balanced",
    user: "app-user-123",
    input: "Summarize this support request and suggest the next action.",
    metadata: { feature: "support-triage" },
  },
  {
    idempotencyKey: "support-thread-123-turn-1",
    requestId: "req_app_123",
  },
);

const text = responseOutputText(response);

console.log(`text: ${text}`);
console.log(`response id: ${response.id}`);
console.log(`request id: ${response.metadata.general_augment_request_id}`);
console.log(`trace id: ${response.metadata.general_augment_trace_id}`);
console.log(`model: ${response.metadata.general_augment_model}, tokens: ${response.usage?.total_tokens}, cost: $${response.metadata.general_augment_cost_usd}`);
