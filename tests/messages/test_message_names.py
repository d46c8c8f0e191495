"""Thespian dispatches ``receiveMsg_<ClassName>`` on the bare class name (STYLE.md principle 2),
so every message class name must be unique across ``messages/``."""

from __future__ import annotations

import collections

import attrs

from upbit_actors import messages


def test_message_classes_are_attrs_classes() -> None:
    assert len(messages.MESSAGE_CLASSES) >= 48  # the vocabulary grows; it never shrinks silently
    assert all(attrs.has(cls) for cls in messages.MESSAGE_CLASSES)
    assert set(messages.MARKET_EVENT_CLASSES) <= set(messages.MESSAGE_CLASSES)


def test_class_names_are_unique() -> None:
    counts = collections.Counter(cls.__name__ for cls in messages.MESSAGE_CLASSES)
    assert [name for name, n in counts.items() if n > 1] == []


def test_every_class_is_exported_under_its_name() -> None:
    for cls in messages.MESSAGE_CLASSES:
        assert getattr(messages, cls.__name__) is cls
