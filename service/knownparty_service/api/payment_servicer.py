"""PaymentService: fee lines, payments, bulk import and repeat-customer standing."""

from __future__ import annotations

from knownparty_client._generated import payment_pb2 as pb
from knownparty_client._generated import payment_pb2_grpc
from knownparty_service.api.payment_messages import fee_draft, fee_line_to_message, payment_draft, standing_to_message
from knownparty_service.domain.errors import ValidationError, ViolationCollector
from knownparty_service.domain.payment_ledger import MAX_BATCH_ROWS, ImportSummary, PaymentLedger
from knownparty_service.domain.payments import settle_time


class PaymentServicer(payment_pb2_grpc.PaymentServiceServicer):
    def __init__(self, ledger: PaymentLedger):
        self._ledger = ledger

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
        summary = ImportSummary()
        carrier = None
        for index, message in enumerate(request_iterator):
            if index == 0:
                if not message.HasField("header"):
                    raise ValidationError.single("header", "the first message must be the header")
                carrier = self._ledger.check_import_header(message.header.carrier)
                continue
            if not message.HasField("batch"):
                raise ValidationError.single("header", "only the first message may be a header")
            rows = message.batch.rows
            if len(rows) > MAX_BATCH_ROWS:
                raise ValidationError.single("batch.rows", f"has {len(rows)} rows; at most {MAX_BATCH_ROWS} a batch")
            self._ledger.import_batch(carrier, (self._row(carrier, r) for r in rows), summary)
        if carrier is None:
            raise ValidationError.single("header", "the stream was empty: send a header first")
        return pb.ImportPaymentsResponse(
            rows_received=summary.rows_received,
            fees_recorded=summary.fees_recorded,
            payments_recorded=summary.payments_recorded,
            rows_unchanged=summary.rows_unchanged,
            rows_rejected=summary.rows_rejected,
            errors=[pb.RowError(line=line, field=path, reason=reason) for line, path, reason in summary.errors],
        )

    @staticmethod
    def _row(carrier: str, row: pb.ImportPaymentsRow):
        """(line, shipper, draft, violations found while translating the message)."""
        errors = ViolationCollector()
        if row.HasField("fee_line"):
            draft = fee_draft(row.fee_line, errors)
        elif row.HasField("payment"):
            p = row.payment
            # A payment row belongs to the file's carrier.
            draft = payment_draft(carrier, p.shipment_reference, p.fee_type, p.payment, errors)
        else:
            errors.add("record", "a row is a fee_line or a payment")
            draft = None
        return row.line, row.shipper, draft, errors.violations

    def ListFeeLines(self, request: pb.ListFeeLinesRequest, context) -> pb.ListFeeLinesResponse:
        lines, token = self._ledger.list_lines(request.parent, request.page_size, request.page_token, request.outstanding_only)
        return pb.ListFeeLinesResponse(fee_lines=[self._line_message(line) for line in lines], next_page_token=token)

    def GetPaymentStanding(self, request: pb.GetPaymentStandingRequest, context) -> pb.PaymentStanding:
        return standing_to_message(self._ledger.standing(request.name))
