"""system.connection.livecheck: LIST_SUBSCRIPTIONS requests and answers judged (SPEC §2.1 rule 4,
issue 13 item 5). Answers are built as Upbit writes them (the official sample, SIMPLE keys, a
``*_LIST`` array)."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.paths import SHARED_SAMPLES
from upbit_actors.messages import (
    DataType,
    Endpoint,
    MergedSubscription,
    ResendSubscription,
    WireFormat,
    WireStream,
)
from upbit_actors.system.connection.livecheck import (
    ANSWER_TIMEOUT,
    MAX_RESENDS,
    MAX_WAITING,
    LiveCheck,
)

SAMPLES = SHARED_SAMPLES
T, OB = DataType.TICKER, DataType.ORDERBOOK


def merged(*streams: WireStream, gen: int = 1, fmt: WireFormat = WireFormat.DEFAULT,
           endpoint: Endpoint = Endpoint.PUBLIC) -> MergedSubscription:
    return MergedSubscription(endpoint=endpoint, generation=gen, streams=streams, format=fmt)


def answer(result: list[dict], ticket: object = None, simple: bool = False, as_list: bool = False) -> bytes:
    if simple:
        result = [{{"type": "ty", "codes": "cds", "level": "lv"}[k]: v for k, v in item.items()} for item in result]
        frame: dict = {"mthd": "LIST_SUBSCRIPTIONS", "rslt": result, "tckt": ticket}
    else:
        frame = {"method": "LIST_SUBSCRIPTIONS", "result": result, "ticket": ticket}
    return orjson.dumps([frame] if as_list else frame)


def ask(check: LiveCheck, sent: MergedSubscription, epoch: int = 1, now: float = 0.0) -> str:
    request = check.begin(epoch, epoch, sent, now)
    assert request is not None
    return orjson.loads(request)[0]["ticket"]


SAMPLE_SET = merged(WireStream(data_type=T, codes=("KRW-BTC", "KRW-ETH")),
                    WireStream(data_type=OB, codes=("KRW-BTC", "KRW-ETH")))


def test_the_official_sample_matches_the_set_it_describes() -> None:
    path = SAMPLES / "list_subscriptions_official.json"
    if not path.is_file():
        pytest.skip(f"shared Upbit sample not found beside the repository ({SAMPLES})")
    sample = json.loads(path.read_text(encoding="utf-8"))["frames"][0]
    check = LiveCheck()
    ticket = ask(check, SAMPLE_SET)
    rest, verdicts = check.take([b'{"type":"ticker"}', orjson.dumps({**sample, "ticket": ticket})], 1,
                                SAMPLE_SET, 0.1)
    assert rest == [b'{"type":"ticker"}']  # data frames pass; the answer stays here
    assert [v.matched for v in verdicts] == [True] and check.status()["live_matches"] == 1


@pytest.mark.parametrize("fmt", list(WireFormat))
def test_the_request_keeps_the_connections_own_format(fmt: WireFormat) -> None:
    # SPEC §2.1 rule 4: the format object of LIST_SUBSCRIPTIONS switches the whole connection.
    request = LiveCheck().begin(3, 3, merged(WireStream(data_type=T, codes=("KRW-BTC",)), fmt=fmt), 0.0)
    body = orjson.loads(request)
    assert body[1] == {"method": "LIST_SUBSCRIPTIONS"} and body[2] == {"format": fmt.value}
    assert body[0]["ticket"].startswith("upbit-actors-3-list-")


def test_no_request_for_a_stale_grant_or_before_the_first_set() -> None:
    check = LiveCheck()
    sent = merged(WireStream(data_type=T, codes=("KRW-BTC",)))
    assert check.begin(1, 2, sent, 0.0) is None  # granted for a socket that is gone
    assert check.begin(1, None, sent, 0.0) is None  # no socket
    assert check.begin(1, 1, None, 0.0) is None  # nothing sent on it yet
    assert check.checks == 0


@pytest.mark.parametrize(("simple", "as_list"), [(False, False), (True, False), (False, True), (True, True)])
def test_a_missing_code_asks_for_the_set_again_in_every_format(simple: bool, as_list: bool) -> None:
    check = LiveCheck(endpoint=Endpoint.PUBLIC)
    ticket = ask(check, SAMPLE_SET, epoch=4)
    listed = [{"type": "ticker", "codes": ["KRW-BTC"]}, {"type": "orderbook", "codes": ["KRW-BTC", "KRW-ETH"],
                                                          "level": 0}]
    rest, [verdict] = check.take([answer(listed, ticket, simple, as_list)], 4, SAMPLE_SET, 0.1)
    assert rest == [] and verdict.missing == ("ticker:KRW-ETH",) and verdict.extra == ()
    assert verdict.resend == ResendSubscription(endpoint=Endpoint.PUBLIC, epoch=4, detail="missing ticker:KRW-ETH")
    assert check.status()["live_mismatches"] == 1 and check.status()["live_last_mismatch"] == verdict.detail


def test_extra_codes_level_and_depth_are_compared() -> None:
    sent = merged(WireStream(data_type=OB, codes=("KRW-BTC.15", "KRW-ETH"), level=10000))
    check = LiveCheck()
    # The answer shows suffixes: depth counts (no suffix = 30); level 10000 vs 0 differs.
    ticket = ask(check, sent)
    _, [v] = check.take([answer([{"type": "orderbook", "codes": ["KRW-BTC.5", "KRW-ETH", "KRW-XRP"],
                                  "level": 10000}], ticket)], 1, sent, 0.1)
    assert v.missing == ("orderbook:KRW-BTC.15@10000",)
    assert v.extra == ("orderbook:KRW-BTC.5@10000", "orderbook:KRW-XRP@10000")
    # No suffix anywhere in the answer: the server does not show depth, so it is not compared.
    ticket = ask(check, sent)
    _, [v] = check.take([answer([{"type": "orderbook", "codes": ["KRW-BTC", "KRW-ETH"], "level": 10000.0}],
                                ticket)], 1, sent, 0.2)
    assert v.matched
    ticket = ask(check, sent)
    _, [v] = check.take([answer([{"type": "orderbook", "codes": ["KRW-BTC", "KRW-ETH"], "level": 0}], ticket)],
                        1, sent, 0.3)
    assert v.missing == ("orderbook:KRW-BTC@10000", "orderbook:KRW-ETH@10000")


def test_flags_private_types_and_only_snapshot_keys() -> None:
    sent = merged(WireStream(data_type=DataType.MY_ORDER), WireStream(data_type=DataType.MY_ASSET),
                  endpoint=Endpoint.PRIVATE)
    check = LiveCheck(endpoint=Endpoint.PRIVATE)
    ticket = ask(check, sent)
    _, [v] = check.take([answer([{"type": "myOrder", "codes": []}, {"type": "myAsset"}], ticket)], 1, sent, 0.1)
    assert v.matched
    snap = merged(WireStream(data_type=T, codes=("KRW-BTC",), only_realtime=True),
                  WireStream(data_type=T, codes=("KRW-ETH",), only_snapshot=True))
    # is_only_* are not in the answer: an only_snapshot key may be there or not.
    for codes in (["KRW-BTC"], ["KRW-BTC", "KRW-ETH"]):
        ticket = ask(check, snap)
        _, [v] = check.take([answer([{"type": "ticker", "codes": codes}], ticket)], 1, snap, 0.2)
        assert v.matched


def test_an_answer_to_an_older_set_is_counted_but_not_repaired() -> None:
    check = LiveCheck()
    old = merged(WireStream(data_type=T, codes=("KRW-BTC",)), gen=1)
    ticket = ask(check, old)
    new = merged(WireStream(data_type=T, codes=("KRW-ETH",)), gen=2)  # sent after the request
    _, [v] = check.take([answer([{"type": "ticker", "codes": []}], ticket)], 1, new, 0.1)
    assert not v.matched and v.resend is None and check.mismatches == 1


def test_resends_stop_after_max_in_a_row_and_start_again_after_a_match() -> None:
    check = LiveCheck()
    sent = merged(WireStream(data_type=T, codes=("KRW-BTC", "KRW-NOPE")))
    wrong = [{"type": "ticker", "codes": ["KRW-BTC"]}]
    resends = []
    for i in range(MAX_RESENDS + 2):
        ticket = ask(check, sent, now=float(i))
        _, [v] = check.take([answer(wrong, ticket)], 1, sent, float(i))
        resends.append(v.resend is not None)
    assert resends == [True] * MAX_RESENDS + [False, False]
    ticket = ask(check, sent, now=10.0)
    check.take([answer([{"type": "ticker", "codes": ["KRW-BTC", "KRW-NOPE"]}], ticket)], 1, sent, 10.0)
    ticket = ask(check, sent, now=11.0)
    _, [v] = check.take([answer(wrong, ticket)], 1, sent, 11.0)
    assert v.resend is not None and check.resends == MAX_RESENDS + 1


def test_unanswered_late_foreign_and_other_socket_answers() -> None:
    check = LiveCheck()
    sent = merged(WireStream(data_type=T, codes=("KRW-BTC",)))
    good = [{"type": "ticker", "codes": ["KRW-BTC"]}]
    late = ask(check, sent, now=0.0)
    ask(check, sent, now=ANSWER_TIMEOUT + 1)  # the first one expired meanwhile
    assert check.unanswered == 1
    _, verdicts = check.take([answer(good, late)], 1, sent, ANSWER_TIMEOUT + 1.1)
    assert verdicts == []  # a late answer is taken off the frames, judged against nothing
    # A server that does not echo our ticket: the oldest request is answered.
    _, [v] = check.take([answer(good, 12345)], 1, sent, ANSWER_TIMEOUT + 1.2)
    assert v.matched
    # Answers are looked for on the socket the requests went on only.
    ask(check, sent, epoch=1, now=20.0)
    frames = [answer(good, None)]
    assert check.take(frames, 2, sent, 20.1) == (frames, [])
    for _ in range(MAX_WAITING + 1):
        ask(check, sent, now=20.2)
    assert len(check.waiting) == MAX_WAITING and check.unanswered == 1 + 2  # 6 asked, 4 kept


def test_nothing_is_scanned_while_no_answer_is_due() -> None:
    check = LiveCheck()
    frames = (answer([], "upbit-actors-1-list-1"),)
    assert check.take(frames, 1, None, 0.0) == (frames, [])  # returned as they are


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([T, DataType.TRADE, OB, DataType.CANDLE_1M]),
                          st.lists(st.sampled_from(["KRW-BTC", "KRW-ETH", "BTC-XRP"]), min_size=1, max_size=3,
                                   unique=True),
                          st.sampled_from([None, 0, 5000]), st.booleans()), min_size=1, max_size=4),
       st.booleans())
def test_an_answer_listing_exactly_what_was_sent_always_matches(streams, simple: bool) -> None:
    # However the set is spread over type objects, an answer that repeats each object as sent matches.
    wire = tuple(WireStream(data_type=kind, codes=codes, level=level if kind is OB else None, only_realtime=rt)
                 for kind, codes, level, rt in streams)
    sent = merged(*wire)
    check = LiveCheck()
    ticket = ask(check, sent)
    listed = [{"type": s.data_type.value, "codes": list(s.codes), **({"level": s.level or 0} if s.data_type is OB
                                                                     else {})} for s in wire]
    _, [v] = check.take([answer(listed, ticket, simple)], 1, sent, 0.1)
    assert v.matched and v.resend is None
