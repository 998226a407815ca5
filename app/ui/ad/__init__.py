"""Parts of the Ad page: the combine options."""
