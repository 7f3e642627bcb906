"""The synchronous client.

    with KnownPartyClient("127.0.0.1:50051", api_key=key) as client:
        party = client.create_party(types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Acme"))
        for p in client.list_parties(country="DE"):
            ...

Every call has a deadline (`timeout`, per client, overridable per call), carries the client's
metadata, retries on UNAVAILABLE where that is safe (see _retry) and raises a
knownparty_client.errors.KnownPartyError subclass on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import grpc

from knownparty_client import _requests, types
from knownparty_client._generated import diagnostics_pb2_grpc, party_pb2_grpc, payment_pb2_grpc, screening_pb2_grpc, violation_pb2_grpc, watchlist_pb2_grpc
from knownparty_client._generated import access_pb2_grpc, vetting_pb2_grpc
from knownparty_client.attestation import AttestationCheck, verify_attestation
from knownparty_client._retry import channel_options
from knownparty_client.errors import from_rpc_error
from knownparty_client.pagers import Pager

__all__ = ["KnownPartyClient", "DEFAULT_TARGET", "DEFAULT_TIMEOUT"]

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_TIMEOUT = 10.0

R = TypeVar("R")


class KnownPartyClient:
    """A client over one gRPC channel; use it as a context manager or call close()."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        api_key: str | None = None,
        metadata: Sequence[tuple[str, str]] = (),
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._metadata = _requests.base_metadata(api_key, metadata)
        opts = channel_options(options)
        if credentials is not None:
            self._channel = grpc.secure_channel(target, credentials, options=opts)
        else:
            self._channel = grpc.insecure_channel(target, options=opts)
        self._parties = party_pb2_grpc.PartyServiceStub(self._channel)
        self._violations = violation_pb2_grpc.ViolationServiceStub(self._channel)
        self._payments = payment_pb2_grpc.PaymentServiceStub(self._channel)
        self._watchlists = watchlist_pb2_grpc.WatchlistServiceStub(self._channel)
        self._screening = screening_pb2_grpc.ScreeningServiceStub(self._channel)
        self._diagnostics = diagnostics_pb2_grpc.DiagnosticsServiceStub(self._channel)
        self._vetting = vetting_pb2_grpc.VettingServiceStub(self._channel)
        self._access = access_pb2_grpc.AccessServiceStub(self._channel)
        self._signing_keys: dict[str, bytes] | None = None
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._channel.close()

    def __enter__(self) -> KnownPartyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KnownPartyClient(target={self.target!r})"

    # -- plumbing ----------------------------------------------------------------------------

    def _call(
        self,
        method: Callable[..., R],
        request: Any,
        timeout: float | None,
        metadata: Sequence[tuple[str, str]],
    ) -> R:
        try:
            return method(
                request,
                timeout=self.timeout if timeout is None else timeout,
                metadata=self._metadata + tuple(metadata),
            )
        except grpc.RpcError as err:
            raise from_rpc_error(err) from err

    def _pager(
        self,
        method: Callable[..., Any],
        request: Any,
        items_field: str,
        timeout: float | None,
        metadata: Sequence[tuple[str, str]],
    ) -> Pager[Any]:
        def fetch(req: Any) -> Any:
            return self._call(method, req, timeout, metadata)

        return Pager(fetch, request, fetch(request), items_field)

    # -- DiagnosticsService --------------------------------------------------------------------

    def echo(self, payload: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()) -> str:
        """Returns `payload` as the server echoed it."""
        return self._call(self._diagnostics.Echo, _requests.echo(payload), timeout, metadata).payload

    # -- PartyService --------------------------------------------------------------------------

    def create_party(
        self,
        party: types.Party,
        *,
        party_id: str = "",
        request_id: str | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Party:
        """Creates a party. `request_id` is the idempotency key; a random one is sent when it is
        not given, so that retries of this call are safe."""
        request = _requests.create_party(party, party_id, request_id)
        return self._call(self._parties.CreateParty, request, timeout, metadata)

    def get_party(
        self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.Party:
        """Gets a party by `parties/{id}` or bare id; archived ones too."""
        return self._call(self._parties.GetParty, _requests.get_party(name), timeout, metadata)

    def list_parties(
        self,
        *,
        page_size: int = 0,
        kind: types.PartyKind | int | None = None,
        country: str = "",
        state: types.PartyState | int | None = None,
        identifier_type: types.IdentifierType | int | None = None,
        identifier_value: str = "",
        name_prefix: str = "",
        show_archived: bool = False,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.Party]:
        """Lists parties matching every filter given; iterating the pager walks all pages."""
        request = _requests.list_parties(
            page_size=page_size,
            kind=kind,
            country=country,
            state=state,
            identifier_type=identifier_type,
            identifier_value=identifier_value,
            name_prefix=name_prefix,
            show_archived=show_archived,
        )
        return self._pager(self._parties.ListParties, request, "parties", timeout, metadata)

    def update_party(
        self,
        party: types.Party,
        update_mask: Sequence[str],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Party:
        """Updates the fields of `party` named in `update_mask`; `party.name` says which party and
        `party.etag`, when set, must be current (else Aborted)."""
        request = _requests.update_party(party, update_mask)
        return self._call(self._parties.UpdateParty, request, timeout, metadata)

    def delete_party(
        self,
        name: str,
        *,
        etag: str = "",
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Party:
        """Archives a party (soft delete) and returns it."""
        return self._call(self._parties.DeleteParty, _requests.delete_party(name, etag), timeout, metadata)

    archive_party = delete_party

    def list_party_revisions(
        self,
        name: str,
        *,
        page_size: int = 0,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.PartyRevision]:
        """Lists every revision of a party, oldest first."""
        request = _requests.list_party_revisions(name, page_size)
        return self._pager(self._parties.ListPartyRevisions, request, "revisions", timeout, metadata)

    # -- ViolationService ----------------------------------------------------------------------

    def create_violation(
        self,
        parent: str,
        violation: types.Violation,
        *,
        violation_id: str = "",
        request_id: str | None = None,
        initial_status: types.ViolationStatus | int | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Violation:
        """Records a violation against `parent` (`parties/{id}` or bare id). `initial_status` is
        REPORTED (the default) or CONFIRMED. `request_id` is the idempotency key; a random one is
        sent when it is not given, so that retries of this call are safe."""
        request = _requests.create_violation(parent, violation, violation_id, request_id, initial_status)
        return self._call(self._violations.CreateViolation, request, timeout, metadata)

    def get_violation(
        self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.Violation:
        """Gets a violation by `parties/{party}/violations/{violation}` or `{party}/{violation}`."""
        return self._call(self._violations.GetViolation, _requests.get_violation(name), timeout, metadata)

    def list_violations(
        self,
        parent: str = "parties/-",
        *,
        page_size: int = 0,
        category: types.ViolationCategory | int | None = None,
        status: types.ViolationStatus | int | None = None,
        source: types.ViolationSource | int | None = None,
        occur_after: datetime | None = None,
        occur_before: datetime | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.Violation]:
        """Lists one party's violations (`parties/-`: every party's) in recording order, matching
        every filter given; occur_time within [occur_after, occur_before), aware datetimes."""
        request = _requests.list_violations(
            parent,
            page_size=page_size,
            category=category,
            status=status,
            source=source,
            occur_after=occur_after,
            occur_before=occur_before,
        )
        return self._pager(self._violations.ListViolations, request, "violations", timeout, metadata)

    def update_violation_status(
        self,
        name: str,
        status: types.ViolationStatus | int,
        *,
        note: str = "",
        etag: str = "",
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Violation:
        """Moves a violation to `status` (FailedPrecondition unless the transition is allowed) and
        records `note` in its status history; `etag`, when set, must be current (else Aborted)."""
        request = _requests.update_violation_status(name, status, note, etag)
        return self._call(self._violations.UpdateViolationStatus, request, timeout, metadata)

    # -- PaymentService ------------------------------------------------------------------------

    def record_fee(
        self, parent: str, fee_line: types.FeeLine, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.FeeLine:
        """Records (or corrects) one billed fee line for the shipper `parent`; idempotent on
        (carrier, shipment_reference, fee_type)."""
        return self._call(self._payments.RecordFee, _requests.record_fee(parent, fee_line), timeout, metadata)

    def record_payment(
        self,
        parent: str,
        *,
        carrier: str,
        shipment_reference: str,
        fee_type: types.FeeType | int,
        payment: types.Payment,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.FeeLine:
        """Records a payment against a billed fee line; idempotent on its payment_reference."""
        request = _requests.record_payment(parent, carrier, shipment_reference, fee_type, payment)
        return self._call(self._payments.RecordPayment, request, timeout, metadata)

    def import_payments(
        self,
        carrier: str,
        rows: Iterable[types.ImportPaymentsRow],
        *,
        source_name: str = "",
        batch_size: int = 5000,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.ImportPaymentsResponse:
        """Streams a carrier's rows (read lazily) and returns the import report. `timeout=None`
        keeps the client's default deadline; pass a large one for big files."""
        stream = _requests.import_payments_stream(carrier, rows, source_name, batch_size)
        return self._call(self._payments.ImportPayments, stream, timeout, metadata)

    def list_fee_lines(
        self,
        parent: str,
        *,
        page_size: int = 0,
        outstanding_only: bool = False,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.FeeLine]:
        """Lists a shipper's fee lines in recording order."""
        request = _requests.list_fee_lines(parent, page_size, outstanding_only)
        return self._pager(self._payments.ListFeeLines, request, "fee_lines", timeout, metadata)

    def get_payment_standing(
        self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.PaymentStanding:
        """The shipper's repeat-customer standing under the server's policy."""
        return self._call(self._payments.GetPaymentStanding, _requests.get_payment_standing(name), timeout, metadata)

    # -- WatchlistService ----------------------------------------------------------------------

    def import_watchlist(
        self,
        list_id: str,
        list_format: types.ListFormat | int,
        files: Sequence[tuple[str, str, bytes]],
        *,
        source: str = "",
        chunk_size: int = 1024 * 1024,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.ImportWatchlistResponse:
        """Uploads a list's files, each as (role, file name, content); the server parses them
        into a new version (or reports that the content equals the active one)."""
        stream = _requests.import_watchlist_stream(list_id, list_format, source, files, chunk_size)
        return self._call(self._watchlists.ImportWatchlist, stream, timeout, metadata)

    def list_watchlists(
        self, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> list[types.Watchlist]:
        response = self._call(self._watchlists.ListWatchlists, types.ListWatchlistsRequest(), timeout, metadata)
        return list(response.watchlists)

    def get_watchlist_version(
        self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.WatchlistVersion:
        """`watchlists/{list}/versions/{n}`, `{list}/{n}`, or `{list}` for the active version."""
        request = types.GetWatchlistVersionRequest(name=_requests.version_name(name))
        return self._call(self._watchlists.GetWatchlistVersion, request, timeout, metadata)

    def list_watchlist_versions(
        self, parent: str, *, page_size: int = 0, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> Pager[types.WatchlistVersion]:
        request = types.ListWatchlistVersionsRequest(parent=_requests.watchlist_name(parent), page_size=page_size)
        return self._pager(self._watchlists.ListWatchlistVersions, request, "versions", timeout, metadata)

    def list_watchlist_entries(
        self,
        parent: str,
        *,
        page_size: int = 0,
        entry_type: types.EntryType | int | None = None,
        country: str = "",
        program: str = "",
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.WatchlistEntry]:
        request = types.ListWatchlistEntriesRequest(
            parent=_requests.version_name(parent), page_size=page_size, type=entry_type or 0, country=country, program=program
        )
        return self._pager(self._watchlists.ListWatchlistEntries, request, "entries", timeout, metadata)

    # -- ScreeningService ----------------------------------------------------------------------

    def screen_name(
        self,
        name: str,
        *,
        entry_type: types.EntryType | int | None = None,
        countries: Sequence[str] = (),
        date_of_birth: str = "",
        identifiers: Sequence[str] = (),
        lists: Sequence[str] = (),
        min_score: float | None = None,
        limit: int = 0,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.ScreenNameResponse:
        """Screens one name; matches at or above `min_score` (default: the alert threshold)."""
        request = _requests.screen_name(
            name,
            entry_type=entry_type,
            countries=countries,
            date_of_birth=date_of_birth,
            identifiers=identifiers,
            lists=lists,
            min_score=min_score,
            limit=limit,
        )
        return self._call(self._screening.ScreenName, request, timeout, metadata)

    def screen_names(
        self,
        queries: Iterable[types.ScreenNameRequest],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Iterator[types.ScreenNamesResponse]:
        """Screens a stream of queries; yields one answer (result or error) per query, in order.
        `timeout` bounds the whole stream (default: the client's timeout times 60)."""
        requests = (types.ScreenNamesRequest(query=q) for q in queries)
        deadline = (self.timeout or 10) * 60 if timeout is None else timeout
        try:
            yield from self._screening.ScreenNames(requests, timeout=deadline, metadata=self._metadata + tuple(metadata))
        except grpc.RpcError as err:
            raise from_rpc_error(err) from err

    # -- VettingService ------------------------------------------------------------------------

    def vet_seller(
        self, party: str, *, high_volume: bool = False, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.Decision:
        """The Known Marketplace Seller decision for a seller (`parties/{id}` or its bare id)."""
        request = types.VetSellerRequest(party=_requests.party_name(party), high_volume=high_volume)
        return self._call(self._vetting.VetSeller, request, timeout, metadata)

    def check_shipper(
        self, party: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.Decision:
        """The Known Carrier Customer decision for a shipper."""
        request = types.CheckShipperRequest(party=_requests.party_name(party))
        return self._call(self._vetting.CheckShipper, request, timeout, metadata)

    def get_decision(self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()) -> types.Decision:
        return self._call(self._vetting.GetDecision, types.GetDecisionRequest(name=name), timeout, metadata)

    def list_decisions(
        self,
        parent: str = "parties/-",
        *,
        purpose: types.Purpose | int = 0,
        outcome: types.Outcome | int = 0,
        page_size: int = 0,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.Decision]:
        """A party's decisions (or every party's with `parties/-`), newest first."""
        parent = parent if parent == "parties/-" else _requests.party_name(parent)
        request = types.ListDecisionsRequest(parent=parent, purpose=purpose, outcome=outcome, page_size=page_size)
        return self._pager(self._vetting.ListDecisions, request, "decisions", timeout, metadata)

    def get_decision_in_force(
        self,
        party: str,
        purpose: types.Purpose | int,
        *,
        at_time: datetime | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Decision:
        """The decision in force for a party and purpose at `at_time` (default now)."""
        request = types.GetDecisionInForceRequest(party=_requests.party_name(party), purpose=purpose)
        if at_time is not None:
            request.at_time.CopyFrom(_requests.timestamp(at_time, "at_time"))
        return self._call(self._vetting.GetDecisionInForce, request, timeout, metadata)

    def replay_decision(self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()) -> types.ReplayDecisionResponse:
        return self._call(self._vetting.ReplayDecision, types.ReplayDecisionRequest(name=name), timeout, metadata)

    def get_signing_keys(self, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()) -> list[types.SigningKey]:
        return list(self._call(self._vetting.GetSigningKeys, types.GetSigningKeysRequest(), timeout, metadata).keys)

    def verify_attestation(
        self, decision: types.Decision, *, refresh_keys: bool = False, timeout: float | None = None
    ) -> AttestationCheck:
        """Verifies a decision offline against the service's published keys (fetched once and
        kept; an unknown key id fetches them again, for a key rotated since)."""
        if self._signing_keys is None or refresh_keys:
            self._signing_keys = {k.key_id: k.public_key for k in self.get_signing_keys(timeout=timeout)}
        if decision.attestation.key_id and decision.attestation.key_id not in self._signing_keys and not refresh_keys:
            return self.verify_attestation(decision, refresh_keys=True, timeout=timeout)
        return verify_attestation(decision, self._signing_keys)

    def verify_attestation_remotely(
        self, decision: types.Decision, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.VerifyAttestationResponse:
        """Asks the service to verify a decision (VerifyAttestation)."""
        return self._call(self._vetting.VerifyAttestation, types.VerifyAttestationRequest(decision=decision), timeout, metadata)

    def vet_parties(
        self,
        requests: Iterable[types.VetPartyRequest],
        *,
        batch_size: int = _requests.VET_BATCH_SIZE,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Iterator[types.VetPartyAnswer]:
        """Bulk vetting: one answer (decision or error) per request, in order. Requests travel
        `batch_size` to a message (at most 1,000): a caller that waits for each answer before
        sending the next request passes 1. `timeout` bounds the whole stream (default: the
        client's timeout times 360)."""
        _requests.check_vet_batch_size(batch_size)
        messages = _requests.vet_parties_stream(requests, batch_size)
        deadline = (self.timeout or 10) * 360 if timeout is None else timeout
        try:
            for response in self._vetting.VetParties(messages, timeout=deadline, metadata=self._metadata + tuple(metadata)):
                yield from response.answers
        except grpc.RpcError as err:
            raise from_rpc_error(err) from err

    def watch_decision_changes(
        self, *, cursor: str = "", from_beginning: bool = False, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> Iterator[types.DecisionChange]:
        """Decision changes after `cursor`, then live. No deadline unless `timeout` is given;
        keep the last change's cursor to resume after a disconnect."""
        request = types.WatchDecisionChangesRequest(cursor=cursor, from_beginning=from_beginning)
        try:
            yield from self._vetting.WatchDecisionChanges(request, timeout=timeout, metadata=self._metadata + tuple(metadata))
        except grpc.RpcError as err:
            raise from_rpc_error(err) from err

    def list_decision_changes(
        self, *, cursor: str = "", page_size: int = 0, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> Pager[types.DecisionChange]:
        request = types.ListDecisionChangesRequest(cursor=cursor, page_size=page_size)
        return self._pager(self._vetting.ListDecisionChanges, request, "changes", timeout, metadata)

    def clear_watchlist_match(
        self,
        party: str,
        entry: str,
        *,
        analyst: str,
        reason: str,
        request_id: str | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.MatchClearance:
        """Records that `entry` (watchlists/{list}/versions/{v}/entries/{id}) is a false positive for the party."""
        request = types.ClearWatchlistMatchRequest(
            parent=_requests.party_name(party),
            clearance=types.MatchClearance(entry=entry, analyst=analyst, reason=reason),
            request_id=request_id or _requests.new_request_id(),
        )
        return self._call(self._vetting.ClearWatchlistMatch, request, timeout, metadata)

    def list_match_clearances(
        self, party: str, *, show_revoked: bool = False, page_size: int = 0, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> Pager[types.MatchClearance]:
        request = types.ListMatchClearancesRequest(parent=_requests.party_name(party), show_revoked=show_revoked, page_size=page_size)
        return self._pager(self._vetting.ListMatchClearances, request, "clearances", timeout, metadata)

    def revoke_match_clearance(
        self, name: str, *, analyst: str, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.MatchClearance:
        request = types.RevokeMatchClearanceRequest(name=name, analyst=analyst)
        return self._call(self._vetting.RevokeMatchClearance, request, timeout, metadata)

    # -- AccessService (admins; auditors read the audit log) ---------------------------------

    def create_api_key(
        self,
        organization: str,
        role: int,
        *,
        display_name: str = "",
        expire_time: datetime | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.CreateApiKeyResponse:
        """Makes a key; the response's `token` is shown this once. `role` is a types.ROLE_* value."""
        key = types.ApiKey(organization=organization, role=role, display_name=display_name)
        if expire_time is not None:
            key.expire_time.FromDatetime(expire_time)
        return self._call(self._access.CreateApiKey, types.CreateApiKeyRequest(api_key=key), timeout, metadata)

    def list_api_keys(
        self, *, organization: str = "", page_size: int = 0, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> Pager[types.ApiKey]:
        request = types.ListApiKeysRequest(organization=organization, page_size=page_size)
        return self._pager(self._access.ListApiKeys, request, "api_keys", timeout, metadata)

    def revoke_api_key(
        self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.ApiKey:
        """Revokes `apiKeys/{key}` (or a bare key id)."""
        name = name if name.startswith("apiKeys/") else f"apiKeys/{name}"
        return self._call(self._access.RevokeApiKey, types.RevokeApiKeyRequest(name=name), timeout, metadata)

    def list_audit_events(
        self,
        *,
        organization: str = "",
        method: str = "",
        api_key: str = "",
        after_time: datetime | None = None,
        before_time: datetime | None = None,
        page_size: int = 0,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> Pager[types.AuditEvent]:
        """Calls that changed something, newest first."""
        request = types.ListAuditEventsRequest(
            organization=organization, method=method, api_key=api_key, page_size=page_size
        )
        if after_time is not None:
            request.after_time.FromDatetime(after_time)
        if before_time is not None:
            request.before_time.FromDatetime(before_time)
        return self._pager(self._access.ListAuditEvents, request, "events", timeout, metadata)
