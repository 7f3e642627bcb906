"""Party <-> JSON documents as stored in the parties and party_revisions tables."""

from __future__ import annotations

import json
from datetime import datetime

from knownparty_service.domain.access import DEFAULT_ORGANIZATION
from knownparty_service.domain.parties import (
    Address,
    FieldVerification,
    Identifier,
    IdentifierType,
    Party,
    PartyFields,
    PartyKind,
    PartyState,
    VerificationMethod,
)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def document_of(fields: PartyFields) -> dict:
    """Everything but the columns that parties keeps on its own (kind, legal name)."""
    return {
        "aliases": list(fields.aliases),
        "addresses": [
            {"lines": list(a.lines), "city": a.city, "region": a.region, "postal_code": a.postal_code, "country": a.country}
            for a in fields.addresses
        ],
        "identifiers": [{"type": i.type.value, "value": i.value, "issuing_country": i.issuing_country} for i in fields.identifiers],
        "email": fields.email,
        "phone": fields.phone,
        "verifications": [
            {"field": v.field, "method": v.method.value, "source_reference": v.source_reference, "verify_time": _time(v.verify_time)}
            for v in fields.verifications
        ],
    }


def fields_from(kind: str, legal_name: str, document: dict) -> PartyFields:
    return PartyFields(
        kind=PartyKind(kind),
        legal_name=legal_name,
        aliases=tuple(document["aliases"]),
        addresses=tuple(
            Address(tuple(a["lines"]), a["city"], a["region"], a["postal_code"], a["country"]) for a in document["addresses"]
        ),
        identifiers=tuple(
            Identifier(IdentifierType(i["type"]), i["value"], i["issuing_country"]) for i in document["identifiers"]
        ),
        email=document["email"],
        phone=document["phone"],
        verifications=tuple(
            FieldVerification(v["field"], VerificationMethod(v["method"]), v["source_reference"], _parse_time(v["verify_time"]))
            for v in document["verifications"]
        ),
    )


def dump_document(fields: PartyFields) -> str:
    return json.dumps(document_of(fields), separators=(",", ":"), ensure_ascii=False)


def party_from_row(row) -> Party:
    return Party(
        id=row.party_id,
        fields=fields_from(row.kind, row.legal_name, json.loads(row.document)),
        state=PartyState(row.state),
        create_time=row.create_time,
        update_time=row.update_time,
        revision=row.revision,
        organization=row.organization,
    )


def dump_snapshot(party: Party) -> str:
    return json.dumps(
        {
            "party_id": party.id,
            "kind": party.fields.kind.value,
            "legal_name": party.fields.legal_name,
            "document": document_of(party.fields),
            "state": party.state.value,
            "create_time": _time(party.create_time),
            "update_time": _time(party.update_time),
            "revision": party.revision,
            "organization": party.organization,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def load_snapshot(text: str) -> Party:
    data = json.loads(text)
    return Party(
        id=data["party_id"],
        fields=fields_from(data["kind"], data["legal_name"], data["document"]),
        state=PartyState(data["state"]),
        create_time=_parse_time(data["create_time"]),
        update_time=_parse_time(data["update_time"]),
        revision=data["revision"],
        organization=data.get("organization", DEFAULT_ORGANIZATION),
    )
