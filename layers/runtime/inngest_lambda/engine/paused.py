"""In-flight runs of a paused function: they stop at their next step boundary.

The drive asks `hold` before each round of SDK requests (before the flow-control gate, so a
held run takes no concurrency slot: a paused function does not count toward concurrency). The
step already executing finishes and is recorded; the next one is not requested while the
function is paused. Then either:

* the pause says `cancelRunning`: the run ends Cancelled (those the pause request did not
  reach, `admin/pausing.py` cancels the first `MAX_CANCEL_ON_PAUSE` at once), or
* the run is parked: an entry `FPAUSE#<fn> / W#<run_id>` is written first (resume finds the
  run there and re-drives it at once), then the run is parked with a safety timer
  `RECHECK_SECONDS` ahead (Inngest's queue pushes a paused partition back 5 minutes too), so a run
  the resume did not reach still continues within that time. After parking the pause is read
  once more: a resume that came in between re-drives the run itself (the resume's Query may have
  run before the entry was written).

Cost per check: `function_pauses.check`, which reuses this process's answer "not paused" for
`NOT_PAUSED_REUSE_SECONDS` (5 s) and otherwise is one strongly consistent GetItem. So a drive of
many quick steps pays at most one read per 5 s, and the drives of a busy process share one read
per function per 5 s. A pause reaches a run at the next step boundary that starts more than 5 s
after the pause was written (at once in the process that wrote it): a step may start up to 5 s
after a pause, none later. The held path always reads afresh (a paused function's answer is never
reused). A held run costs a PutItem (its entry), its park and one more GetItem.
"""

from __future__ import annotations

import dataclasses

from inngest_lambda.core import clock
from inngest_lambda.events.paused import CANCEL_REASON
from inngest_lambda.flow.seams import GatedDriver
from inngest_lambda.scheduling import queue, timers
from inngest_lambda.storage import function_pauses

RECHECK_SECONDS = 300.0
MAX_ROUNDS = 10  # parks refused in a row (the run kept being woken) before handing it back


@dataclasses.dataclass
class Verdict:
    """`hold`'s answer: `proceed` (not paused), else the run was parked or is to be cancelled."""

    proceed: bool
    cancel: str | None = None


PROCEED = Verdict(proceed=True)


class PauseCheck:
    """A drive's check of its function's pause (see the module docstring). It keeps no state:
    the "not paused" answers reused are `function_pauses.check`'s, per process."""

    def hold(self, driver: GatedDriver, rounds: int = 0) -> Verdict:
        if driver.fn is None:
            return PROCEED
        now = clock.now()
        store, function_id, run_id = driver.store, driver.fn.id, driver.run.run_id
        pause = function_pauses.check(store, function_id)
        if pause is None:
            return PROCEED
        if pause.cancel_running:
            return Verdict(proceed=False, cancel=CANCEL_REASON)
        function_pauses.mark_parked(store, function_id, run_id)
        due = now + RECHECK_SECONDS
        timers.wake_at(run_id, due, f"paused:{int(due)}")  # a spare wake-up is harmless
        if not driver.park(due):
            if rounds + 1 >= MAX_ROUNDS:  # woken again and again: let the wake-ups drive it
                store.release(run_id, driver.owner)
                return Verdict(proceed=False)
            # Woken while parking (an event, a cancel, the resume): look again from the top.
            driver.reload()
            return self.hold(driver, rounds + 1)  # paused: `check` reads afresh
        if function_pauses.get_pause(store, function_id) is None and store.wake(run_id):
            queue.send({"kind": "run", "run_id": run_id})  # resumed meanwhile
        return Verdict(proceed=False)
