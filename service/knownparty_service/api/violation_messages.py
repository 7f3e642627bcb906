"""Translation between knownparty.v1 violation messages and domain violation models."""

from __future__ import annotations

from knownparty_client._generated import violation_pb2 as pb
from knownparty_service.api.party_messages import checked_time_in, enum_in, time_out
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.money import Money
from knownparty_service.domain.violations import (
    Category,
    ProductCategory,
    Source,
    Status,
    Violation,
    ViolationFields,
    ViolationQuery,
)


def _by_name(wrapper, prefix: str, domain_enum) -> dict:
    """Proto number -> domain member, matched by name (`VIOLATION_CATEGORY_NARCOTICS` <-> NARCOTICS).

    Fails at import when either side has a value the other lacks, so the two cannot drift apart."""
    mapping = {wrapper.Value(prefix + member.name): member for member in domain_enum}
    proto_numbers = {number for name, number in wrapper.items() if not name.endswith("_UNSPECIFIED")}
    if set(mapping) != proto_numbers:
        raise RuntimeError(f"{prefix}* and {domain_enum.__name__} differ")
    return mapping


CATEGORIES = _by_name(pb.ViolationCategory, "VIOLATION_CATEGORY_", Category)
SOURCES = _by_name(pb.ViolationSource, "VIOLATION_SOURCE_", Source)
PRODUCT_CATEGORIES = _by_name(pb.ProductCategory, "PRODUCT_CATEGORY_", ProductCategory)
STATUSES = _by_name(pb.ViolationStatus, "VIOLATION_STATUS_", Status)

CATEGORIES_OUT, SOURCES_OUT, PRODUCT_CATEGORIES_OUT, STATUSES_OUT = (
    {v: k for k, v in mapping.items()} for mapping in (CATEGORIES, SOURCES, PRODUCT_CATEGORIES, STATUSES)
)

def fields_from_message(message: pb.Violation, errors: ViolationCollector, prefix: str = "violation") -> ViolationFields:
    value = None
    if message.HasField("value"):
        value = Money(message.value.currency_code, message.value.amount_minor)
    return ViolationFields(
        category=enum_in(CATEGORIES, message.category, f"{prefix}.category", errors),
        source=enum_in(SOURCES, message.source, f"{prefix}.source", errors),
        reference_number=message.reference_number,
        occur_time=checked_time_in(message.occur_time, message.HasField("occur_time"), f"{prefix}.occur_time", errors),
        report_time=checked_time_in(
            message.report_time, message.HasField("report_time"), f"{prefix}.report_time", errors
        ),
        product_category=enum_in(PRODUCT_CATEGORIES, message.product_category, f"{prefix}.product_category", errors),
        quantity=message.quantity,
        value=value,
        note=message.note,
    )


def violation_to_message(violation: Violation, message: pb.Violation | None = None) -> pb.Violation:
    message = message if message is not None else pb.Violation()
    fields = violation.fields
    message.name = violation.name
    message.category = CATEGORIES_OUT[fields.category]
    message.source = SOURCES_OUT[fields.source]
    message.reference_number = fields.reference_number
    time_out(fields.occur_time, message.occur_time)
    time_out(fields.report_time, message.report_time)
    if fields.product_category:
        message.product_category = PRODUCT_CATEGORIES_OUT[fields.product_category]
    message.quantity = fields.quantity
    if fields.value is not None:
        message.value.currency_code = fields.value.currency
        message.value.amount_minor = fields.value.amount_minor
    message.note = fields.note
    message.status = STATUSES_OUT[violation.status]
    for change in violation.status_history:
        out = message.status_history.add(status=STATUSES_OUT[change.status], note=change.note)
        time_out(change.change_time, out.change_time)
    time_out(violation.create_time, message.create_time)
    time_out(violation.update_time, message.update_time)
    message.etag = violation.etag
    return message


def query_from_request(request: pb.ListViolationsRequest, errors: ViolationCollector) -> ViolationQuery:
    return ViolationQuery(
        category=enum_in(CATEGORIES, request.category, "category", errors),
        status=enum_in(STATUSES, request.status, "status", errors),
        source=enum_in(SOURCES, request.source, "source", errors),
        occur_after=checked_time_in(request.occur_after, request.HasField("occur_after"), "occur_after", errors),
        occur_before=checked_time_in(request.occur_before, request.HasField("occur_before"), "occur_before", errors),
    )
