"""Watchlists: parsing the official list formats, and the screening matcher."""
