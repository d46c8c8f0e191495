"""Decisions of a member system's agent (``actors.member``; issue 15): its view of the leader.

==========  ====================================================================================
module      what it is for
==========  ====================================================================================
``link``    joined, lost, back: what the components must be told; their directory and summaries
==========  ====================================================================================

Pure: no Thespian, no sockets, no clock (``now`` is an argument).
"""
