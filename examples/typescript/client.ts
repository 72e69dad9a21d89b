// The client every example uses, configured as seed 003 shows: a project key and the API base
// URL from the environment (the local mock in CI: GENAUG_API_BASE_URL=http://127.0.0.1:8787).
import { GeneralAugmentClient } from "@general-augment/sdk";

export const client = new GeneralAugmentClient({
  apiKey: process.env.GENAUG_API_KEY!,
  baseUrl: process.env.GENAUG_API_BASE_URL ?? "https://api.generalaugment.com",
  timeoutMs: 60_000,
});
