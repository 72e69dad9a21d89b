// Usage for a project, for reconciling against your own billing: an admin helper, so it needs
// a management key (GENAUG_ADMIN_KEY), sent as X-Admin-Key.
import { GeneralAugmentClient } from "@general-augment/sdk";

const admin = new GeneralAugmentClient({
  adminKey: process.env.GENAUG_ADMIN_KEY!,
  baseUrl: process.env.GENAUG_API_BASE_URL ?? "https://api.generalaugment.com",
});

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

const usage = await admin.usage(process.env.GENAUG_PROJECT_ID!, {
  startDate: day(29),
  endDate: day(-1),
});

const totals = usage.totals as { agent_turns: number; total_tokens: number; cost_usd: number };
console.log(`usage ${usage.start_date}..${usage.end_date}: ${totals.agent_turns > 0 ? "turns recorded" : "no turns"}`);
console.log(`agent turns: ${totals.agent_turns}, tokens: ${totals.total_tokens}, cost: $${totals.cost_usd.toFixed(6)}`);
