"""Clip generation: the model catalog, providers (Replicate, local FFmpeg), the job orchestrator, cost."""
