"""The points ledger: append-only entries; a balance is a sum."""
