"""The update mask of a standard Update method, explicit or implied by the fields set (AIP-134)."""

from __future__ import annotations

from collections.abc import Collection

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message


def effective_update_mask(mask: FieldMask, resource: Message, updatable: Collection[str]) -> list[str]:
    """The mask's paths; without any, the updatable fields set in `resource`.

    "Set" is what the message can tell: a field with a non-default value (proto3 keeps no presence
    for plain scalars, so over JSON an empty string or zero in the body reads as absent). Fields
    that are not updatable are left out of an implied mask rather than refused: a client may
    send back the whole resource it read.
    """
    if mask.paths:
        return list(mask.paths)
    return [field.name for field, _ in resource.ListFields() if field.name in updatable]
