"""Pair suggestions: prompt building, the Grok client, the local pairer, reply validation."""
