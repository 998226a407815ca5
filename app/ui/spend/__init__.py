"""The Spend page: spend by client, campaign, model or month from the ledger, each campaign's burn-down, CSV."""
