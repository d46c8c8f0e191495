"""system.connection.outflow: the connection -> router hop's credit, coalescing and pause."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from upbit_actors.system.connection.outflow import Outflow


def frames(n: int, tag: str = "f") -> list[bytes]:
    return [f"{tag}{i}".encode() for i in range(n)]


def test_idle_hop_sends_at_once_and_coalesces_while_the_credit_is_spent() -> None:
    out = Outflow(credit=1)
    out.add(1, frames(3))
    first = out.take(0.0)
    assert [len(b.frames) for b in first] == [3]
    out.add(1, frames(2, "a"))
    out.add(1, frames(4, "b"))
    assert out.take(0.001) == []  # one batch in flight: the next frames wait
    assert out.acked(first[0].seq) and not out.acked(first[0].seq)
    second = out.take(0.002)
    assert [b.frames for b in second] == [tuple(frames(2, "a") + frames(4, "b"))]  # one batch


def test_segments_keep_their_socket_epoch() -> None:
    out = Outflow(credit=3)
    out.add(1, frames(2))
    out.add(2, frames(1, "n"))
    batches = out.take(0.0)
    assert [(b.epoch, len(b.frames)) for b in batches] == [(1, 2), (2, 1)]


def test_big_reads_are_cut_into_bounded_batches() -> None:
    out = Outflow(credit=2, max_batch=3)
    out.add(1, frames(7))
    assert [len(b.frames) for b in out.take(0.0)] == [3, 3]
    assert out.waiting == 1


def test_pause_and_resume_around_the_bounds() -> None:
    out = Outflow(credit=1, max_batch=10, pause_at=20, resume_at=5)
    out.add(1, frames(10))
    sent = out.take(0.0)
    out.add(1, frames(25))
    assert out.paused and out.pauses == 1
    out.acked(sent[0].seq)
    batch = out.take(0.1)
    assert out.paused and out.waiting == 15  # still above resume_at
    for _ in range(2):
        out.acked(batch[0].seq)
        batch = out.take(0.2)
    assert not out.paused and out.waiting == 0


def test_unacknowledged_batches_are_counted_as_lost_never_silently() -> None:
    out = Outflow(credit=2, ack_timeout=2.0)
    out.add(1, frames(4))
    (a,) = out.take(0.0)
    out.add(1, frames(3))
    (b,) = out.take(1.5)
    assert out.expire(1.9) == 0
    assert out.expire(2.0) == 4  # the first one only
    assert out.router_changed() == 3  # a new router: the second is gone with the old one
    assert out.status()["frames_lost"] == 7 and out.status()["batches_in_flight"] == 0
    assert not out.acked(a.seq) and not out.acked(b.seq)


def test_a_batch_thespian_could_not_deliver_is_lost_once_and_frees_its_credit() -> None:
    out = Outflow(credit=1)
    out.add(1, frames(5))
    (a,) = out.take(0.0)
    out.add(1, frames(2))
    assert out.take(0.1) == []  # the credit is spent
    assert out.failed(a.seq) == 5  # the send's end reported a failure (a dead router)
    assert out.failed(a.seq) == 0 and out.router_changed() == 0  # never counted twice
    (b,) = out.take(0.2)
    assert len(b.frames) == 2 and out.status()["frames_lost"] == 5


@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 50), st.booleans()), max_size=40))
def test_every_frame_is_sent_once_in_order_or_still_waiting(steps) -> None:
    out = Outflow(credit=2, max_batch=17, pause_at=60, resume_at=10)
    added: list[bytes] = []
    sent: list[bytes] = []
    in_flight: list[int] = []
    epoch = 1
    for i, (bump, n, ack) in enumerate(steps):
        epoch += bump - 1
        new = [f"{i}:{k}".encode() for k in range(n)]
        added += new
        out.add(epoch, new)
        if ack and in_flight:
            assert out.acked(in_flight.pop(0))
        for batch in out.take(float(i)):
            sent += batch.frames
            in_flight.append(batch.seq)
        assert len(in_flight) <= 2
    assert sent + [f for _, seg in out._waiting for f in seg] == added
    assert out.waiting == len(added) - len(sent)
