"""Compliance training: job profiles, their requirements, who holds which profile, and the
training matrix built from them (see README, "Training matrix")."""
