"""Money: the ledger of every billable call, what each campaign spent and has committed, spend reports, and the
reconciliation of the ledger with what the providers report. ``MoneyService`` owns it; ``ledger.record`` is the
one function that writes a ledger row."""
