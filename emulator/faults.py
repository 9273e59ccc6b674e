"""Injected faults: throttling, 5xx, conflicts, latency and dropped connections, by rate and by action, bounded by `times`."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("throttling", "5xx", "conflict", "latency", "drop")


@dataclass
class Fault:
    kind: str
    rate: float = 1.0
    actions: list[str] | None = None
    latency_ms: int = 0
    times: int | None = None
    fired: int = 0

    def applies_to(self, action: str) -> bool:
        return (self.actions is None or action in self.actions) and (self.times is None or self.fired < self.times)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "rate": self.rate, "actions": self.actions, "latency_ms": self.latency_ms,
                "times": self.times, "fired": self.fired}


@dataclass(frozen=True)
class Outcome:
    """What the faults decided for one request: a delay, then maybe an error answer or a dropped connection."""

    delay_seconds: float = 0.0
    error_code: str = ""
    drop: bool = False


def parse_fault(spec: dict[str, Any]) -> Fault:
    """A Fault from its admin-API form; ValueError names what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("each fault is an object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError(f"fault kind {kind!r} is not one of {', '.join(FAULT_KINDS)}")
    rate = spec.get("rate", 1.0)
    if not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
        raise ValueError(f"fault rate {rate!r} is not a number from 0.0 to 1.0")
    actions = spec.get("actions")
    if actions is not None and (not isinstance(actions, list) or not all(isinstance(name, str) for name in actions)):
        raise ValueError("fault actions must be a list of action names or null")
    latency_ms = spec.get("latency_ms", 0)
    times = spec.get("times")
    if not isinstance(latency_ms, int) or latency_ms < 0:
        raise ValueError(f"latency_ms {latency_ms!r} is not a non-negative integer")
    if times is not None and (not isinstance(times, int) or times < 0):
        raise ValueError(f"times {times!r} is not a non-negative integer or null")
    if kind == "latency" and latency_ms == 0:
        raise ValueError("a latency fault needs latency_ms")
    return Fault(kind=kind, rate=float(rate), actions=actions, latency_ms=latency_ms, times=times)


@dataclass
class FaultInjector:
    """The current fault set; replaced as a whole, consulted once per ECS request."""

    faults: list[Fault] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def replace(self, specs: list[dict[str, Any]], random_seed: int | None = None) -> None:
        faults = [parse_fault(spec) for spec in specs]
        with self.lock:
            self.faults = faults
            self.rng = random.Random(random_seed)

    def clear(self) -> None:
        self.replace([])

    def describe(self) -> list[dict[str, Any]]:
        with self.lock:
            return [fault.describe() for fault in self.faults]

    def decide(self, action: str) -> Outcome:
        """Latency faults add up; the first error or drop fault that fires ends the decision."""
        delay = 0.0
        with self.lock:
            for fault in self.faults:
                if not fault.applies_to(action) or self.rng.random() >= fault.rate:
                    continue
                fault.fired += 1
                if fault.kind == "latency":
                    delay += fault.latency_ms / 1000.0
                elif fault.kind == "drop":
                    return Outcome(delay, drop=True)
                elif fault.kind == "throttling":
                    return Outcome(delay, error_code="Throttling")
                elif fault.kind == "conflict":
                    # JoinSecurityGroup may answer 409 InvalidOperation.Conflict (API reference error table).
                    return Outcome(delay, error_code="InvalidOperation.Conflict")
                else:
                    return Outcome(delay, error_code=self.rng.choice(("ServiceUnavailable", "InternalError")))
        return Outcome(delay)
