"""SQLAlchemy repository for API keys, the audit log and carrier ownership."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.access import ApiKey, AuditEvent, AuditQuery, NewKey, Role
from knownparty_service.storage.access_tables import api_keys, audit_events, carrier_owners
from knownparty_service.storage.database import Database

_KEY_COLUMNS = (
    api_keys.c.key_id,
    api_keys.c.organization,
    api_keys.c.role,
    api_keys.c.display_name,
    api_keys.c.create_time,
    api_keys.c.expire_time,
    api_keys.c.revoke_time,
    api_keys.c.created_by,
)


def _key_from_row(row) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        organization=row.organization,
        role=Role(row.role),
        display_name=row.display_name,
        create_time=row.create_time,
        expire_time=row.expire_time,
        revoke_time=row.revoke_time,
        created_by=row.created_by,
    )


class SqlAccessRepository:
    def __init__(self, database: Database):
        self._db = database
        # Carrier -> owning organisation: a claim never changes, so it is read once.
        self._carrier_owners: dict[str, str] = {}

    # -- keys ---------------------------------------------------------------------------------

    def add_key(self, new: NewKey) -> ApiKey:
        key = new.key
        with self._db.writing() as conn:
            conn.execute(
                insert(api_keys).values(
                    key_id=key.key_id,
                    organization=key.organization,
                    role=key.role.value,
                    display_name=key.display_name,
                    secret_hash=new.secret_hash,
                    create_time=key.create_time,
                    expire_time=key.expire_time,
                    revoke_time=None,
                    created_by=key.created_by,
                )
            )
        return key

    def key_with_hash(self, key_id: str) -> tuple[ApiKey, bytes] | None:
        with self._db.reading() as conn:
            row = conn.execute(select(*_KEY_COLUMNS, api_keys.c.secret_hash).where(api_keys.c.key_id == key_id)).first()
        return (_key_from_row(row), bytes(row.secret_hash)) if row is not None else None

    def get_key(self, key_id: str) -> ApiKey | None:
        found = self.key_with_hash(key_id)
        return found[0] if found is not None else None

    def list_keys(self, organization: str | None, after: str, limit: int) -> tuple[list[ApiKey], str | None]:
        conditions = [api_keys.c.key_id > after]
        if organization:
            conditions.append(api_keys.c.organization == organization)
        with self._db.reading() as conn:
            rows = conn.execute(
                select(*_KEY_COLUMNS).where(and_(*conditions)).order_by(api_keys.c.key_id).limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_key_from_row(r) for r in rows], (rows[-1].key_id if more else None)

    def revoke_key(self, key_id: str, now: datetime) -> ApiKey | None:
        """The key as revoked (a key revoked before keeps its first revoke time); None if unknown."""
        with self._db.writing() as conn:
            conn.execute(
                update(api_keys).where(api_keys.c.key_id == key_id, api_keys.c.revoke_time.is_(None)).values(revoke_time=now)
            )
            row = conn.execute(select(*_KEY_COLUMNS).where(api_keys.c.key_id == key_id)).first()
        return _key_from_row(row) if row is not None else None

    # -- audit --------------------------------------------------------------------------------

    def record(self, event: AuditEvent) -> None:
        with self._db.writing() as conn:
            conn.execute(
                insert(audit_events).values(
                    event_time=event.event_time,
                    organization=event.organization,
                    key_id=event.key_id,
                    role=event.role,
                    method=event.method,
                    code=event.code,
                    resource=event.resource,
                    request_id=event.request_id,
                    detail=event.detail,
                )
            )

    def events(self, query: AuditQuery, after: int, limit: int) -> tuple[list[AuditEvent], int | None]:
        # Newest first: the cursor is the seq of the last event returned (0 on the first page).
        conditions = []
        if after:
            conditions.append(audit_events.c.seq < after)
        if query.organization:
            conditions.append(audit_events.c.organization == query.organization)
        if query.method:
            conditions.append(audit_events.c.method == query.method)
        if query.key_id:
            conditions.append(audit_events.c.key_id == query.key_id)
        if query.after_time is not None:
            conditions.append(audit_events.c.event_time >= query.after_time)
        if query.before_time is not None:
            conditions.append(audit_events.c.event_time < query.before_time)
        with self._db.reading() as conn:
            rows = conn.execute(
                select(audit_events).where(and_(True, *conditions)).order_by(audit_events.c.seq.desc()).limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [
            AuditEvent(
                seq=r.seq,
                event_time=r.event_time,
                organization=r.organization,
                key_id=r.key_id,
                role=r.role,
                method=r.method,
                code=r.code,
                resource=r.resource,
                request_id=r.request_id,
                detail=r.detail,
            )
            for r in rows
        ]
        return items, (rows[-1].seq if more else None)

    # -- carriers -----------------------------------------------------------------------------

    def claim_carrier(self, carrier: str, organization: str) -> str:
        """The organisation keeping `carrier`'s fee lines: `organization` when it is the first."""
        owner = self._carrier_owners.get(carrier)
        if owner is None:
            owner = self._carrier_owners[carrier] = self._claim(carrier, organization)
        return owner

    def _claim(self, carrier: str, organization: str) -> str:
        with self._db.reading() as conn:
            owner = conn.scalar(select(carrier_owners.c.organization).where(carrier_owners.c.carrier == carrier))
        if owner is not None:
            return owner
        try:
            with self._db.writing() as conn:
                conn.execute(insert(carrier_owners).values(carrier=carrier, organization=organization))
            return organization
        except IntegrityError:  # claimed by a concurrent first call
            with self._db.reading() as conn:
                return conn.scalar(select(carrier_owners.c.organization).where(carrier_owners.c.carrier == carrier))
