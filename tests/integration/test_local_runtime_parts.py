"""The local runtime's pure parts, without starting it: options, rates, event building,
stream plumbing and the demo files."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime

import pytest
from chalice import Cron, Rate

from local_runtime import events
from local_runtime.demo.bot import bot_reply
from local_runtime.demo.files import FILES, large_png, pdf, small_png
from local_runtime.scheduler import period_of
from local_runtime.settings import DEFAULT_WS_IDLE_SECONDS, parse_options
from local_runtime.streams import Checkpoints, _as_lambda_json, table_of_arn


def test_options_from_the_environment_and_flags(tmp_path):
    options = parse_options([], {"HANDOVER_PORT": "8123", "HANDOVER_DATA_DIR": str(tmp_path),
                                 "HANDOVER_SCHEDULE_SECONDS": "2.5", "HANDOVER_DEMO": "0"})
    assert (options.port, options.data_dir, options.schedule_seconds, options.demo) == (8123, tmp_path, 2.5, False)
    assert options.ws_idle_seconds == DEFAULT_WS_IDLE_SECONDS and options.test_hooks is False
    defaults = parse_options([], {})
    assert (defaults.port, defaults.data_dir.name, defaults.schedule_seconds, defaults.demo) == (8000, ".data", None, True)
    assert parse_options(["--no-demo", "--port", "0"], {}).demo is False


@pytest.mark.parametrize("name, value", [("HANDOVER_PORT", "eighty"), ("HANDOVER_SCHEDULE_SECONDS", "-1"),
                                         ("HANDOVER_WS_IDLE_SECONDS", "soon")])
def test_bad_numbers_stop_with_a_message_not_a_traceback(name, value):
    with pytest.raises(SystemExit, match=name):
        parse_options([], {name: value})


def test_rates_become_periods_and_cron_is_not_emulated():
    assert period_of(Rate(1, unit=Rate.MINUTES)) == 60
    assert period_of(Rate(2, unit=Rate.HOURS)) == 7200
    assert period_of("rate(5 minutes)") == 300
    assert period_of("rate(1 day)") == 86400
    assert period_of(Cron(0, 12, "*", "*", "?", "*")) is None


def test_connect_event_has_query_keys_only_with_a_query_string():
    common = {"connection_id": events.new_connection_id(), "connected_at": 1, "domain_name": "127.0.0.1:8000",
              "headers": [("Host", "127.0.0.1:8000"), ("Cookie", "a"), ("Cookie", "b")]}
    without = events.connect_event(query=[], **common)
    assert "queryStringParameters" not in without and "multiValueQueryStringParameters" not in without
    assert without["multiValueHeaders"]["Cookie"] == ["a", "b"] and without["headers"]["Cookie"] == "b"
    with_query = events.connect_event(query=[("ticket", "t1")], **common)
    assert with_query["queryStringParameters"] == {"ticket": "t1"}
    assert with_query["multiValueQueryStringParameters"] == {"ticket": ["t1"]}
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", with_query["requestContext"]["requestTime"])


def test_connection_ids_look_like_api_gateways_and_are_url_safe():
    ids = {events.new_connection_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", i) for i in ids)


def test_binary_frames_arrive_base64_encoded():
    event = events.message_event(route_key="$default", connection_id="c", connected_at=1, domain_name="d",
                                 body=b"\x00\x01")
    assert event["isBase64Encoded"] is True and event["body"] == "AAE="


def test_stream_records_are_turned_back_into_lambdas_json():
    parsed = {"dynamodb": {"ApproximateCreationDateTime": datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
                           "NewImage": {"blob": {"B": b"\x01\x02"}, "n": {"N": "1"}}}}
    assert _as_lambda_json(parsed) == {"dynamodb": {"ApproximateCreationDateTime": 1795593600,
                                                    "NewImage": {"blob": {"B": "AQI="}, "n": {"N": "1"}}}}
    assert table_of_arn("arn:aws:dynamodb:us-east-1:1:table/handover-deliveries/stream/2026") == "handover-deliveries"
    assert table_of_arn("not an arn") is None


def test_stream_checkpoints_survive_a_restart(tmp_path):
    path = tmp_path / "stream-checkpoints.json"
    first = Checkpoints(path)
    assert first.get("arn", "shard-1") is None
    first.put("arn", "shard-1", "000000000000000000042")
    assert Checkpoints(path).get("arn", "shard-1") == "000000000000000000042"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_demo_files_are_what_r12_needs():
    small, large = small_png(), large_png()
    assert _png_size(small) == (320, 200) and len(small) < 2 * 1024 * 1024
    assert _png_size(large) == (1000, 800) and len(large) > 2 * 1024 * 1024
    # The IDAT chunk really decompresses to the picture's rows (a valid PNG, not just a header).
    idat_length = struct.unpack(">I", small[33:37])[0]
    assert len(zlib.decompress(small[41:41 + idat_length])) == 200 * (1 + 320 * 3)
    document = pdf()
    assert document.startswith(b"%PDF-1.4") and document.rstrip().endswith(b"%%EOF")
    xref = int(document.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert document[xref:xref + 4] == b"xref"
    assert small_png() == small and large_png() == large  # the same bytes at every start
    assert {name: kind for name, (kind, _) in FILES.items()} == {
        "damaged-box.png": "image/png", "warehouse-scan.png": "image/png", "invoice-1042.pdf": "application/pdf"}


def test_the_demo_bot_points_the_lead_to_an_operator():
    assert "operator" in bot_reply("hello")
    assert "10 EUR" in bot_reply("what's the price?")
    assert "\u201cwhatever\u201d" in bot_reply("whatever")
