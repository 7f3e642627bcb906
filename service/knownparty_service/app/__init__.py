"""Application services that tie domain and storage together outside a request (background work)."""
