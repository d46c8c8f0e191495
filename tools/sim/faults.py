"""Pure fault switches with deadlines: what the server should currently do wrong.

Every query takes ``now`` (seconds, the server's clock); a fault ends by itself at its deadline.
"""

from __future__ import annotations

from upbit_actors.system.errors import SimRequestError

__all__ = ["Faults"]


class Faults:
    """Deadlines of the timed faults the control API can switch on."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Switch every fault off."""
        self.stall_data_until = 0.0
        """Until then no frame is sent (protocol pongs still are)."""
        self.stall_all_until = 0.0
        """Until then nothing is read or sent: client pings go unanswered."""
        self.refuse_until = 0.0
        """Until then every handshake gets :attr:`refuse_status`."""
        self.refuse_status = 503
        self.slow_until = 0.0
        """Until then every handshake waits :attr:`slow_delay` seconds first."""
        self.slow_delay = 0.0

    def stall_data(self, now: float, seconds: float) -> None:
        self.stall_data_until = now + seconds

    def stall_all(self, now: float, seconds: float) -> None:
        self.stall_all_until = now + seconds

    def refuse(self, now: float, seconds: float, status: int = 503) -> None:
        if status not in (429, 503):
            raise SimRequestError("refusal status must be 503 or 429")
        self.refuse_until, self.refuse_status = now + seconds, status

    def slow(self, now: float, seconds: float, delay: float) -> None:
        self.slow_until, self.slow_delay = now + seconds, delay

    def data_stalled(self, now: float) -> bool:
        return now < self.stall_data_until or now < self.stall_all_until

    def all_stalled(self, now: float) -> bool:
        return now < self.stall_all_until

    def refusal(self, now: float) -> int | None:
        """HTTP status every handshake gets now, or None."""
        return self.refuse_status if now < self.refuse_until else None

    def handshake_delay(self, now: float) -> float:
        return self.slow_delay if now < self.slow_until else 0.0

    def snapshot(self, now: float) -> dict[str, float | int]:
        """Seconds left of each fault (0 when off)."""
        return {
            "stall_data": max(0.0, self.stall_data_until - now),
            "stall_all": max(0.0, self.stall_all_until - now),
            "refuse_handshakes": max(0.0, self.refuse_until - now),
            "refuse_status": self.refuse_status,
            "slow_handshakes": max(0.0, self.slow_until - now),
            "slow_delay": self.slow_delay,
        }
