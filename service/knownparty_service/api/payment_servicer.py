"""PaymentService: fee lines, payments, bulk import and repeat-customer standing."""

from __future__ import annotations

from knownparty_client._generated import payment_pb2 as pb
from knownparty_client._generated import payment_pb2_grpc
from knownparty_service.api.payment_messages import (
    TimeCache,
    fee_draft,
    fee_line_to_message,
    import_row,
    payment_draft,
    standing_to_message,
)
from knownparty_service.api.party_messages import time_out
from knownparty_service.api.read_ahead import ReadAhead
from knownparty_service.app.metrics import ImportProgress, NoImportProgress
from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import ValidationError, ViolationCollector
from knownparty_service.domain.payment_ledger import MAX_BATCH_ROWS, ImportSummary, PaymentLedger
from knownparty_service.domain.payments import settle_time


_KEPT_MESSAGES = 50_000
MAX_STREAM_ROWS = 10_000_000
MAX_SOURCE_NAME = 500
DEFAULT_ROWS_PER_TRANSACTION = 20_000


def _rows_in(message: pb.ImportPaymentsRequest) -> int:
    return len(message.batch.rows) if message.HasField("batch") else 1


class _StreamLimits:
    """The checks on each message after the header."""

    def __init__(self):
        self.rows = 0

    def check(self, message: pb.ImportPaymentsRequest) -> None:
        if not message.HasField("batch"):
            raise ValidationError.single("header", "only the first message may be a header")
        count = len(message.batch.rows)
        if count > MAX_BATCH_ROWS:
            raise ValidationError.single("batch.rows", f"has {count} rows; at most {MAX_BATCH_ROWS} a batch")
        self.rows += max(count, 1)
        if self.rows > MAX_STREAM_ROWS:
            raise ValidationError.single("batch.rows", f"a stream carries at most {MAX_STREAM_ROWS} rows")


class PaymentServicer(payment_pb2_grpc.PaymentServiceServicer):
    def __init__(
        self,
        ledger: PaymentLedger,
        imports: ImportProgress | NoImportProgress = NoImportProgress(),
        rows_per_transaction: int = DEFAULT_ROWS_PER_TRANSACTION,
    ):
        self._ledger = ledger
        self._imports = imports
        self._rows_per_transaction = rows_per_transaction
        self._standing_messages: BoundedCache = BoundedCache(_KEPT_MESSAGES)

    def _line_message(self, line) -> pb.FeeLine:
        return fee_line_to_message(line, settle_time(line, self._ledger.policy.repeat_customer))

    def RecordFee(self, request: pb.RecordFeeRequest, context) -> pb.FeeLine:
        errors = ViolationCollector()
        if not request.HasField("fee_line"):
            errors.add("fee_line", "is required")
        draft = fee_draft(request.fee_line, errors)
        errors.raise_if_any()
        return self._line_message(self._ledger.record_fee(request.parent, draft))

    def RecordPayment(self, request: pb.RecordPaymentRequest, context) -> pb.FeeLine:
        errors = ViolationCollector()
        if not request.HasField("payment"):
            errors.add("payment", "is required")
        draft = payment_draft(request.carrier, request.shipment_reference, request.fee_type, request.payment, errors)
        errors.raise_if_any()
        return self._line_message(self._ledger.record_payment(request.parent, draft))

    def ImportPayments(self, request_iterator, context) -> pb.ImportPaymentsResponse:
        with self._imports.running():
            return self._import_payments(request_iterator)

    def _import_payments(self, request_iterator) -> pb.ImportPaymentsResponse:
        messages = iter(request_iterator)
        first = next(messages, None)
        if first is None:
            raise ValidationError.single("header", "the stream was empty: send a header first")
        if not first.HasField("header"):
            raise ValidationError.single("header", "the first message must be the header")
        if len(first.header.source_name) > MAX_SOURCE_NAME:
            raise ValidationError.single("header.source_name", f"is longer than {MAX_SOURCE_NAME} characters")
        carrier = self._ledger.check_import_header(first.header.carrier)
        summary = ImportSummary()
        # Batches that arrive while one is being applied are applied together, in one
        # transaction of up to rows_per_transaction rows: each transaction rewrites every
        # shipper's newest index and bucket pages once, so fewer, larger ones write far less.
        # A client that sends slowly still sees each batch applied as it arrives.
        ahead = ReadAhead(messages, self._rows_per_transaction, weight=_rows_in, name="payment-import-read-ahead")
        try:
            stream = _StreamLimits()
            while taken := ahead.take(self._rows_per_transaction):
                rows, refusal = [], None
                times = TimeCache()
                for message in taken:
                    try:
                        stream.check(message)
                    except ValidationError as exc:
                        # The batches before the bad message are applied, as if it came alone.
                        refusal = exc
                        break
                    rows += [import_row(carrier, r, times) for r in message.batch.rows]
                if rows:
                    self._ledger.import_batch(carrier, rows, summary)
                    self._imports.add_rows(len(rows))
                if refusal is not None:
                    raise refusal
        finally:
            ahead.close()
        return pb.ImportPaymentsResponse(
            rows_received=summary.rows_received,
            fees_recorded=summary.fees_recorded,
            payments_recorded=summary.payments_recorded,
            rows_unchanged=summary.rows_unchanged,
            rows_rejected=summary.rows_rejected,
            errors=[pb.RowError(line=line, field=path, reason=reason) for line, path, reason in summary.errors],
        )

    def ListFeeLines(self, request: pb.ListFeeLinesRequest, context) -> pb.ListFeeLinesResponse:
        lines, token = self._ledger.list_lines(request.parent, request.page_size, request.page_token, request.outstanding_only)
        return pb.ListFeeLinesResponse(fee_lines=[self._line_message(line) for line in lines], next_page_token=token)

    def GetPaymentStanding(self, request: pb.GetPaymentStandingRequest, context) -> pb.PaymentStanding:
        computed, now = self._ledger.kept_standing(request.name)
        # The reply is built once per computed standing (the ledger hands back the same object
        # while it holds) and copied, with the time of this call, for every later read. One
        # entry a shipper: a newer standing replaces the old one.
        kept = self._standing_messages.get(computed.party_id)
        if kept is None or kept[0] is not computed:
            kept = self._standing_messages.put(computed.party_id, (computed, standing_to_message(computed)))
        reply = pb.PaymentStanding()
        reply.CopyFrom(kept[1])
        time_out(now, reply.as_of)
        return reply
