"""Translation between knownparty.v1 watchlist / screening messages and domain models."""

from __future__ import annotations

from knownparty_client._generated import screening_pb2, watchlist_pb2 as pb
from knownparty_service.api.party_messages import time_out
from knownparty_service.domain.watchlists.catalog import ListSummary, ListVersion, UploadedFile
from knownparty_service.domain.watchlists.entries import EntryType, ListFormat, WatchlistEntry

FORMATS = {
    pb.LIST_FORMAT_OFAC_SDN: ListFormat.OFAC_SDN,
    pb.LIST_FORMAT_OFAC_NONSDN: ListFormat.OFAC_NONSDN,
    pb.LIST_FORMAT_CSL: ListFormat.CSL,
    pb.LIST_FORMAT_BIS_DPL: ListFormat.BIS_DPL,
    pb.LIST_FORMAT_UN: ListFormat.UN,
    pb.LIST_FORMAT_GENERIC_CSV: ListFormat.GENERIC_CSV,
    pb.LIST_FORMAT_GENERIC_JSONL: ListFormat.GENERIC_JSONL,
}
ENTRY_TYPES = {
    pb.ENTRY_TYPE_INDIVIDUAL: EntryType.INDIVIDUAL,
    pb.ENTRY_TYPE_ENTITY: EntryType.ENTITY,
    pb.ENTRY_TYPE_VESSEL: EntryType.VESSEL,
    pb.ENTRY_TYPE_AIRCRAFT: EntryType.AIRCRAFT,
}
FORMATS_OUT = {v: k for k, v in FORMATS.items()}
ENTRY_TYPES_OUT = {v: k for k, v in ENTRY_TYPES.items()}


def uploaded_files(header: pb.ImportWatchlistHeader) -> list[UploadedFile]:
    return [UploadedFile(f.role, f.file_name, f.size_bytes, f.sha256) for f in header.files]


def version_to_message(version: ListVersion) -> pb.WatchlistVersion:
    diff = version.diff
    message = pb.WatchlistVersion(
        name=version.name,
        format=FORMATS_OUT[version.format],
        source=version.source,
        content_sha256=version.content_sha256,
        entry_count=version.entry_count,
        active=version.active,
        files=[
            pb.ImportedFile(role=f.role, file_name=f.file_name, size_bytes=f.declared_size, sha256=f.declared_sha256)
            for f in version.files
        ],
        diff=pb.VersionDiff(
            previous_version=(
                f"watchlists/{version.list_id}/versions/{diff.previous_version}" if diff.previous_version else ""
            ),
            added=diff.added,
            removed=diff.removed,
            changed=diff.changed,
            unchanged=diff.unchanged,
            added_ids=diff.added_ids,
            removed_ids=diff.removed_ids,
            changed_ids=diff.changed_ids,
        ),
    )
    time_out(version.create_time, message.create_time)
    return message


def summary_to_message(summary: ListSummary) -> pb.Watchlist:
    message = pb.Watchlist(
        name=f"watchlists/{summary.list_id}",
        format=FORMATS_OUT[summary.format],
        active_version=f"watchlists/{summary.list_id}/versions/{summary.active_version}",
        entry_count=summary.entry_count,
    )
    time_out(summary.update_time, message.update_time)
    return message


def entry_to_message(list_id: str, version: str, entry: WatchlistEntry, message: pb.WatchlistEntry | None = None):
    message = message if message is not None else pb.WatchlistEntry()
    message.name = f"watchlists/{list_id}/versions/{version}/entries/{entry.source_id}"
    message.list = list_id
    message.version = f"watchlists/{list_id}/versions/{version}"
    message.source_id = entry.source_id
    message.type = ENTRY_TYPES_OUT[entry.entry_type]
    message.primary_name = entry.primary_name
    message.aliases.extend(entry.aliases)
    message.weak_aliases.extend(entry.weak_aliases)
    message.addresses.extend(entry.addresses)
    message.countries.extend(entry.countries)
    message.dates_of_birth.extend(entry.dates_of_birth)
    for identifier in entry.identifiers:
        message.identifiers.add(type=identifier.type, value=identifier.value, country=identifier.country)
    message.programs.extend(entry.programs)
    message.remarks = entry.remarks
    return message


# Serialized WatchlistEntry messages of matched entries: an entry never changes within a list
# version, and the same parties come up again and again. Kept with the entry object itself, so
# another index (another server in this process) never gets bytes made from a different entry.
_ENTRY_BYTES: dict[tuple[str, str, str], tuple[WatchlistEntry, bytes]] = {}
_ENTRY_BYTES_MAX = 20_000


def _entry_bytes(list_id: str, version: str, entry: WatchlistEntry) -> bytes:
    key = (list_id, version, entry.source_id)
    hit = _ENTRY_BYTES.get(key)
    if hit is not None and hit[0] is entry:
        return hit[1]
    data = entry_to_message(list_id, version, entry).SerializeToString()
    if len(_ENTRY_BYTES) >= _ENTRY_BYTES_MAX:
        _ENTRY_BYTES.clear()
    _ENTRY_BYTES[key] = (entry, data)
    return data


def match_to_message(match, alert: bool, message: screening_pb2.ScreeningMatch) -> None:
    message.entry.MergeFromString(_entry_bytes(match.list_name, match.list_version, match.entry))
    message.matched_name = match.matched_name
    message.score = round(match.score, 4)
    message.alert = alert
    for pair in match.explanation.token_pairs:
        message.explanation.token_pairs.add(
            query_token=pair.query_token,
            matched_token=pair.matched_token or "",
            similarity=round(pair.similarity, 4),
            weight=round(pair.weight, 4),
        )
    for adjustment in match.explanation.adjustments:
        message.explanation.adjustments.add(field=adjustment.field, delta=round(adjustment.delta, 4), reason=adjustment.reason)
