"""The size of an item as it would be stored, for the limits of `chalicelib/domain/sizes.py`:
the model in DynamoDB's wire format (PynamoDB's own serialization, so attribute names such
as `from` and every type are exactly what is written), measured by the pure rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.models import Model

from chalicelib.domain.sizes import item_size


def stored_size(item: Model, changes: Mapping[str, Any] | None = None) -> int:
    """The size of `item` with `changes` (model attribute name -> new value; None removes
    it) applied, without changing `item`: the size the write would leave in the table."""
    wire = item.serialize(null_check=False)
    attributes = item.get_attributes()
    for name, value in (changes or {}).items():
        attribute = attributes[name]
        if value is None:
            wire.pop(attribute.attr_name, None)
        else:
            wire[attribute.attr_name] = {attribute.attr_type: attribute.serialize(value)}
    return item_size(wire)
