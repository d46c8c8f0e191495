"""Rate limits, JWT checks, faults and the private account model, without I/O (SPEC §5, §7, §3.5-3.6)."""

from __future__ import annotations

import jwt
import pytest

from upbit_actors.tools.sim.auth import NonceLedger, check_authorization
from upbit_actors.tools.sim.faults import Faults
from upbit_actors.tools.sim.limits import HandshakeLimiter, SlidingWindows
from upbit_actors.tools.sim.private import Accounts

KEYS = {"ak": "s" * 64}


def bearer(payload: dict, secret: str = "s" * 64, algorithm: str = "HS256") -> str:
    return "Bearer " + jwt.encode(payload, secret, algorithm=algorithm)


def test_message_windows_5_per_second_and_100_per_minute() -> None:
    windows = SlidingWindows(((5, 1.0), (100, 60.0)))
    assert all(windows.allow(0.1 * i) for i in range(5))
    assert not windows.allow(0.5)  # a sixth within one second
    assert windows.allow(1.01)  # the first one left the window
    allowed = sum(windows.allow(2.0 + 0.25 * i) for i in range(200))  # 4/s for 50 s
    assert allowed == 100 - 6  # the minute budget, not the second one, stops it
    assert SlidingWindows(()).allow(0.0)


def test_handshake_limit_429_then_growing_418() -> None:
    limiter = HandshakeLimiter(5, ban_after=3, ban_seconds=10.0)
    assert [limiter.check("ip", 0.0)[0] for _ in range(5)] == [101] * 5
    assert limiter.check("ip", 0.1)[0] == 429
    assert limiter.check("other", 0.1)[0] == 101  # per client
    assert limiter.check("ip", 0.2)[0] == 429
    assert limiter.check("ip", 0.3) == (418, 10.0)
    assert limiter.check("ip", 5.0)[0] == 418
    assert limiter.check("ip", 10.4)[0] == 101
    for _ in range(4):
        limiter.check("ip", 10.5)
    assert [limiter.check("ip", t)[0] for t in (10.6, 10.7)] == [429, 429]
    assert limiter.check("ip", 10.8) == (418, 20.0)  # a repeated violation doubles the block


def test_jwt_hs256_and_hs512_accepted() -> None:
    for alg in ("HS256", "HS512"):
        assert check_authorization(bearer({"access_key": "ak", "nonce": "n"}, algorithm=alg), KEYS).ok


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("Basic abc", "malformed"),
        ("Bearer not-a-jwt", "malformed"),
        (bearer({"access_key": "nope", "nonce": "n"}), "unknown_key"),
        (bearer({"access_key": "ak", "nonce": "n"}, secret="w" * 64), "bad_signature"),
        (bearer({"access_key": "ak"}), "no_nonce"),
        (bearer({"access_key": "ak", "nonce": "n"}, algorithm="HS384"), "algorithm"),
    ],
)
def test_bad_tokens(header: str | None, reason: str) -> None:
    result = check_authorization(header, KEYS)
    assert not result.ok and result.reason == reason


def test_reused_nonce_only_when_asked() -> None:
    header = bearer({"access_key": "ak", "nonce": "same"})
    assert check_authorization(header, KEYS).ok and check_authorization(header, KEYS).ok
    ledger = NonceLedger(limit=2)
    assert check_authorization(header, KEYS, nonces=ledger).ok
    assert check_authorization(header, KEYS, nonces=ledger).reason == "nonce_used"


def test_faults_expire_by_themselves() -> None:
    faults = Faults()
    faults.stall_data(10.0, 2.0)
    faults.refuse(10.0, 1.0, 429)
    assert faults.data_stalled(11.0) and not faults.all_stalled(11.0) and faults.refusal(10.5) == 429
    assert not faults.data_stalled(12.0) and faults.refusal(11.0) is None
    faults.stall_all(20.0, 1.0)
    assert faults.all_stalled(20.5) and faults.data_stalled(20.5)
    with pytest.raises(ValueError):
        faults.refuse(0.0, 1.0, 500)


def test_limit_order_life_cycle_frames_and_balances() -> None:
    accounts = Accounts(seed=1, fee_rate=0.0005)
    accounts.set_balance("ak", "KRW", 2_000_000.0, 0.0, 1)
    order, events = accounts.place("ak", "KRW-BTC", "bid", "limit", 100_000_000.0, 0.01, 1000,
                                   identifier="c-1")
    placed = events[0].frame
    assert placed["state"] == "wait" and placed["trade_uuid"] is None and placed["trade_fee"] is None
    assert placed["locked"] == pytest.approx(1_000_000 * 1.0005) and placed["identifier"] == "c-1"
    assert events[1].frame["assets"] == [{"currency": "KRW", "balance": pytest.approx(999_500.0),
                                          "locked": pytest.approx(1_000_500.0)}]
    fill = accounts.fill(order.uuid, market_price=99_000_000.0, now_ms=2000, volume=0.004)
    trade = fill[0].frame
    # SPEC §3.5: with state=trade, price and volume are the fill's; limit fills at the order price.
    assert (trade["state"], trade["price"], trade["volume"]) == ("trade", 100_000_000.0, 0.004)
    assert trade["trades_count"] == 1 and trade["remaining_volume"] == 0.006 and trade["is_maker"] is True
    assert trade["trade_fee"] == pytest.approx(200.0) and trade["trade_timestamp"] == 2000
    assert fill[-1].frame["type"] == "myAsset"
    rest = accounts.fill(order.uuid, 0.0, 3000)
    assert [e.frame.get("state") for e in rest] == ["trade", "done", None]
    assert rest[1].frame["executed_volume"] == 0.01 and rest[1].frame["locked"] == 0.0
    krw, btc = (accounts.balances["ak"][c] for c in ("KRW", "BTC"))
    assert btc == [pytest.approx(0.01), 0.0] and krw[1] == pytest.approx(0.0, abs=1e-6)
    assert krw[0] == pytest.approx(2_000_000 - 1_000_000 * 1.0005)
    with pytest.raises(ValueError):
        accounts.cancel(order.uuid, 4000)


def test_cancel_and_market_orders() -> None:
    accounts = Accounts(seed=2)
    order, _ = accounts.place("ak", "KRW-ETH", "ask", "limit", 5_000_000.0, 2.0, 1)
    cancelled = accounts.cancel(order.uuid, 2)
    assert cancelled[0].frame["state"] == "cancel" and cancelled[1].frame["assets"][0]["currency"] == "ETH"
    buy, events = accounts.place("ak", "KRW-ETH", "bid", "price", 100_000.0, None, 3)
    assert events[0].frame["volume"] is None and events[0].frame["order_type"] == "price"
    done = accounts.fill(buy.uuid, market_price=5_000_000.0, now_ms=4)
    assert [e.frame.get("state") for e in done] == ["trade", "done", None]
    assert done[0].frame["volume"] == pytest.approx(0.02) and done[0].frame["is_maker"] is False
    with pytest.raises(ValueError):
        accounts.place("ak", "KRW-ETH", "up", "limit", 1.0, 1.0, 5)
