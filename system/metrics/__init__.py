"""Figures for monitoring: a cheap latency histogram the actors keep in their status, and the
translation of a ``SystemStatus`` into metric families (``families``), which
``system.embed.metrics`` serves to Prometheus. Nothing here imports Thespian or prometheus_client.
"""
