"""A contract test an app can run in CI against the local mock (or any General Augment API).

    GENAUG_API_BASE_URL=http://127.0.0.1:8787 GENAUG_API_KEY=local-test python examples/contract_test.py

Checks the shapes an app relies on and exits non-zero when one is missing.
"""

import os
import sys
import time

try:
    import genaug
except ImportError:  # run from a source checkout
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import genaug

from genaug import GeneralAugmentAPIError, GeneralAugmentClient, response_output_text


def check(condition, what):
    if not condition:
        print(f"FAIL {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


def main():
    client = GeneralAugmentClient(
        api_key=os.getenv("GENAUG_API_KEY", "local-test"),
        base_url=os.getenv("GENAUG_API_BASE_URL", "http://127.0.0.1:8787"),
        timeout=30,
    )
    try:
        response = client.create_response(
            {"model": "balanced", "user": "contract-test-user", "input": "Say hello in five words.",
             "metadata": {"feature": "contract-test", "source": "ci"}},
            idempotency_key=f"contract-test-{int(time.time() * 1000)}",
            request_id="req_contract_test",
        )
        check(isinstance(response.get("id"), str) and response.get("object") == "response", "POST /v1/responses returns a response object")
        check(response.get("status") == "completed", "the response completed")
        check(len(response_output_text(response)) > 0, "the response has output_text")

        text = ""
        seen = []
        for event in client.stream_response({"model": "balanced", "user": "contract-test-user", "input": "Count to three."}):
            seen.append(event["event"])
            if event["event"] == "response.output_text.delta":
                text += str(event["data"].get("delta", ""))
        check(seen[:1] == ["response.created"], "a stream starts with response.created")
        check(seen[-1:] == ["response.completed"], "a stream ends with response.completed")
        check(len(text) > 0, "a stream carries output_text deltas")
        print(f"sdk {genaug.__version__}: contract ok (response {response['id']})")
    except GeneralAugmentAPIError as err:
        print(f"FAIL {err.status} {err.reason}: {err.message} (request {err.request_id or '-'})", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
