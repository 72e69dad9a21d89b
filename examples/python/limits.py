"""402 and 429 as product states, not crashes: switch on the stable reason, respect Retry-After,
and never retry in a tight loop. Against the mock, GENAUG_EXAMPLE_USER=mock:<reason>
(e.g. mock:rate_limit_exceeded) makes the turn answer that refusal."""

import os

from genaug import GeneralAugmentAPIError, response_output_text

from client import client

try:
    response = client.create_response(
        {
            "model": "balanced",
            "user": os.getenv("GENAUG_EXAMPLE_USER", "app-user-123"),
            "input": "Summarize this support request and suggest the next action.",
        }
    )
    print(f"answered: {response_output_text(response)}")
except GeneralAugmentAPIError as err:
    if err.status == 429:
        print(f"busy: {err.reason}, retry after {err.retry_after:g} s (request {err.request_id})")
    elif err.status == 402:
        print(f"usage limit reached: {err.reason} (request {err.request_id})")
    else:
        raise
