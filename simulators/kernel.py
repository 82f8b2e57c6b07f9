"""A lean discrete-event kernel: SimPy's event order at a fraction of its cost per event.

The serial line spends most of its time on two kinds of waits — "hold for p seconds" and
"wait until a buffer hands me a part" — and SimPy builds an ``Event`` object, a callback
list and a process resumption for each. Here a process is a plain generator that yields a
number (hold that many seconds) or a ``Signal`` (wait until someone calls ``succeed``), and
``interrupt`` ends a process's wait early, handing it an ``Interrupt`` as the yield's value;
the queue holds ``(time, priority, sequence, target, value)`` tuples, and what is due in
the current instant (a buffer handing a part to a waiting server) waits in a plain FIFO.

The order of simultaneous events is SimPy's: by time, then priority (process start before
the rest), then the order they were scheduled in. A model moved from SimPy to this kernel
therefore draws the same random numbers in the same order and gives the same results, bit
for bit (``tests/simulators/test_kernel.py`` runs both). Only what the line models need is
here: no conditions, no resources.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from heapq import heappop, heappush
from typing import Any

URGENT, NORMAL = 0, 1

Process = Generator[Any, Any, None]


class Signal:
    """A one-shot wake-up for the one process that yields it; ``succeed(value)`` resumes it in
    this instant. ``processed`` as in SimPy: its turn in the queue has come."""

    __slots__ = ("kernel", "proc", "triggered", "processed", "value")

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.proc: Any = None
        self.triggered = False
        self.processed = False
        self.value: Any = None

    def succeed(self, value: Any = None) -> None:
        self.triggered = True
        self.value = value
        if self.proc is not None:
            self.processed = True  # only the waiter looks, once resumed (``interrupt`` undoes it)
            self.kernel.ready.append((self.proc, value))
        else:  # nobody waits now: take a turn anyway, and resume whoever waits by then
            self.kernel.ready.append((self, value))

    def send(self, value: Any) -> None:
        self.processed = True
        if self.proc is not None:
            self.kernel.ready.appendleft((self.proc, value))


class Interrupt:
    """What an interrupted process gets from its ``yield``: the interrupter's ``cause``."""

    __slots__ = ("cause",)

    def __init__(self, cause: Any) -> None:
        self.cause = cause


class _Call:
    """A callback in the queue: it looks like a process that runs once and yields nothing."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn

    def send(self, _value: Any) -> None:
        self.fn()


_CANCELLED = _Call(lambda: None)


class Kernel:
    """The clock and the event queue; ``now`` is the simulation time in seconds."""

    __slots__ = ("now", "queue", "ready", "seq")

    def __init__(self) -> None:
        self.now = 0.0
        self.queue: list[tuple[float, int, int, Any, Any]] = []
        # Normal-priority events scheduled for the current instant, in the order scheduled. Any
        # queue entry for this instant was scheduled earlier (from an earlier time), so it goes
        # first: together that is SimPy's (time, priority, sequence) order.
        self.ready: deque[tuple[Any, Any]] = deque()
        self.seq = 0

    def process(self, gen: Process) -> Process:
        """Start ``gen`` now, before anything else scheduled for this instant (SimPy's Initialize)."""
        self.seq += 1
        heappush(self.queue, (self.now, URGENT, self.seq, gen, None))
        return gen

    def interrupt(self, proc: Process, cause: Any, signal: Signal | None = None) -> None:
        """End ``proc``'s wait now (SimPy's ``Process.interrupt``): its hold or its resumption is
        dropped, it no longer waits for ``signal`` (the Signal it yielded, if any), and before the
        other events of this instant its yield returns ``Interrupt(cause)``."""
        if signal is not None and signal.proc is proc:
            signal.proc = None
            if signal.triggered:  # succeeded this instant, not yet delivered: the signal keeps its turn
                signal.processed = False
                ready = self.ready
                for i, entry in enumerate(ready):
                    if entry[0] is proc:
                        ready[i] = (signal, entry[1])
                        break
        else:
            queue = self.queue
            for i, entry in enumerate(queue):
                if entry[3] is proc:  # same sort key, so the heap stays a heap
                    queue[i] = (entry[0], entry[1], entry[2], _CANCELLED, None)
                    break
            else:
                kept = [entry for entry in self.ready if entry[0] is not proc]
                if len(kept) < len(self.ready):
                    self.ready.clear()
                    self.ready.extend(kept)
        self.seq += 1
        heappush(self.queue, (self.now, URGENT, self.seq, proc, Interrupt(cause)))

    def call_in(self, delay: float, fn: Callable[[], None]) -> None:
        """Call ``fn()`` ``delay`` seconds from now."""
        self._hold(_Call(fn), delay)

    def _hold(self, target: Any, delay: float) -> None:
        t = self.now + delay
        if t == self.now:
            self.ready.append((target, None))
        else:
            self.seq += 1
            heappush(self.queue, (t, NORMAL, self.seq, target, None))

    def signal(self) -> Signal:
        return Signal(self)

    def run(self, until: float) -> None:
        """Run every event before ``until``; the clock then reads ``until`` (as ``simpy`` does)."""
        queue, ready = self.queue, self.ready
        signal = Signal
        now = self.now
        while True:
            if ready and not (queue and queue[0][0] <= now):
                target, value = ready.popleft()
            elif queue and queue[0][0] < until:
                now, _prio, _seq, target, value = heappop(queue)
                self.now = now
            else:
                break
            try:
                y = target.send(value)
            except StopIteration:
                continue
            if y is None:
                continue  # a callback
            if y.__class__ is signal:
                if y.processed:  # long done: go on at once
                    ready.appendleft((target, y.value))
                else:  # resumed when it succeeds, or at its turn if it already has
                    y.proc = target
            else:
                t = now + y
                if t == now:
                    ready.append((target, None))
                else:
                    self.seq += 1
                    heappush(queue, (t, NORMAL, self.seq, target, None))
        self.now = float(until)
