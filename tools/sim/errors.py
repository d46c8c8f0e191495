"""Upbit WebSocket error frames: names, messages in both server languages, key order.

Shape ``{"error":{"name":..,"message":..}}`` (SPEC §6 [DOC]). The key order copies the wire:
NO_TICKET came name-first, INVALID_PARAM and WRONG_FORMAT message-first (SPEC §6 [WIRE]).
"""

from __future__ import annotations

__all__ = [
    "INVALID_AUTH",
    "INVALID_PARAM",
    "MESSAGE_FIRST",
    "NO_CODES",
    "NO_TICKET",
    "NO_TYPE",
    "WRONG_FORMAT",
    "error_frame",
    "error_message",
]

INVALID_AUTH = "INVALID_AUTH"
WRONG_FORMAT = "WRONG_FORMAT"
NO_TICKET = "NO_TICKET"
NO_TYPE = "NO_TYPE"
NO_CODES = "NO_CODES"
INVALID_PARAM = "INVALID_PARAM"

MESSAGE_FIRST = frozenset({INVALID_PARAM, WRONG_FORMAT})
"""Errors whose frame puts ``message`` before ``name`` (SPEC §6 [WIRE])."""

_MESSAGES: dict[str, dict[str, str]] = {
    # SPEC §6, Korean server (api.upbit.com), docs and wire.
    "ko": {
        INVALID_AUTH: "인증 정보가 올바르지 않습니다.",
        WRONG_FORMAT: "Format 이 맞지 않습니다.",
        NO_TICKET: "티켓이 존재하지 않거나, 유효하지 않습니다.",
        NO_TYPE: "type 필드가 존재하지 않습니다.",
        NO_CODES: "codes 필드가 존재하지 않습니다.",
        "empty_codes": "codes 필드가 비어 있습니다.",
        "bad_type": "{} 은 지원하지 않는 타입입니다.",
        # [UNVERIFIED for Upbit]: Bithumb's clone spells it this way; spaced like bad_type.
        "bad_format": "{} 은 지원하지 않는 포맷입니다.",
        "too_many": "요청 수 제한을 초과했습니다.",
    },
    # SPEC §6, regional servers (global-docs).
    "en": {
        INVALID_AUTH: "Invalid authentication.",
        WRONG_FORMAT: "Requested using wrong format",
        NO_TICKET: "Ticket field must be contained.",
        NO_TYPE: "type field not exists.",
        NO_CODES: "codes field not exists.",
        "empty_codes": "codes field is empty.",
        "bad_type": "type {} is not supported.",
        "bad_format": "format {} is not supported.",
        "too_many": "Too many requests.",
    },
}


def error_message(key: str, language: str = "ko", detail: str = "") -> str:
    """The message for an error name or a detail key (``empty_codes``, ``bad_type``, ``too_many``).

    An unknown key is its own message, so a fault can send any error name.
    """
    table = _MESSAGES.get(language, _MESSAGES["ko"])
    return table[key].format(detail) if key in table else key


def error_frame(name: str, message: str) -> dict[str, dict[str, str]]:
    """The error frame as a dict whose key order matches the wire (see :data:`MESSAGE_FIRST`)."""
    if name in MESSAGE_FIRST:
        return {"error": {"message": message, "name": name}}
    return {"error": {"name": name, "message": message}}
