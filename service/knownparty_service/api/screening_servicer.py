"""ScreeningService: one name, or a stream of them."""

from __future__ import annotations

from knownparty_client._generated import screening_pb2 as pb
from knownparty_client._generated import screening_pb2_grpc
from knownparty_service.api.party_messages import enum_in
from knownparty_service.api.watchlist_messages import ENTRY_TYPES, match_to_message
from knownparty_service.domain.errors import ValidationError, ViolationCollector
from knownparty_service.domain.watchlists.screener import Screener, ScreenRequest

MAX_STREAM_QUERIES = 100_000
MAX_TAG = 200


def _echoed(tag: str) -> str:
    return tag if len(tag) <= MAX_TAG else ""


def _request(message: pb.ScreenNameRequest, prefix: str = "") -> ScreenRequest:
    errors = ViolationCollector()
    entry_type = enum_in(ENTRY_TYPES, message.type, f"{prefix}type", errors)
    if len(message.tag) > MAX_TAG:
        errors.add(f"{prefix}tag", f"is longer than {MAX_TAG} characters")
    errors.raise_if_any()
    return ScreenRequest(
        name=message.name,
        entry_type=entry_type,
        countries=tuple(message.countries),
        date_of_birth=message.date_of_birth,
        identifiers=tuple(message.identifiers),
        lists=tuple(message.lists),
        min_score=message.min_score if message.HasField("min_score") else None,
        limit=message.limit,
    )


class ScreeningServicer(screening_pb2_grpc.ScreeningServiceServicer):
    def __init__(self, screener: Screener):
        self._screener = screener

    def _answer(self, message: pb.ScreenNameRequest, prefix: str = "") -> pb.ScreenNameResponse:
        result = self._screener.screen(_request(message, prefix), prefix)
        response = pb.ScreenNameResponse(
            tag=message.tag,
            alert=result.alert,
            alert_threshold=result.alert_threshold,
            list_versions=result.list_versions,
            policy_version=result.policy_version,
        )
        for match, alert in zip(result.matches, result.alerts):
            match_to_message(match, alert, response.matches.add())
        return response

    def ScreenName(self, request: pb.ScreenNameRequest, context) -> pb.ScreenNameResponse:
        return self._answer(request)

    def ScreenNames(self, request_iterator, context):
        for count, message in enumerate(request_iterator, start=1):
            if count > MAX_STREAM_QUERIES:
                raise ValidationError.single("query", f"a stream carries at most {MAX_STREAM_QUERIES} queries")
            try:
                yield pb.ScreenNamesResponse(result=self._answer(message.query), tag=message.query.tag)
            except ValidationError as exc:
                # One bad query is answered in place; the batch goes on.
                yield pb.ScreenNamesResponse(
                    tag=_echoed(message.query.tag),
                    error=pb.QueryError(
                        field_violations=[
                            pb.QueryFieldViolation(field=v.field, description=v.description) for v in exc.violations
                        ]
                    ),
                )
