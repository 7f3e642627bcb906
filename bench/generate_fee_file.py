"""Writes a realistic carrier fee file (the CSV of client/knownparty_client/payments_csv.py) for the
import benchmark.

    PYTHONPATH=client:service .venv/bin/python bench/generate_fee_file.py -o /tmp/fees.csv \
        [--rows 1000000] [--shippers 2000] [--seed 1] [--carrier UPS] [--as-of 2026-12-04]

What is in it (deterministic for a given --seed, --as-of and the other options):

- A header row, then exactly --rows rows, in time order: a fee row at its bill time, a payment row
  at its paid time (so every payment comes after the fee it pays, usually many batches later).
- Shipments spread evenly over the --days (400) days before --as-of, each for one of --shippers
  shippers (ids `bench-shipper-00000` ...), skewed like real customers (weights 1/rank^0.7: the
  biggest shipper has about 3 % of the rows, the smallest a few hundred rows).
- Each shipment has 1 to 3 fee lines (duty, tax, government_fee; no repeats), all in one currency:
  USD 85 %, EUR 10 %, JPY 5 %. Amounts are integer minor units (cents; whole yen for JPY), drawn
  log-normally (a duty's median is USD 85). Billed 2 to 72 hours after the shipment, due 15 to 30
  days after billing.
- About 60 % of fee lines get paid, by two kinds of shipper. A third of the shippers are reliable:
  they pay every line, 98 % of them in full before the due date plus the 7-day grace (a few short
  by less than the policy's 0.5 % tolerance, some in two instalments); these are the repeat
  customers the standing is for. The others pay 45 % of their lines: in full, late (more than the
  grace after due), in two instalments, or only partly. A payment that would fall after --as-of is
  not in the file (it has not happened yet), so recent lines are more often unpaid, as in a real
  file.
- About 1 % of the unpaid lines are disputed, and the unreliable shippers' long-overdue lines are
  sometimes waived or written off (the resolution column of the fee row).
- Every shipment, bill and payment time is before --as-of (default: today's UTC midnight), so in the
  past when the file is imported; due dates of the last month's bills lie ahead, as in a real file.

Rows are written as they are generated: memory holds only the payments scheduled but not yet
due to be written (a few tens of thousands for a million rows), never the file.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import heapq
import math
import os
import random
import resource
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

COLUMNS = (
    "record",
    "shipper",
    "carrier",
    "shipment_reference",
    "fee_type",
    "amount",
    "currency",
    "shipment_time",
    "bill_time",
    "due_time",
    "resolution",
    "payment_reference",
    "paid_time",
)

DAY = 86_400
HOUR = 3_600
FEE_TYPES = ("duty", "tax", "government_fee")
FEE_COUNT_WEIGHTS = (0.35, 0.40, 0.25)  # 1, 2 or 3 fee lines per shipment: 1.9 on average
CURRENCIES = (("USD", 0.85), ("EUR", 0.10), ("JPY", 0.05))
# Minor units of the currency per US cent (JPY has no minor unit: 1 cent is 1.5 yen).
PER_CENT = {"USD": 1.0, "EUR": 0.92, "JPY": 1.5}
# Median (US cents) and log-normal sigma of each fee type.
AMOUNTS = {"duty": (8_500, 1.1), "tax": (4_000, 1.0), "government_fee": (2_700, 0.6)}
# (share of shippers, share of their lines paid, late, two instalments, partly paid): about 64 % of
# lines by weight, some payments fall after --as-of and are left out: about 60 % end up paid.
RELIABLE = (0.35, 1.00, 0.02, 0.04, 0.00)
UNRELIABLE = (0.65, 0.45, 0.15, 0.06, 0.06)
GRACE_DAYS = 7  # the default policy's grace period: later than due + 7 days is late
SHIPPER_ID = "bench-shipper-{:05d}"


def shipper_ids(count: int) -> list[str]:
    return [SHIPPER_ID.format(i) for i in range(count)]


def default_as_of() -> datetime:
    today = datetime.now(timezone.utc).date()
    return datetime(today.year, today.month, today.day, tzinfo=timezone.utc)


def _stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclass
class FileStats:
    path: str
    rows: int
    fee_rows: int
    payment_rows: int
    shipments: int
    lines_paid: int  # fee lines with at least one payment row
    resolutions: dict
    bytes: int
    seconds: float
    peak_rss_mb: float

    def summary(self) -> str:
        return (
            f"wrote {self.path}: {self.rows:,} rows ({self.fee_rows:,} fee, {self.payment_rows:,} payment; "
            f"{self.shipments:,} shipments; {self.lines_paid / max(1, self.fee_rows):.0%} of fee lines paid; "
            f"resolutions {self.resolutions}), {self.bytes / 1e6:,.1f} MB in {self.seconds:.1f} s "
            f"({self.rows / max(self.seconds, 1e-9):,.0f} rows/s, peak RSS {self.peak_rss_mb:,.0f} MB)"
        )


def generate(
    path: str | os.PathLike,
    rows: int = 1_000_000,
    *,
    shippers: int = 2_000,
    seed: int = 1,
    carrier: str = "UPS",
    as_of: datetime | None = None,
    days: int = 400,
) -> FileStats:
    """Writes the file and returns what it holds. See the module docstring."""
    if rows < 1 or shippers < 1 or days < 10:
        raise ValueError("need rows >= 1, shippers >= 1 and days >= 10")
    started = time.monotonic()
    rng = random.Random(seed)
    as_of = as_of or default_as_of()
    end = int(as_of.timestamp())
    # Shipments run from `days` before as_of to 4 days before it, so that bills (up to 3 days
    # after the shipment, plus an hour of jitter) are in the past too.
    first = end - days * DAY
    span = (days - 4) * DAY

    ids = shipper_ids(shippers)
    rng.shuffle(ids)  # which id is big is random; the weights are by rank
    cum_weights = list(_accumulate(1.0 / (rank + 1) ** 0.7 for rank in range(shippers)))
    total_weight = cum_weights[-1]
    currency_codes = [c for c, _ in CURRENCIES]
    currency_cum = list(_accumulate(w for _, w in CURRENCIES))
    count_cum = list(_accumulate(FEE_COUNT_WEIGHTS))
    tag = f"{seed % 65536:04X}"
    reliable = set(rng.sample(ids, round(shippers * RELIABLE[0])))

    pending: list[tuple[int, int, tuple]] = []  # (paid_time, order, row) payments not yet written
    written = fee_rows = payment_rows = shipments = lines_paid = 0
    payment_counter = 0
    resolutions = {"disputed": 0, "waived": 0, "written_off": 0}
    random_ = rng.random
    lognorm = rng.lognormvariate
    uniform = rng.uniform

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writerow = writer.writerow

        def schedule(paid_at: int, row: tuple) -> bool:
            nonlocal payment_counter
            if paid_at >= end - 60 or written + len(pending) >= rows:
                return False  # not paid yet as of the file's date, or the file is full
            payment_counter += 1
            heapq.heappush(pending, (paid_at, payment_counter, row))
            return True

        while written + len(pending) < rows:
            committed = written + len(pending)
            ship_at = first + int(span * committed / rows) + int(random_() * HOUR)
            bill_at = ship_at + int(uniform(2 * HOUR, 72 * HOUR))
            # Payments received before this bill go out first: the file is in time order.
            while pending and pending[0][0] <= bill_at:
                paid_at, _, row = heapq.heappop(pending)
                writerow(row)
                written += 1
            shipments += 1
            reference = f"1Z{tag}{shipments:010d}"
            shipper = ids[bisect.bisect_left(cum_weights, random_() * total_weight)]
            currency = currency_codes[min(bisect.bisect_left(currency_cum, random_()), len(currency_codes) - 1)]
            count = 1 + min(bisect.bisect_left(count_cum, random_()), 2)
            fee_types = rng.sample(FEE_TYPES, count) if count < 3 else list(FEE_TYPES)
            count = min(count, rows - (written + len(pending)))
            ship_text, bill_text = _stamp(ship_at), _stamp(bill_at)
            for fee_type in fee_types[:count]:
                median, sigma = AMOUNTS[fee_type]
                cents = max(100, int(lognorm(math.log(median), sigma)))
                amount = max(1, int(cents * PER_CENT[currency]))
                due_at = bill_at + rng.randint(15, 30) * DAY
                resolution = ""
                profile = RELIABLE if shipper in reliable else UNRELIABLE
                paid_parts = _payments(rng, amount, bill_at, due_at, profile) if random_() < profile[1] else []
                if not paid_parts:
                    resolution = _resolution(rng, due_at, end, profile is UNRELIABLE)
                    if resolution:
                        resolutions[resolution] += 1
                writerow(
                    ("fee", shipper, carrier, reference, fee_type, amount, currency, ship_text, bill_text,
                     _stamp(due_at), resolution, "", "")
                )
                written += 1
                fee_rows += 1
                any_paid = False
                for paid_at, paid_amount in paid_parts:
                    reference_id = f"PAY{tag}{payment_counter + 1:010d}"
                    row = ("payment", shipper, carrier, reference, fee_type, paid_amount, currency, "", "", "",
                           "", reference_id, _stamp(paid_at))
                    if schedule(paid_at, row):
                        any_paid = True
                    else:
                        break  # an instalment not made yet: nor are the later ones
                lines_paid += any_paid
        while pending:
            _, _, row = heapq.heappop(pending)
            writerow(row)
            written += 1
        payment_rows = written - fee_rows
    size = os.path.getsize(path)
    return FileStats(
        path=str(path),
        rows=written,
        fee_rows=fee_rows,
        payment_rows=payment_rows,
        shipments=shipments,
        lines_paid=lines_paid,
        resolutions=resolutions,
        bytes=size,
        seconds=time.monotonic() - started,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _payments(rng: random.Random, amount: int, bill_at: int, due_at: int, profile: tuple) -> list[tuple[int, int]]:
    """The payments of a line that gets paid: [(paid_time, amount)], in time order."""
    _, _, late_share, instalment_share, partial_share = profile
    def on_time() -> int:
        return bill_at + int(rng.uniform(DAY, due_at - bill_at))

    def late() -> int:
        return due_at + int(rng.uniform((GRACE_DAYS + 1) * DAY, 60 * DAY))

    u = rng.random()
    if u < late_share:  # in full, late
        return [(late(), amount)]
    u -= late_share
    if u < instalment_share and amount >= 2:  # two instalments, both on time
        first_part = max(1, min(amount - 1, int(amount * rng.uniform(0.3, 0.7))))
        first_at = on_time()
        second_at = first_at + int(rng.uniform(HOUR, max(2 * HOUR, due_at - first_at)))
        return [(first_at, first_part), (second_at, amount - first_part)]
    u -= instalment_share
    if u < partial_share:  # partly paid and left open
        return [(on_time(), max(1, int(amount * rng.uniform(0.5, 0.9))))]
    # in full, on time; 3 % of them short by less than the 0.5 % tolerance
    paid = amount - int(amount * rng.uniform(0, 0.004)) if rng.random() < 0.03 else amount
    return [(on_time(), max(1, paid))]


def _resolution(rng: random.Random, due_at: int, end: int, unreliable: bool) -> str:
    u = rng.random()
    if u < 0.01:
        return "disputed"
    if unreliable and due_at + 60 * DAY < end:  # only lines long overdue get waived or written off
        if u < 0.015:
            return "waived"
        if u < 0.02:
            return "written_off"
    return ""


def _parse_as_of(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=None, help="the CSV to write (default /tmp/knownparty_fees_<rows>_s<seed>.csv)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows after the header (default 1,000,000)")
    parser.add_argument("--shippers", type=int, default=2_000, help="distinct shippers (default 2,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--carrier", default="UPS", help="carrier code in every row (default UPS)")
    parser.add_argument("--days", type=int, default=400, help="days of shipments before --as-of (default 400)")
    parser.add_argument("--as-of", type=_parse_as_of, default=None, help="every time is before this (default: today 00:00 UTC)")
    args = parser.parse_args(argv)
    output = args.output or Path(f"/tmp/knownparty_fees_{args.rows}_s{args.seed}.csv")
    stats = generate(
        output, args.rows, shippers=args.shippers, seed=args.seed, carrier=args.carrier, as_of=args.as_of, days=args.days
    )
    print(stats.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
