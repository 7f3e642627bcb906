"""Business rules of knownparty: models, validation, policies and decisions.

Nothing in this package imports gRPC or SQL: the API layer translates messages into these models
and the storage layer persists them.
"""
