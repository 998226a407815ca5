"""Headless sub-commands (DESIGN.md §5): each runs core services under ``asyncio.run``."""
