"""The line models' shortcuts past SimPy's generic paths behave as the generic paths do.

``LineProcess`` resumes a model's process with lookups done once; an order plan's units go into the
release backlog in one batch. Both must give what SimPy's ``Process`` and one-by-one pushes give.
"""

from __future__ import annotations

import pytest
import simpy

from simulators import load_scenario
from simulators.line.base import LineProcess
from simulators.line.dispatch import OrderRt
from simulators.line.flow_model import FlowModel


def _trace(process_cls: type) -> tuple[list, object, float]:
    """A worker that is interrupted, yields an already processed event, and returns a value."""
    env = simpy.Environment(0.0)
    log: list = []

    def worker():
        try:
            yield env.timeout(5)
        except simpy.Interrupt as intr:
            log.append(("interrupted", env.now, intr.cause))
        early = env.timeout(0, value="early")
        got = yield env.timeout(1, value="one")
        log.append(("got", env.now, got))
        got = yield early  # already processed: its value at once, no wait
        log.append(("processed", env.now, got))
        return 42

    proc = process_cls(env, worker())

    def interrupter():
        yield env.timeout(2)
        proc.interrupt("jam")

    env.process(interrupter())
    env.run()
    return log, proc.value, env.now


def test_server_process_resumes_as_simpy_process() -> None:
    assert _trace(LineProcess) == _trace(simpy.Process)
    assert _trace(LineProcess)[0] == [("interrupted", 2.0, "jam"), ("got", 3.0, "one"),
                                        ("processed", 3.0, "early")]


@pytest.mark.parametrize("process_cls", [LineProcess, simpy.Process])
def test_a_failing_server_fails_the_run_as_simpy_process(process_cls: type) -> None:
    env = simpy.Environment(0.0)

    def worker():
        yield env.timeout(1)
        raise ValueError("broken")

    proc = process_cls(env, worker())
    with pytest.raises(ValueError, match="broken"):
        env.run()
    assert not proc.ok and env.now == 1.0


@pytest.mark.parametrize("rule", ["plan", "edd", "spt", "family"])
def test_an_order_batch_enters_the_backlog_as_unit_by_unit(rule: str) -> None:
    """Orders whose keys interleave (later due dates first, releases out of list order) take the
    heap path as well as the in-order run; both backlogs give the same units in the same order."""
    sc = load_scenario("line", {
        "kind": "line", "stations": [{"name": "M", "process": 10}],
        "products": [{"name": "A", "family": "a"}, {"name": "B", "family": "b", "process": {"M": 20}}],
        "orders": [{"id": "X", "product": "A", "quantity": 3, "due_s": 900}],
        "release": {"rule": rule}, "shift_length_s": 3600})

    def backlog(batched: bool) -> list[tuple]:
        m = FlowModel(sc, 1, 0, record=False)
        m.family_rank = {"b": 0, "a": 1}
        plan = [("O1", "A", 4, 0.0, 900.0, 2), ("O2", "B", 3, 0.0, 300.0, 0), ("O3", "A", 2, 50.0, 600.0, 1),
                ("O4", "B", 5, 50.0, 1200.0, 3), ("O5", "A", 1, 10.0, 100.0, 4)]
        for oid, product, qty, release, due, position in plan:
            order = OrderRt(oid, m.products[product], qty, release, due, position)
            if batched:
                m._order_to_backlog(order)
            else:
                for _ in range(qty):
                    m._to_backlog(m._new_unit(order.product, order.due, order))
        assert len(m.backlog) == 15
        out = []
        while len(m.backlog):
            unit = m.backlog.pop()
            out.append((unit.label, unit.seq, unit.due, unit.arrived, m._release_key(unit)))
        return out

    assert backlog(True) == backlog(False)
