"""Vetting decisions: the two flags, their reasons, and the records they rest on."""
