"""Providers turn one first/last-frame pair into a video file: Replicate's hosted models, or local FFmpeg."""
