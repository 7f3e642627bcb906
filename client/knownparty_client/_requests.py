"""Request building shared by the sync and asyncio clients."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from knownparty_client import types

COLLECTION = "parties"

Metadata = tuple[tuple[str, str], ...]


def party_name(name: str) -> str:
    """`parties/{id}` from either the full resource name or a bare id."""
    name = name.strip()
    if not name or "/" in name:
        return name  # empty or already a resource name: the server validates it
    return f"{COLLECTION}/{name}"


def base_metadata(api_key: str | None, metadata: Sequence[tuple[str, str]]) -> Metadata:
    pairs = [(str(k).lower(), v) for k, v in metadata]
    if api_key:
        pairs = [(k, v) for k, v in pairs if k != "authorization"]
        pairs.append(("authorization", f"Bearer {api_key}"))
    return tuple(pairs)


def echo(payload: str) -> types.EchoRequest:
    return types.EchoRequest(payload=payload)


def create_party(party: types.Party, party_id: str, request_id: str | None) -> types.CreatePartyRequest:
    # Always send an idempotency key: it is what makes retrying CreateParty safe.
    return types.CreatePartyRequest(party=party, party_id=party_id, request_id=request_id or str(uuid.uuid4()))


def get_party(name: str) -> types.GetPartyRequest:
    return types.GetPartyRequest(name=party_name(name))


def list_parties(
    *,
    page_size: int,
    kind: int | None,
    country: str,
    state: int | None,
    identifier_type: int | None,
    identifier_value: str,
    name_prefix: str,
    show_archived: bool,
) -> types.ListPartiesRequest:
    return types.ListPartiesRequest(
        page_size=page_size,
        kind=kind or 0,
        country=country,
        state=state or 0,
        identifier_type=identifier_type or 0,
        identifier_value=identifier_value,
        name_prefix=name_prefix,
        show_archived=show_archived,
    )


def update_party(party: types.Party, update_mask: Sequence[str] | str) -> types.UpdatePartyRequest:
    if isinstance(update_mask, str):  # "a,b" as in the JSON form of a FieldMask
        update_mask = [p for p in (s.strip() for s in update_mask.split(",")) if p]
    request = types.UpdatePartyRequest(party=party, update_mask=types.FieldMask(paths=list(update_mask)))
    request.party.name = party_name(party.name)  # a copy: the caller's message is left alone
    return request


def delete_party(name: str, etag: str) -> types.DeletePartyRequest:
    return types.DeletePartyRequest(name=party_name(name), etag=etag)


def list_party_revisions(name: str, page_size: int) -> types.ListPartyRevisionsRequest:
    return types.ListPartyRevisionsRequest(name=party_name(name), page_size=page_size)
