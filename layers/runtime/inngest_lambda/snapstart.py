"""Lambda SnapStart (and provisioned concurrency): build the runtime during init, refresh what a
snapshot must not share after a restore.

Lambda runs the init phase once and snapshots the process (SnapStart) or keeps it warm
(provisioned concurrency), so the work a cold start does at the first invocation (the user's
functions module, the FastAPI app, the boto3 clients, TLS contexts) is done here instead, when
`AWS_LAMBDA_INITIALIZATION_TYPE` says so. On-demand starts keep building on first use.

After a restore, every instance resumes from the same memory:
- randomness: `random`'s state is reseeded (ids and event-id seeds already come from
  `os.urandom`, which the kernel keeps unique);
- connections: none are open at snapshot time (no AWS call is made during init except reading
  the keys, whose client is closed after use), so nothing stale is reused;
- credentials: boto3 reads them per request through its provider chain (Lambda serves
  SnapStart functions from the container credentials endpoint), nothing is cached in the image;
- keys: the signing and event keys read at init are in the (encrypted) snapshot; rotating them
  needs a new published version, which a deploy makes (the same as today's restart).
"""

from __future__ import annotations

import os
import random

PREPARED_INIT_TYPES = ("snap-start", "provisioned-concurrency")


def prepare() -> bool:
    """At import of the handler: build the runtime now if Lambda will snapshot or keep us."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") not in PREPARED_INIT_TYPES:
        return False
    from inngest_lambda.runtime import get_runtime

    get_runtime()
    try:
        from snapshot_restore_py import register_after_restore  # Lambda's Python 3.12+ runtime
    except ImportError:
        return True
    register_after_restore(after_restore)
    return True


def after_restore() -> None:
    random.seed()  # from os.urandom: no two restored instances share a sequence
