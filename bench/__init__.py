"""Benchmark harness: a load generator, a bare grpc.aio echo baseline and the Helpdesk server under test.

Every scenario is measured beside the echo baseline in the same run, with the same load settings,
so that a noisy shared machine shows up in both and the ratio between them stays meaningful.
Run it with `python -m bench` (see `bench/README.md`).
"""
