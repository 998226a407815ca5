"""PySide6 widgets. They reach core services only through ``bridge.TaskBridge``-run coroutines."""
