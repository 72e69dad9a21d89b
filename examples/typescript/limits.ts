// 402 and 429 as product states, not crashes: switch on the stable `reason`, respect
// Retry-After, and never retry in a tight loop. Against the mock, GENAUG_EXAMPLE_USER=mock:<reason>
// (e.g. mock:rate_limit_exceeded) makes the turn answer that refusal.
import { GeneralAugmentAPIError, responseOutputText } from "@general-augment/sdk";
import { client } from "./client.js";

try {
  const response = await client.createResponse({
    model: "balanced",
    user: process.env.GENAUG_EXAMPLE_USER ?? "app-user-123",
    input: "Summarize this support request and suggest the next action.",
  });
  console.log(`answered: ${responseOutputText(response)}`);
} catch (err) {
  if (!(err instanceof GeneralAugmentAPIError)) throw err;
  if (err.status === 429) {
    console.log(`busy: ${err.reason}, retry after ${err.retryAfter} s (request ${err.requestId})`);
  } else if (err.status === 402) {
    console.log(`usage limit reached: ${err.reason} (request ${err.requestId})`);
  } else {
    throw err;
  }
}
