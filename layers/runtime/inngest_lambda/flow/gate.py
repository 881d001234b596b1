"""The executor's hooks around SDK requests: may this run execute a step now?

A drive makes its gate with `gate_for(driver)` (None for functions without concurrency or
timeouts) and passes it to the hooks. `allow(gate)` is called by the drive loop before each
round of SDK requests. It checks the start timeout (first request of the run) and takes the
run's concurrency slots; when the run must wait it joins the slot's waiting list, parks the run
(without a timer: a slot is only freed by a release, which wakes the head waiter) and returns
False, and the drive ends.

`release(gate)` is called before the executor parks a run, before it records a run's end, and
when a drive ends however it ends. It gives back every slot of the run, including one a crashed
earlier drive of the same run left behind, and wakes the head waiter where that frees room.
Functions without concurrency or timeouts pass straight through (no DynamoDB calls). The gate
sees the drive through `seams.GatedDriver` (its run, `reload()`, `park()`).
"""

from __future__ import annotations

from inngest_lambda.flow import concurrency, priority, timeouts
from inngest_lambda.flow import config as flowconfig
from inngest_lambda.flow.concurrency import Blocked, Slot, Slots
from inngest_lambda.flow.seams import GatedDriver
from inngest_lambda.flow.state import log
from inngest_lambda.storage.store import NEVER

MAX_ROUNDS = 10


def gate_for(driver: GatedDriver) -> Gate | None:
    """The drive's gate; None for functions it does not apply to."""
    flow = flowconfig.of(driver.fn.config) if driver.fn is not None else None
    return Gate(driver, flow) if flow is not None and flow.gates_execution else None


def allow(gate: Gate | None) -> bool:
    """True: go ahead with the SDK request(s). False: the run was parked; stop driving."""
    return True if gate is None else gate.allow()


def release(gate: Gate | None, *, quiet: bool = False) -> None:
    """Before the run parks: give back its slots. `quiet` (the drive's last resort, when it
    ends) logs errors instead of raising them. Raising matters before a park: a release that
    failed must not let the run park, or nobody would release the slot until its lease ends."""
    if gate is None:
        return
    try:
        gate.release()
    except Exception:
        if not quiet:
            raise
        log.exception("could not release concurrency slots; their lease will run out")


def finished(gate: Gate | None) -> None:
    """Before the run's end is recorded: give back its slots and leave any waiting list."""
    if gate is not None:
        gate.release(leaving=True)


class Gate:
    """One drive's concurrency slots and start-timeout check (see the module's docstring)."""

    def __init__(self, driver: GatedDriver, flow: flowconfig.FlowConfig) -> None:
        assert driver.fn is not None  # `gate_for` makes no gate without a function
        run = driver.run
        self.flow = flow
        self.store = driver.store
        self.run_id = run.run_id
        self.slots_api = Slots(driver.store)
        self.slots = concurrency.slots_for(driver.fn.id, flow, run.event)
        score = priority.score_ms(run.created_at, flow.priority, run.event)
        self.sk = concurrency.waiter_sk(score, run.run_id)
        self.lease_until = driver.lease_end
        self.driver = driver
        # slot -> the shard this drive holds; `chosen`: the shard of each sharded key the run
        # chose last (recorded on the run before it is taken, see concurrency.py).
        self.held: dict[Slot, int] = {}
        self.chosen: dict[str, int] = dict(run.conc_shards)
        # An earlier drive of this run may have crashed holding slots: until this drive has
        # released once, a release must look at every slot.
        self.clean = not self.slots
        self.parking_as_waiter = False
        self.timeouts_checked = False

    def allow(self) -> bool:
        driver = self.driver
        if self.flow.timeouts is not None and not self.timeouts_checked:
            verdict = timeouts.on_execute(self.store, driver.run, self.flow.timeouts)
            self.timeouts_checked = True
            if verdict in (timeouts.TIMED_OUT, timeouts.EXPIRED):
                self._stop(driver)
                # Requesting a cancel twice is harmless, and covers a timeout handler that
                # died between recording the timeout and requesting the cancel.
                reason = timeouts.start_reason(self.flow.timeouts.start or 0)
                timeouts.cancel(self.store, self.run_id, reason)
                return False
        if not self.slots:
            return True
        for _ in range(MAX_ROUNDS):
            if self.held:
                better = next(
                    (s for s in self.held if self.slots_api.should_yield(s, self.sk)), None
                )
                if better is None:
                    return True
                self.release()  # a better-scored run waits: let it go first
                self.slots_api.enqueue(better, self.run_id, self.sk)
            blocked: Blocked | None = self._acquire_all()
            if blocked is None:
                return True
            self.slots_api.enqueue(blocked.slot, self.run_id, self.sk)
            # A holder may have released between our try and the enqueue: look once more.
            blocked = self._acquire_all()
            if blocked is None:
                return True
            if self._park_waiting(driver):
                return False
            driver.reload()  # woken while parking: a slot may be ours now
        return not self._park_waiting(driver)  # endless wake-ups: wait for the next one

    def _park_waiting(self, driver: GatedDriver) -> bool:
        """Park until a release wakes us (no timer). Our slots were given back already."""
        self.parking_as_waiter = True
        try:
            return driver.park(NEVER)
        finally:
            self.parking_as_waiter = False

    def _acquire_all(self) -> Blocked | None:
        for slot in self.slots:
            if slot in self.held:
                continue
            self.clean = False
            taken = self.slots_api.take(
                slot,
                self.run_id,
                self.sk,
                self.lease_until,
                prefer=self.chosen.get(slot.pk),
                choose=lambda shard, slot=slot: self._choose(slot, shard),
            )
            if isinstance(taken, Blocked):
                held, self.held = self.held, {}
                for other, shard in held.items():  # never hold one slot while waiting for another
                    self.slots_api.release(other, self.run_id, self.sk, shard=shard)
                return taken
            self.held[slot] = taken
        return None

    def _choose(self, slot: Slot, shard: int) -> None:
        """Record the shard on the run before taking it (only keys with several shards)."""
        if slot.shards == 1:
            return
        self.chosen[slot.pk] = shard
        self.store.record_conc_shards(self.driver.run, self.driver.owner, self.chosen)

    def release(self, leaving: bool = False) -> None:
        """Give back every slot (also one a crashed earlier drive left behind: the shard the
        run recorded); `leaving`: the run ends, take it off any waiting list too."""
        if self.parking_as_waiter or (self.clean and not leaving):
            return
        for slot in self.slots:
            shard = self.held.get(slot, self.chosen.get(slot.pk, 0))
            self.slots_api.release(slot, self.run_id, self.sk, shard=shard, leaving=leaving)
        self.held = {}
        self.clean = True

    def _stop(self, driver: GatedDriver) -> None:
        """The run is being cancelled: hand it back so the cancellation can finish it."""
        if not driver.park(NEVER):
            driver.store.release(self.run_id, driver.owner)
