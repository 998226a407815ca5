"""The campaign workspace's pages: assets, pairs, jobs, ad. Each takes ``(services, bridge)``."""
