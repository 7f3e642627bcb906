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

class ViolationCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_CATEGORY_UNSPECIFIED: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_COPYRIGHT_PIRACY: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_EXCLUSION_ORDER: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_NARCOTICS: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_PILL_PRESSES_PARAPHERNALIA: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_UNAPPROVED_PHARMACEUTICALS: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_UNSAFE_FOOD_COSMETICS: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_UNSAFE_CONSUMER_PRODUCTS: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_PROHIBITED_AGRICULTURAL: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_FORCED_LABOR: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_AD_CVD_EVASION: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_UNDERVALUATION: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_MISDESCRIPTION: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_MISCLASSIFICATION: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_ORIGIN_TRANSSHIPMENT: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_DE_MINIMIS_SPLITTING: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_UNPAID_DUTIES_FEES: _ClassVar[ViolationCategory]
    VIOLATION_CATEGORY_SANCTIONS_EXPORT_CONTROL: _ClassVar[ViolationCategory]

class ViolationSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_SOURCE_UNSPECIFIED: _ClassVar[ViolationSource]
    VIOLATION_SOURCE_CBP_SEIZURE: _ClassVar[ViolationSource]
    VIOLATION_SOURCE_MARKETPLACE_TAKEDOWN: _ClassVar[ViolationSource]
    VIOLATION_SOURCE_COURT_OR_AGENCY_PENALTY: _ClassVar[ViolationSource]
    VIOLATION_SOURCE_CARRIER_REPORT: _ClassVar[ViolationSource]
    VIOLATION_SOURCE_OTHER: _ClassVar[ViolationSource]

class ProductCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_CATEGORY_UNSPECIFIED: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_APPAREL_ACCESSORIES: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_AUTOMOTIVE_AEROSPACE: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_BATTERIES: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_COMPUTERS_ACCESSORIES: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_CONSUMER_ELECTRONICS: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_CONSUMER_PRODUCTS: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_CRITICAL_TECHNOLOGY: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_FOOTWEAR: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_HANDBAGS_WALLETS: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_HEADPHONES: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_LABELS_TAGS: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_OPTICAL_MEDIA: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_PHARMACEUTICALS_PERSONAL_CARE: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_SPORTING_GOODS: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_TOYS: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_WATCHES_JEWELRY: _ClassVar[ProductCategory]
    PRODUCT_CATEGORY_OTHER: _ClassVar[ProductCategory]

class ViolationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_STATUS_UNSPECIFIED: _ClassVar[ViolationStatus]
    VIOLATION_STATUS_REPORTED: _ClassVar[ViolationStatus]
    VIOLATION_STATUS_CONFIRMED: _ClassVar[ViolationStatus]
    VIOLATION_STATUS_DISMISSED: _ClassVar[ViolationStatus]
    VIOLATION_STATUS_RESOLVED: _ClassVar[ViolationStatus]
    VIOLATION_STATUS_UNDER_APPEAL: _ClassVar[ViolationStatus]
VIOLATION_CATEGORY_UNSPECIFIED: ViolationCategory
VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK: ViolationCategory
VIOLATION_CATEGORY_COPYRIGHT_PIRACY: ViolationCategory
VIOLATION_CATEGORY_EXCLUSION_ORDER: ViolationCategory
VIOLATION_CATEGORY_NARCOTICS: ViolationCategory
VIOLATION_CATEGORY_PILL_PRESSES_PARAPHERNALIA: ViolationCategory
VIOLATION_CATEGORY_UNAPPROVED_PHARMACEUTICALS: ViolationCategory
VIOLATION_CATEGORY_UNSAFE_FOOD_COSMETICS: ViolationCategory
VIOLATION_CATEGORY_UNSAFE_CONSUMER_PRODUCTS: ViolationCategory
VIOLATION_CATEGORY_PROHIBITED_AGRICULTURAL: ViolationCategory
VIOLATION_CATEGORY_FORCED_LABOR: ViolationCategory
VIOLATION_CATEGORY_AD_CVD_EVASION: ViolationCategory
VIOLATION_CATEGORY_UNDERVALUATION: ViolationCategory
VIOLATION_CATEGORY_MISDESCRIPTION: ViolationCategory
VIOLATION_CATEGORY_MISCLASSIFICATION: ViolationCategory
VIOLATION_CATEGORY_ORIGIN_TRANSSHIPMENT: ViolationCategory
VIOLATION_CATEGORY_DE_MINIMIS_SPLITTING: ViolationCategory
VIOLATION_CATEGORY_UNPAID_DUTIES_FEES: ViolationCategory
VIOLATION_CATEGORY_SANCTIONS_EXPORT_CONTROL: ViolationCategory
VIOLATION_SOURCE_UNSPECIFIED: ViolationSource
VIOLATION_SOURCE_CBP_SEIZURE: ViolationSource
VIOLATION_SOURCE_MARKETPLACE_TAKEDOWN: ViolationSource
VIOLATION_SOURCE_COURT_OR_AGENCY_PENALTY: ViolationSource
VIOLATION_SOURCE_CARRIER_REPORT: ViolationSource
VIOLATION_SOURCE_OTHER: ViolationSource
PRODUCT_CATEGORY_UNSPECIFIED: ProductCategory
PRODUCT_CATEGORY_APPAREL_ACCESSORIES: ProductCategory
PRODUCT_CATEGORY_AUTOMOTIVE_AEROSPACE: ProductCategory
PRODUCT_CATEGORY_BATTERIES: ProductCategory
PRODUCT_CATEGORY_COMPUTERS_ACCESSORIES: ProductCategory
PRODUCT_CATEGORY_CONSUMER_ELECTRONICS: ProductCategory
PRODUCT_CATEGORY_CONSUMER_PRODUCTS: ProductCategory
PRODUCT_CATEGORY_CRITICAL_TECHNOLOGY: ProductCategory
PRODUCT_CATEGORY_FOOTWEAR: ProductCategory
PRODUCT_CATEGORY_HANDBAGS_WALLETS: ProductCategory
PRODUCT_CATEGORY_HEADPHONES: ProductCategory
PRODUCT_CATEGORY_LABELS_TAGS: ProductCategory
PRODUCT_CATEGORY_OPTICAL_MEDIA: ProductCategory
PRODUCT_CATEGORY_PHARMACEUTICALS_PERSONAL_CARE: ProductCategory
PRODUCT_CATEGORY_SPORTING_GOODS: ProductCategory
PRODUCT_CATEGORY_TOYS: ProductCategory
PRODUCT_CATEGORY_WATCHES_JEWELRY: ProductCategory
PRODUCT_CATEGORY_OTHER: ProductCategory
VIOLATION_STATUS_UNSPECIFIED: ViolationStatus
VIOLATION_STATUS_REPORTED: ViolationStatus
VIOLATION_STATUS_CONFIRMED: ViolationStatus
VIOLATION_STATUS_DISMISSED: ViolationStatus
VIOLATION_STATUS_RESOLVED: ViolationStatus
VIOLATION_STATUS_UNDER_APPEAL: ViolationStatus

class Violation(_message.Message):
    __slots__ = ("name", "category", "source", "reference_number", "occur_time", "report_time", "product_category", "quantity", "value", "note", "status", "status_history", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    REPORT_TIME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_HISTORY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    category: ViolationCategory
    source: ViolationSource
    reference_number: str
    occur_time: _timestamp_pb2.Timestamp
    report_time: _timestamp_pb2.Timestamp
    product_category: ProductCategory
    quantity: int
    value: _money_pb2.Money
    note: str
    status: ViolationStatus
    status_history: _containers.RepeatedCompositeFieldContainer[ViolationStatusChange]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., category: _Optional[_Union[ViolationCategory, str]] = ..., source: _Optional[_Union[ViolationSource, str]] = ..., reference_number: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., report_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., product_category: _Optional[_Union[ProductCategory, str]] = ..., quantity: _Optional[int] = ..., value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., note: _Optional[str] = ..., status: _Optional[_Union[ViolationStatus, str]] = ..., status_history: _Optional[_Iterable[_Union[ViolationStatusChange, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class ViolationStatusChange(_message.Message):
    __slots__ = ("status", "change_time", "note")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    status: ViolationStatus
    change_time: _timestamp_pb2.Timestamp
    note: str
    def __init__(self, status: _Optional[_Union[ViolationStatus, str]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class CreateViolationRequest(_message.Message):
    __slots__ = ("parent", "violation", "violation_id", "request_id", "initial_status")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INITIAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    violation: Violation
    violation_id: str
    request_id: str
    initial_status: ViolationStatus
    def __init__(self, parent: _Optional[str] = ..., violation: _Optional[_Union[Violation, _Mapping]] = ..., violation_id: _Optional[str] = ..., request_id: _Optional[str] = ..., initial_status: _Optional[_Union[ViolationStatus, str]] = ...) -> None: ...

class GetViolationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListViolationsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "category", "status", "source", "occur_after", "occur_before")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OCCUR_AFTER_FIELD_NUMBER: _ClassVar[int]
    OCCUR_BEFORE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    category: ViolationCategory
    status: ViolationStatus
    source: ViolationSource
    occur_after: _timestamp_pb2.Timestamp
    occur_before: _timestamp_pb2.Timestamp
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., category: _Optional[_Union[ViolationCategory, str]] = ..., status: _Optional[_Union[ViolationStatus, str]] = ..., source: _Optional[_Union[ViolationSource, str]] = ..., occur_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occur_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListViolationsResponse(_message.Message):
    __slots__ = ("violations", "next_page_token")
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    next_page_token: str
    def __init__(self, violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateViolationStatusRequest(_message.Message):
    __slots__ = ("name", "status", "note", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: ViolationStatus
    note: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[ViolationStatus, str]] = ..., note: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...
