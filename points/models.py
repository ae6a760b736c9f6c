"""The points ledger, service hours and rankings (see the points issue)."""
