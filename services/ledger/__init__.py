"""The ledger: category ledgers (分类台账) per region, field and period, and hotspots."""
