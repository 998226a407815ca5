"""Parts of the Ad page: the combine and deliverables options, and the page's parts by job (``page_*``)."""
