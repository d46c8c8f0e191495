"""Upbit's quotation REST API: URLs, groups and answers (``parse``), a blocking GET (``client``).

The tree calls it only from the ``rest`` actor, each call granted by the rate limiter.
"""

from __future__ import annotations

from upbit_actors.system.rest.client import DEFAULT_TIMEOUT, RestClient, RestReply
from upbit_actors.system.rest.parse import DEFAULT_REST_URL, MARKET_ALL, build_url, group_of, parse_markets

__all__ = ["DEFAULT_REST_URL", "DEFAULT_TIMEOUT", "MARKET_ALL", "RestClient", "RestReply", "build_url",
           "group_of", "parse_markets"]
