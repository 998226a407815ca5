"""Qt-free domain, persistence, services and integrations (DESIGN.md §2)."""
