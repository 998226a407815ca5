"""The generation GUI: the Generate dialog, per-clip progress cards, the job summary and the jobs list."""
