"""A trivial handler for tests that start the stack by name (INNGEST_LAMBDA_LOCAL_HANDLER)."""

import json
import os


def handler(event, context):
    if "Records" in event:
        return {"batchItemFailures": []}
    body = {
        "stub": True,
        "path": event["rawPath"],
        "inngest_dev": os.environ.get("INNGEST_DEV"),
        "queue_url": os.environ.get("INNGEST_LAMBDA_QUEUE_URL"),
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
