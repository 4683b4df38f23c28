"""The item size rule (chalicelib/domain/sizes.py): DynamoDB's arithmetic, strings counted as
JSON writes them, and the refusal that names the limit. Pure; the same measure is checked
against DynamoDB Local's own refusal at 400 KB in tests/service/test_item_sizes.py."""

from __future__ import annotations

import pytest

from chalicelib.domain.sizes import (
    DYNAMODB_ITEM_LIMIT,
    LEAD_LIMIT,
    TooLarge,
    check_size,
    item_size,
    number_size,
    string_size,
    value_size,
)


def test_a_string_is_its_utf8_length_and_a_name_counts_too() -> None:
    assert string_size("abc") == 3
    assert string_size("é") == 2
    assert string_size("😀") == 4
    assert item_size({"name": {"S": "Anna"}}) == 4 + 4


def test_a_string_counts_as_json_writes_it_when_that_is_longer() -> None:
    # Quotes, backslashes and control characters are escaped in every JSON copy of a record.
    assert string_size('"') == 2
    assert string_size("\\") == 2
    assert string_size("\n") == 2
    assert string_size("\x01") == 6
    assert string_size('say "hi"') == 10
    # Non-ASCII stays as it is (ensure_ascii=False): the UTF-8 length.
    assert string_size("привет") == 12


@pytest.mark.parametrize(("number", "size"), [
    ("0", 2), ("7", 2), ("12", 2), ("123", 3), ("100", 2), ("0.001", 2), ("-1.5", 2),
    ("1E+100", 2), ("12345678901234567890123456789012345678", 20),
    ("99999999999999999999999999999999999999E+87", 20),
])
def test_a_number_is_one_byte_per_two_significant_digits_plus_one(number: str, size: int) -> None:
    assert number_size(number) == size


def test_maps_and_lists_cost_3_bytes_plus_1_per_element() -> None:
    assert value_size({"M": {}}) == 3
    assert value_size({"L": []}) == 3
    assert value_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 1 + 2
    assert value_size({"L": [{"S": "xy"}, {"N": "1"}]}) == 3 + (1 + 2) + (1 + 2)
    assert value_size({"M": {"m": {"L": [{"BOOL": True}, {"NULL": True}]}}}) == 3 + (1 + 1 + 3 + 2 + 2)


def test_sets_and_binary() -> None:
    assert value_size({"SS": ["a", "bc"]}) == 3
    assert value_size({"NS": ["1", "123"]}) == 2 + 3
    assert value_size({"B": b"\x00\x01\x02"}) == 3


def test_an_unknown_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        value_size({"X": "?"})


def test_the_limits_leave_a_margin_under_dynamodb() -> None:
    assert LEAD_LIMIT <= DYNAMODB_ITEM_LIMIT * 0.8


def test_over_the_limit_is_a_422_error_naming_the_record_and_the_limit() -> None:
    check_size("lead", LEAD_LIMIT, LEAD_LIMIT)  # at the limit is fine
    with pytest.raises(TooLarge) as refused:
        check_size("lead", LEAD_LIMIT + 1, LEAD_LIMIT)
    error = refused.value
    assert error.code == "lead_too_large"
    assert error.details == {"limit_bytes": LEAD_LIMIT, "size_bytes": LEAD_LIMIT + 1}
    assert "300 KB" in error.message


def test_a_lone_surrogate_is_measured_not_crashed_on() -> None:
    # Refused at the edge (api/), but a measure must never be what raises a 500.
    assert string_size("\ud800") == 3
