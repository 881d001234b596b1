"""A drive's lease: how long it lasts, and the heartbeat that keeps it while the drive runs.

A lease lasts LEASE_SECONDS and a heartbeat renews it every LEASE_RENEW_SECONDS while the drive
runs, so a driver that dies (crash, timeout, out of memory) holds its run for at most
LEASE_SECONDS; the sweeper then re-drives it. A lease never outlasts the invocation's deadline by
more than LEASE_GRACE_SECONDS (the time to record the last answer).
"""

from __future__ import annotations

import logging
import threading

from inngest_lambda.core import clock
from inngest_lambda.storage.store import Store

LEASE_SECONDS = 30.0
LEASE_RENEW_SECONDS = 10.0
LEASE_GRACE_SECONDS = 5.0


class Heartbeat:
    """Renews a drive's lease every LEASE_RENEW_SECONDS (wall time) until stopped.

    A thread, not a task: a step of a sync function served in-process may hold the event loop
    for as long as it runs, and the lease must outlive the step. Renewal costs one write per
    LEASE_RENEW_SECONDS of drive time, never one per step.
    """

    def __init__(
        self, store: Store, run_id: str, owner: str, lease_end: float, log: logging.Logger
    ) -> None:
        self.store, self.run_id, self.owner, self.lease_end, self.log = (
            store,
            run_id,
            owner,
            lease_end,
            log,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(LEASE_RENEW_SECONDS):
            until = min(self.lease_end, clock.now() + LEASE_SECONDS)
            try:
                if not self.store.renew_lease(self.run_id, self.owner, until):
                    return  # lost (parked, finished, or taken over): nothing left to renew
            except Exception:
                self.log.exception("lease renewal failed", extra={"run_id": self.run_id})

    def stop(self) -> None:
        self._stop.set()
