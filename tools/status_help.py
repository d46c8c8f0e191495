"""What every column and counter of ``upbit-actors status`` means: the ``--help`` epilog."""

from __future__ import annotations

__all__ = ["COUNTERS"]

COUNTERS = """\
columns:
  ROLE        the actor's role (component:NAME for components; streams are listed under router)
  PID, STATE  its process and state (running, open, connecting, backoff, auth_failed, stopped)
  UPTIME      since this process started (a restart starts it again)
  RESTARTS    restarts of the role counted by the supervisor's ledger
  HANDLED     messages the actor handled; HANDLED/S the same per second
  QUEUE       items waiting in the actor's own buffers (router: events for consumers;
              connection: frames read and not yet sent to the router)
  DROPS       events lost by overflow policies (router: all consumers; component: its own);
              DROPS/S per second

every actor:
  unrecognized     messages of a type it has no handler for (ignored, counted)
  stale_ticks      timer wake-ups that a newer timer replaced (ignored)
  poisoned         messages it sent that failed twice in their receiver
  failures         handler exceptions (each is retried once by Thespian)
  refused_pickles  incoming packets of a class off the allow-list: refused, never built

registry:
  keys, keys_loaded    keys held over all components; whether Upbit keys are loaded (JWT actor)
  merged               per endpoint: generation (numbers each merged set), streams, codes,
                       pending (a change waits for the merge window), set (what is on the wire)
  routing_generation   numbers the routing table sent to the router
  markets, markets_reason, markets_fetches, markets_failures   Upbit's market list (codes known,
                       or why none: then codes are unchecked), fetches of GET /v1/market/all
  no_snapshot_alerts   unchecked streams that produced no event within snapshot_timeout

limiter:
  public, private      per connection: epoch, sent, pending, used_1s / used_60s of the message
                       budget (4/s, 90/min), live_generation, latest_generation, superseded
                       (replaced before it could be sent), stale, checks (LIST_SUBSCRIPTIONS
                       requests granted), resends (sets sent again: Upbit's live set differed)
  handshakes_used_1s, handshakes_used_60s, handshakes_waiting   the handshake budget
  rest                 REST permits: granted, dropped, per group used (of 8 per 1.2 s) and waiting

rest:
  rest_url             where REST calls go (none: REST is off); calls made, call_failures,
                       last_error; waiting (calls queued), refused (queue full)

jwt:
  keys_loaded, keys_source, keys_version, algorithm, tokens_issued   never the keys themselves

router:
  events_in, events_out   events per type received and handed to consumers
  ack_latency             histogram of a batch's trip (sent -> the consumer's process took it), seconds
  generation              the routing table it applies
  frames           frames received from the connections; decode_errors: frames no codec
                   reading could make sense of; upbit_errors: Upbit error frames (alerted)
  unrouted         events no consumer held a key for (late frames after an unsubscribe)
  ignored          non-data items; unconfigured_frames: frames before its Configure
  cached           latest events kept for consumers that join a stream
  gaps             Gap events put in consumers' streams after a reconnect (one per held
                   type and code); gaps_filled: those whose trades the REST backfill covered
  backfilled       trades fetched by REST and delivered; backfills_pending: codes whose live
                   trades wait for their backfill
  per consumer     buffered (waiting), delivered, batches, in_flight (unacknowledged, at most
                   4), ack_timeouts (acks assumed after 5 s), dropped (lost: drop_oldest,
                   drop_newest, overflow), replaced (conflated: latest, throttled), losses
                   (per type/reason), policies (per type), snapshots_skipped (SNAPSHOTs of a
                   key it already had on this socket, or held only_realtime: not delivered)

connection:
  endpoint, url       which socket; generation: the merged set it last sent
  epoch, reconnects   socket number and how many were opened again; last_frame_age: seconds
                      since the last frame; keys_version: the keys its token was made with
  frames, requests_sent, auth_failures, last_error
  live_checks         LIST_SUBSCRIPTIONS requests sent (after each set and every
                      live_check_interval); live_matches: answers equal to the set sent
  live_mismatches     answers that differed; live_last_mismatch: the last difference
                      (missing/extra type:code); live_resends: sets asked again for it (at most
                      3 in a row per set); live_unanswered: requests without an answer in 10 s
  to router           frames_sent, batches_sent, frames_waiting, batches_in_flight (at most 2),
                      paused/pauses (socket not read while the router catches up), frames_lost
                      (batches a dead or replaced router never acknowledged)
  held_sets           admitted sets held back because the socket already had 4 messages in
                      the last 1.25 s (or 90 in the last 61 s): sent when a slot freed

component:
  events_received, events_dropped (told by the router), undecodable (frames the codec could
  not read), duplicates (repeated trades left out after a reconnect), unwanted (events of a
  pair it had given up, still in flight when it changed its set: left out)

component:upbit-actors.members (a leader's members actor, HubConfig.accept_members):
  members              each member system: name, host it listens on, joined/seen seconds ago,
                       and its components (pid, events received, leader alerts told, streams)
  departures           the last members released and why (unreachable, silent, left)
  convention_systems   systems Thespian lists in the convention; releases: members released
"""
