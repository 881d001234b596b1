"""The local stack: the Lambda handler on moto, with API Gateway, SQS and Scheduler emulated.

`python -m inngest_lambda.local` (`make dev`) runs it; tests use `LocalStack` directly. Only
the standard library and boto3 are imported up front; moto and uvicorn (dev dependencies) are
imported when a stack starts, so this package costs a deployed Lambda nothing but bytes.
"""

from inngest_lambda.local.stack import LOCAL_HANDLER_ENV, LocalStack, load_handler

__all__ = ["LOCAL_HANDLER_ENV", "LocalStack", "load_handler"]
