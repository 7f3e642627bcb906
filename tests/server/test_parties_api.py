"""PartyService over the wire: a real server on a free port, through the Python client."""

from __future__ import annotations

import concurrent.futures
from datetime import datetime, timedelta, timezone

import grpc
import pytest

from knownparty_client import errors, types
from knownparty_client._generated import party_pb2_grpc

SELLER = types.PARTY_KIND_SELLER
SHIPPER = types.PARTY_KIND_SHIPPER


def seller(name: str = "Acme Trading Ltd", country: str = "US", **extra) -> types.Party:
    return types.Party(
        kind=extra.pop("kind", SELLER),
        legal_name=name,
        addresses=[types.Address(lines=["1 Main St"], city="Springfield", country=country)],
        **extra,
    )


def ein(value: str) -> types.Identifier:
    return types.Identifier(type=types.IDENTIFIER_TYPE_EIN, value=value)


def count_parties(client, **filters) -> int:
    return sum(1 for _ in client.list_parties(show_archived=True, **filters))


def violation_fields(exc: errors.KnownPartyError) -> set[str]:
    return {v.field for v in exc.field_violations}


@pytest.fixture
def marketplace_client(target, issue_key):
    """A client in a role that collects tax IDs: replies show them in full, not masked as to admins."""
    from knownparty_client import KnownPartyClient

    with KnownPartyClient(target, timeout=15, api_key=issue_key("marketplace")) as c:
        yield c


def test_create_and_get_round_trip_normalises_fields(marketplace_client):
    client = marketplace_client
    verified_at = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
    created = client.create_party(
        types.Party(
            kind=SELLER,
            legal_name="  Müller Handels GmbH ",
            aliases=["Mueller Trading", "Mueller Trading"],
            addresses=[types.Address(lines=["Hauptstr. 1"], city="Berlin", postal_code="10115", country="de")],
            identifiers=[
                ein("12-3456789"),
                types.Identifier(type=types.IDENTIFIER_TYPE_VAT, value="DE 136 695 976", issuing_country="DE"),
            ],
            email="Sales@Example.COM",
            phone="+49 30 123456",
            verifications=[
                types.FieldVerification(
                    field="email",
                    method=types.VERIFICATION_METHOD_EMAIL_CONFIRMATION,
                    source_reference="ticket-7",
                    verify_time=types.Timestamp(seconds=int(verified_at.timestamp())),
                )
            ],
        ),
        party_id="mueller",
    )
    assert created.name == "parties/mueller"
    assert created.legal_name == "Müller Handels GmbH"
    assert list(created.aliases) == ["Mueller Trading"]
    assert created.addresses[0].country == "DE"
    assert [(i.type, i.value, i.issuing_country) for i in created.identifiers] == [
        (types.IDENTIFIER_TYPE_EIN, "123456789", "US"),
        (types.IDENTIFIER_TYPE_VAT, "DE136695976", "DE"),
    ]
    assert created.email == "sales@example.com"
    assert created.phone == "+4930123456"
    assert created.state == types.PARTY_STATE_ACTIVE
    assert created.revision == 1 and created.etag
    assert created.verifications[0].verify_time.seconds == int(verified_at.timestamp())

    fetched = client.get_party("parties/mueller")
    assert fetched == created
    assert client.get_party("mueller") == created


def test_get_unknown_party_is_not_found(client):
    with pytest.raises(errors.NotFound) as caught:
        client.get_party("parties/nobody")
    assert caught.value.reason == "NOT_FOUND"


def test_malformed_name_is_invalid_argument(client):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.get_party("sellers/Bad_Name")
    assert violation_fields(caught.value) == {"name"}


def test_duplicate_party_id_already_exists(client):
    client.create_party(seller(), party_id="acme")
    with pytest.raises(errors.AlreadyExists):
        client.create_party(seller("Other"), party_id="acme")
    assert count_parties(client) == 1


def test_request_id_retry_returns_first_result_and_other_body_is_refused(client):
    first = client.create_party(seller("Retry Co"), request_id="req-1")
    client.update_party(types.Party(name=first.name, legal_name="Retry Co Renamed"), ["legal_name"])
    again = client.create_party(seller("Retry Co"), request_id="req-1")
    assert again == first
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_party(seller("Something Else"), request_id="req-1")
    assert violation_fields(caught.value) == {"request_id"}
    assert count_parties(client) == 1


def test_identifier_belongs_to_one_active_party(marketplace_client):
    client = marketplace_client
    holder = client.create_party(seller("Holder Inc", identifiers=[ein("12-3456789")]))
    with pytest.raises(errors.AlreadyExists) as caught:
        client.create_party(seller("Copycat Inc", identifiers=[ein("123456789")]))
    assert caught.value.reason == "IDENTIFIER_IN_USE"
    assert count_parties(client) == 1
    client.archive_party(holder.name)
    successor = client.create_party(seller("Successor Inc", identifiers=[ein("123456789")]))
    assert successor.identifiers[0].value == "123456789"


@pytest.mark.parametrize(
    ("party", "field"),
    [
        (seller(name=""), "party.legal_name"),
        (seller(name="   "), "party.legal_name"),
        (seller(name="x" * 301), "party.legal_name"),
        (seller(name="bad\x00name"), "party.legal_name"),
        (seller(kind=0), "party.kind"),
        (seller(kind=99), "party.kind"),
        (seller(country="XX"), "party.addresses[0].country"),
        (seller(country="usa"), "party.addresses[0].country"),
        (seller(email="not-an-email"), "party.email"),
        (seller(phone="555-0100"), "party.phone"),
        (seller(phone="+1 555"), "party.phone"),
        (seller(identifiers=[ein("12-345678")]), "party.identifiers[0].value"),
        (seller(aliases=["a" * 301]), "party.aliases[0]"),
        (
            seller(verifications=[types.FieldVerification(field="email", method=1)]),
            "party.verifications[0].field",
        ),
    ],
)
def test_bad_party_is_refused_and_changes_nothing(client, party, field):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_party(party)
    assert field in violation_fields(caught.value)
    assert caught.value.reason == "INVALID_FIELDS"
    assert count_parties(client) == 0


def test_every_bad_field_is_reported_at_once(client):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_party(types.Party(kind=0, legal_name="", email="x", addresses=[types.Address(country="XX")]))
    assert {"party.kind", "party.legal_name", "party.email", "party.addresses[0].country"} <= violation_fields(caught.value)


def test_future_verification_time_is_refused(client):
    future = datetime.now(timezone.utc) + timedelta(days=2)
    party = seller(
        email="a@example.com",
        verifications=[
            types.FieldVerification(
                field="email",
                method=types.VERIFICATION_METHOD_EMAIL_CONFIRMATION,
                verify_time=types.Timestamp(seconds=int(future.timestamp())),
            )
        ],
    )
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_party(party)
    assert violation_fields(caught.value) == {"party.verifications[0].verify_time"}


def test_bad_party_id_is_refused(client):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_party(seller(), party_id="Bad_ID")
    assert violation_fields(caught.value) == {"party_id"}


def test_list_filters_and_stable_paging(client):
    client.create_party(seller("Alpha Seller", "US", identifiers=[ein("11-1111111")]))
    client.create_party(seller("Beta Seller", "CN"))
    client.create_party(seller("alpine shipper", "US", kind=SHIPPER))
    archived = client.create_party(seller("Alps Archived", "US"))
    client.archive_party(archived.name)
    suspended = client.create_party(seller("Gamma", "DE"))
    client.update_party(types.Party(name=suspended.name, state=types.PARTY_STATE_SUSPENDED), ["state"])

    names = lambda pager: [p.legal_name for p in pager]  # noqa: E731
    assert names(client.list_parties()) == ["Alpha Seller", "Beta Seller", "alpine shipper", "Gamma"]
    assert names(client.list_parties(kind=SHIPPER)) == ["alpine shipper"]
    assert names(client.list_parties(country="US")) == ["Alpha Seller", "alpine shipper"]
    assert names(client.list_parties(name_prefix="AL")) == ["Alpha Seller", "alpine shipper"]
    assert names(client.list_parties(name_prefix="al", show_archived=True)) == [
        "Alpha Seller",
        "alpine shipper",
        "Alps Archived",
    ]
    assert names(client.list_parties(state=types.PARTY_STATE_ARCHIVED)) == ["Alps Archived"]
    assert names(client.list_parties(state=types.PARTY_STATE_SUSPENDED)) == ["Gamma"]
    assert names(client.list_parties(identifier_type=types.IDENTIFIER_TYPE_EIN, identifier_value="111111111")) == [
        "Alpha Seller"
    ]
    assert names(client.list_parties(identifier_type=types.IDENTIFIER_TYPE_EIN, identifier_value="11-1111111")) == [
        "Alpha Seller"
    ]

    pager = client.list_parties(page_size=2)
    pages = [[p.legal_name for p in page.parties] for page in pager.pages]
    assert pages == [["Alpha Seller", "Beta Seller"], ["alpine shipper", "Gamma"]]


def test_list_bad_input(client, admin_metadata):
    for i in range(3):
        client.create_party(seller(f"Party {i}"))
    with pytest.raises(errors.InvalidArgument) as caught:
        list(client.list_parties(page_size=-1))
    assert violation_fields(caught.value) == {"page_size"}

    token = client.list_parties(page_size=1, kind=SELLER).next_page_token
    assert token
    with grpc.insecure_channel(client.target) as channel:
        stub = party_pb2_grpc.PartyServiceStub(channel)

        def list_raw(**fields):
            try:
                return stub.ListParties(types.ListPartiesRequest(**fields), metadata=admin_metadata)
            except grpc.RpcError as exc:
                raise errors.from_rpc_error(exc) from None

        # The token continues its own query...
        assert list_raw(page_size=1, kind=SELLER, page_token=token).parties[0].legal_name == "Party 1"
        # ...but not another query's, and garbage is refused.
        with pytest.raises(errors.InvalidArgument) as caught:
            list_raw(page_size=1, country="US", page_token=token)
        assert violation_fields(caught.value) == {"page_token"}
        with pytest.raises(errors.InvalidArgument) as caught:
            list_raw(page_token="not-a-token")
        assert violation_fields(caught.value) == {"page_token"}
    with pytest.raises(errors.InvalidArgument) as caught:
        list(client.list_parties(country="XX"))
    assert violation_fields(caught.value) == {"country"}


def test_update_with_mask_and_etag(client):
    party = client.create_party(seller("Original Name", email="old@example.com"))
    updated = client.update_party(
        types.Party(name=party.name, legal_name="New Name", email="ignored@example.com", etag=party.etag),
        ["legal_name"],
    )
    assert updated.legal_name == "New Name"
    assert updated.email == "old@example.com"
    assert updated.revision == 2 and updated.etag != party.etag

    with pytest.raises(errors.Aborted) as caught:
        client.update_party(types.Party(name=party.name, legal_name="Stale", etag=party.etag), ["legal_name"])
    assert caught.value.reason == "ETAG_MISMATCH"
    assert client.get_party(party.name).legal_name == "New Name"


@pytest.mark.parametrize(
    ("mask", "party_fields", "field"),
    [
        ([], {"legal_name": "x"}, "update_mask"),
        (["nonsense"], {}, "update_mask"),
        (["kind"], {"kind": SHIPPER}, "update_mask"),
        (["state"], {"state": types.PARTY_STATE_ARCHIVED}, "party.state"),
        (["legal_name"], {"legal_name": ""}, "party.legal_name"),
        (["addresses"], {"addresses": [types.Address(country="XX")]}, "party.addresses[0].country"),
    ],
)
def test_bad_update_is_refused_and_changes_nothing(client, mask, party_fields, field):
    party = client.create_party(seller("Stable Name"))
    with pytest.raises(errors.InvalidArgument) as caught:
        client.update_party(types.Party(name=party.name, **party_fields), mask)
    assert field in violation_fields(caught.value)
    assert client.get_party(party.name) == party


def test_update_unknown_party_is_not_found(client):
    with pytest.raises(errors.NotFound):
        client.update_party(types.Party(name="parties/ghost", legal_name="x"), ["legal_name"])


def test_archived_party_cannot_change(client):
    party = client.create_party(seller("Soon Gone"))
    archived = client.archive_party(party.name)
    assert archived.state == types.PARTY_STATE_ARCHIVED
    with pytest.raises(errors.FailedPrecondition):
        client.update_party(types.Party(name=party.name, legal_name="Zombie"), ["legal_name"])
    with pytest.raises(errors.FailedPrecondition):
        client.archive_party(party.name)
    assert client.get_party(party.name) == archived
    assert count_parties(client) == 1 and sum(1 for _ in client.list_parties()) == 0


def test_archive_with_stale_etag_is_aborted(client):
    party = client.create_party(seller("Careful"))
    client.update_party(types.Party(name=party.name, legal_name="Careful 2"), ["legal_name"])
    with pytest.raises(errors.Aborted):
        client.archive_party(party.name, etag=party.etag)
    assert client.get_party(party.name).state == types.PARTY_STATE_ACTIVE


def test_revisions_keep_every_change(client):
    party = client.create_party(seller("Rev One"))
    client.update_party(types.Party(name=party.name, legal_name="Rev Two"), ["legal_name"])
    client.update_party(types.Party(name=party.name, phone="+14155550100"), ["phone"])
    client.archive_party(party.name)
    revisions = list(client.list_party_revisions(party.name, page_size=2))
    assert [r.revision for r in revisions] == [1, 2, 3, 4]
    assert [r.change for r in revisions] == [
        types.PARTY_CHANGE_CREATED,
        types.PARTY_CHANGE_UPDATED,
        types.PARTY_CHANGE_UPDATED,
        types.PARTY_CHANGE_ARCHIVED,
    ]
    assert [list(r.changed_fields) for r in revisions[1:]] == [["legal_name"], ["phone"], ["state"]]
    assert [r.snapshot.legal_name for r in revisions] == ["Rev One", "Rev Two", "Rev Two", "Rev Two"]
    assert revisions[2].snapshot.phone == "+14155550100"
    assert all(r.change_time.seconds > 0 for r in revisions)
    with pytest.raises(errors.NotFound):
        list(client.list_party_revisions("parties/ghost"))


def test_concurrent_updates_with_one_etag_let_exactly_one_win(client):
    party = client.create_party(seller("Contended"))

    def attempt(i: int):
        try:
            client.update_party(types.Party(name=party.name, legal_name=f"Writer {i}", etag=party.etag), ["legal_name"])
            return "ok"
        except errors.Aborted:
            return "aborted"

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("ok") == 1 and outcomes.count("aborted") == 7
    assert client.get_party(party.name).revision == 2


def test_concurrent_creates_with_one_request_id_create_one_party(client):
    def attempt(_):
        return client.create_party(seller("Once Only", identifiers=[ein("22-3333333")]), request_id="same-request").name

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        names = set(pool.map(attempt, range(6)))
    assert len(names) == 1
    assert count_parties(client) == 1


def test_echo(client):
    assert client.echo("ping") == "ping"
