"""Usage for a project, for reconciling against your own billing: an admin helper, so it needs
a management key (GENAUG_ADMIN_KEY), sent as X-Admin-Key."""

import os
from datetime import datetime, timedelta, timezone

from genaug import GeneralAugmentClient

admin = GeneralAugmentClient(
    admin_key=os.environ["GENAUG_ADMIN_KEY"],
    base_url=os.getenv("GENAUG_API_BASE_URL", "https://api.generalaugment.com"),
)


def day(days_ago):
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%d")


usage = admin.usage(os.environ["GENAUG_PROJECT_ID"], start_date=day(29), end_date=day(-1))

totals = usage["totals"]
print(f"usage {usage['start_date']}..{usage['end_date']}: {'turns recorded' if totals['agent_turns'] > 0 else 'no turns'}")
print(f"agent turns: {totals['agent_turns']}, tokens: {totals['total_tokens']}, cost: ${totals['cost_usd']:.6f}")
