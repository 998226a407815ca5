"""The local library: clients, campaigns, the content-addressed asset store, import, thumbnails, search."""
