# Generated from protos/ by scripts/generate_protos.py. Do not edit.
import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from knownparty_client._generated import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FeeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEE_TYPE_UNSPECIFIED: _ClassVar[FeeType]
    FEE_TYPE_DUTY: _ClassVar[FeeType]
    FEE_TYPE_TAX: _ClassVar[FeeType]
    FEE_TYPE_GOVERNMENT_FEE: _ClassVar[FeeType]
    FEE_TYPE_CARRIER_FEE: _ClassVar[FeeType]

class FeeResolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEE_RESOLUTION_UNSPECIFIED: _ClassVar[FeeResolution]
    FEE_RESOLUTION_NONE: _ClassVar[FeeResolution]
    FEE_RESOLUTION_DISPUTED: _ClassVar[FeeResolution]
    FEE_RESOLUTION_WAIVED: _ClassVar[FeeResolution]
    FEE_RESOLUTION_WRITTEN_OFF: _ClassVar[FeeResolution]
FEE_TYPE_UNSPECIFIED: FeeType
FEE_TYPE_DUTY: FeeType
FEE_TYPE_TAX: FeeType
FEE_TYPE_GOVERNMENT_FEE: FeeType
FEE_TYPE_CARRIER_FEE: FeeType
FEE_RESOLUTION_UNSPECIFIED: FeeResolution
FEE_RESOLUTION_NONE: FeeResolution
FEE_RESOLUTION_DISPUTED: FeeResolution
FEE_RESOLUTION_WAIVED: FeeResolution
FEE_RESOLUTION_WRITTEN_OFF: FeeResolution

class FeeLine(_message.Message):
    __slots__ = ("name", "carrier", "shipment_reference", "fee_type", "shipment_time", "billed", "bill_time", "due_time", "resolution", "paid", "payments", "settle_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FEE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    BILLED_FIELD_NUMBER: _ClassVar[int]
    BILL_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    SETTLE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    carrier: str
    shipment_reference: str
    fee_type: FeeType
    shipment_time: _timestamp_pb2.Timestamp
    billed: _money_pb2.Money
    bill_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    resolution: FeeResolution
    paid: _money_pb2.Money
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    settle_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., carrier: _Optional[str] = ..., shipment_reference: _Optional[str] = ..., fee_type: _Optional[_Union[FeeType, str]] = ..., shipment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., billed: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., bill_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution: _Optional[_Union[FeeResolution, str]] = ..., paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., settle_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("payment_reference", "amount", "paid_time")
    PAYMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_TIME_FIELD_NUMBER: _ClassVar[int]
    payment_reference: str
    amount: _money_pb2.Money
    paid_time: _timestamp_pb2.Timestamp
    def __init__(self, payment_reference: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., paid_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordFeeRequest(_message.Message):
    __slots__ = ("parent", "fee_line")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FEE_LINE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    fee_line: FeeLine
    def __init__(self, parent: _Optional[str] = ..., fee_line: _Optional[_Union[FeeLine, _Mapping]] = ...) -> None: ...

class RecordPaymentRequest(_message.Message):
    __slots__ = ("parent", "carrier", "shipment_reference", "fee_type", "payment")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FEE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    carrier: str
    shipment_reference: str
    fee_type: FeeType
    payment: Payment
    def __init__(self, parent: _Optional[str] = ..., carrier: _Optional[str] = ..., shipment_reference: _Optional[str] = ..., fee_type: _Optional[_Union[FeeType, str]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class ImportPaymentsRequest(_message.Message):
    __slots__ = ("header", "batch")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    header: ImportPaymentsHeader
    batch: ImportPaymentsBatch
    def __init__(self, header: _Optional[_Union[ImportPaymentsHeader, _Mapping]] = ..., batch: _Optional[_Union[ImportPaymentsBatch, _Mapping]] = ...) -> None: ...

class ImportPaymentsHeader(_message.Message):
    __slots__ = ("carrier", "source_name")
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    carrier: str
    source_name: str
    def __init__(self, carrier: _Optional[str] = ..., source_name: _Optional[str] = ...) -> None: ...

class ImportPaymentsBatch(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ImportPaymentsRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[ImportPaymentsRow, _Mapping]]] = ...) -> None: ...

class ImportPaymentsRow(_message.Message):
    __slots__ = ("line", "shipper", "fee_line", "payment")
    LINE_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_FIELD_NUMBER: _ClassVar[int]
    FEE_LINE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    line: int
    shipper: str
    fee_line: FeeLine
    payment: ImportedPayment
    def __init__(self, line: _Optional[int] = ..., shipper: _Optional[str] = ..., fee_line: _Optional[_Union[FeeLine, _Mapping]] = ..., payment: _Optional[_Union[ImportedPayment, _Mapping]] = ...) -> None: ...

class ImportedPayment(_message.Message):
    __slots__ = ("shipment_reference", "fee_type", "payment")
    SHIPMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FEE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    shipment_reference: str
    fee_type: FeeType
    payment: Payment
    def __init__(self, shipment_reference: _Optional[str] = ..., fee_type: _Optional[_Union[FeeType, str]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class ImportPaymentsResponse(_message.Message):
    __slots__ = ("rows_received", "fees_recorded", "payments_recorded", "rows_unchanged", "rows_rejected", "errors")
    ROWS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    FEES_RECORDED_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_RECORDED_FIELD_NUMBER: _ClassVar[int]
    ROWS_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    ROWS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    rows_received: int
    fees_recorded: int
    payments_recorded: int
    rows_unchanged: int
    rows_rejected: int
    errors: _containers.RepeatedCompositeFieldContainer[RowError]
    def __init__(self, rows_received: _Optional[int] = ..., fees_recorded: _Optional[int] = ..., payments_recorded: _Optional[int] = ..., rows_unchanged: _Optional[int] = ..., rows_rejected: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[RowError, _Mapping]]] = ...) -> None: ...

class RowError(_message.Message):
    __slots__ = ("line", "field", "reason")
    LINE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    line: int
    field: str
    reason: str
    def __init__(self, line: _Optional[int] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListFeeLinesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "outstanding_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    outstanding_only: bool
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., outstanding_only: _Optional[bool] = ...) -> None: ...

class ListFeeLinesResponse(_message.Message):
    __slots__ = ("fee_lines", "next_page_token")
    FEE_LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    fee_lines: _containers.RepeatedCompositeFieldContainer[FeeLine]
    next_page_token: str
    def __init__(self, fee_lines: _Optional[_Iterable[_Union[FeeLine, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPaymentStandingRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class PaymentStanding(_message.Message):
    __slots__ = ("party", "policy_version", "as_of", "window_start", "shipments", "first_shipment_time", "last_shipment_time", "billed", "paid", "outstanding", "overdue", "fee_lines", "settled_on_time", "settled_late", "overdue_lines", "written_off_lines", "on_time_ratio", "last_default_time", "repeat_customer", "reasons")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    FIRST_SHIPMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SHIPMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    BILLED_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    FEE_LINES_FIELD_NUMBER: _ClassVar[int]
    SETTLED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    SETTLED_LATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_LINES_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_OFF_LINES_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATIO_FIELD_NUMBER: _ClassVar[int]
    LAST_DEFAULT_TIME_FIELD_NUMBER: _ClassVar[int]
    REPEAT_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    party: str
    policy_version: str
    as_of: _timestamp_pb2.Timestamp
    window_start: _timestamp_pb2.Timestamp
    shipments: int
    first_shipment_time: _timestamp_pb2.Timestamp
    last_shipment_time: _timestamp_pb2.Timestamp
    billed: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    paid: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    outstanding: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    overdue: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    fee_lines: int
    settled_on_time: int
    settled_late: int
    overdue_lines: int
    written_off_lines: int
    on_time_ratio: float
    last_default_time: _timestamp_pb2.Timestamp
    repeat_customer: bool
    reasons: _containers.RepeatedCompositeFieldContainer[StandingReason]
    def __init__(self, party: _Optional[str] = ..., policy_version: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., shipments: _Optional[int] = ..., first_shipment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_shipment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., billed: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., paid: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., outstanding: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., overdue: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., fee_lines: _Optional[int] = ..., settled_on_time: _Optional[int] = ..., settled_late: _Optional[int] = ..., overdue_lines: _Optional[int] = ..., written_off_lines: _Optional[int] = ..., on_time_ratio: _Optional[float] = ..., last_default_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., repeat_customer: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[StandingReason, _Mapping]]] = ...) -> None: ...

class StandingReason(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
