"""The client every example uses, configured as seed 003 shows: a project key and the API base
URL from the environment (the local mock in CI: GENAUG_API_BASE_URL=http://127.0.0.1:8787)."""

import os

from genaug import GeneralAugmentClient

client = GeneralAugmentClient(
    api_key=os.environ["GENAUG_API_KEY"],
    base_url=os.getenv("GENAUG_API_BASE_URL", "https://api.generalaugment.com"),
)
