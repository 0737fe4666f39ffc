"""Continuing professional development credits: accrediting bodies, the credits a course
carries with each, learners' registration numbers, the ledger, external activities, cycles."""
