"""Small reusable widgets: colour swatches, string lists, inline errors, notices, confirmations."""
