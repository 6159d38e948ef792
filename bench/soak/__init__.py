"""Soak: mixed load at a steady fraction of capacity for a long time, watching for drift.

`python -m bench.soak --duration 1200` (`make soak`) starts the same production-shaped stack as
`python -m bench` (bench/stack.py: `helpdesk serve` on embedded PostgreSQL and Redis), seeds
tickets and articles in bulk, opens `--streams` StreamChat streams (spread over `--chats` chats:
the customer and the accepting agent of each chat follow it, on several streams each, like several
devices) and then:

1. measures capacity briefly: the same operation mix, closed loop (`--capacity-concurrency`
   callers), for `--capacity-seconds` (skipped when `--rate` is given);
2. warms up at the target rate (`--load-fraction` of capacity, 60% by default) for `--warmup`
   seconds, then reads the server's RSS: the baseline of the drift;
3. drives the mix open loop at the target rate for `--duration` seconds, in windows of
   `--window` seconds: successful calls per second, errors by status code, p50/p99 latency,
   chat messages sent and delivered, the server's RSS and CPU at the end of each window;
4. stops sending, waits for the streams to catch up and checks every stream received every
   acknowledged message of its chat exactly once, in order (a stream cut off as a slow
   consumer resumes with `after_seq`, as a real client does).

The operation mix (weights): GetTicket 20, ListTickets (agent queue) 10, CreateTicket 10,
AddTicketMessage 10, SearchArticles 25 (half cache hits, half misses), SendChatMessage 25.
Load is open loop: a call starts every 1/rate seconds whether or not earlier ones returned, so a
server that slows down shows it as latency and errors, not as a politely lower rate; at most
`--max-in-flight` calls are outstanding, beyond that a due call is counted as shed.

The report is printed as a table and written to `bench/results/soak-<UTC time>-<commit>.json`.
The goal is an RSS drift under 5% between the end of warm-up and the end of the run.
"""

from bench.soak.options import SoakOptions
from bench.soak.report import SoakReport
from bench.soak.run import run_soak

__all__ = ["SoakOptions", "SoakReport", "run_soak"]
