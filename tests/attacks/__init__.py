"""Attacks on the trust chain, each played end to end through the public entry points (CLI and services)."""
