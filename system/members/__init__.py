"""Decisions of the leader's members actor (``actors.members``; issue 15) and the exposure rules.

=============  =================================================================================
module         what it is for
=============  =================================================================================
``table``      the leader's table of members: join, heartbeat, who is gone, what to release
``exposure``   checks of ``listen_host``, ``leader`` and ``member_name`` (loopback by default)
=============  =================================================================================

Pure: no Thespian, no sockets, no clock (``now`` is an argument).
"""
