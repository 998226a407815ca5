"""The campaign asset grid: model, delegate, view, filters, detail panel, preview and import UI."""
