"""Electronic signatures (FDA 21 CFR Part 11, EU GMP Annex 11): "read and understood" on a
controlled document, "verified competent" on observed practice."""
