"""System-script placeholders (chalicelib/domain/scripts.py, docs/bot-api.md "System scripts"):
values, defaults, what a placeholder with nothing to say leaves behind, and the caps on what
placeholders add. Pure."""

from __future__ import annotations

import pytest

from chalicelib.domain.commands import MAX_TEXT
from chalicelib.domain.scripts import SCRIPT_RUN_LIMIT, render, render_all
from chalicelib.domain.sizes import string_size

ANNA = {"first_name": "Anna", "plan": "pro", "vip": True, "visits": 0, "blank": "  ", "none": None}
NOBODY: dict[str, object] = {}


@pytest.mark.parametrize(("template", "attributes", "text"), [
    ("Hi {{first_name}}!", ANNA, "Hi Anna!"),
    ("{{ plan }} / {{vip}} / {{visits}}", ANNA, "pro / true / 0"),
    ("Hi {{first_name|there}}!", ANNA, "Hi Anna!"),
    ("Hi {{first_name|there}}!", NOBODY, "Hi there!"),
    ("Hi {{ first_name | dear customer }}!", NOBODY, "Hi dear customer!"),
    # Null and blank values are missing too.
    ("Hi {{none|there}} and {{blank|you}}.", ANNA, "Hi there and you."),
    # `{{name}}` is the attribute `name`, else the lead's name.
    ("Hello {{name|friend}}", NOBODY, "Hello Lead Name"),
])
def test_values_and_defaults(template, attributes, text):
    assert render(template, attributes, "Lead Name") == text


def test_a_missing_name_without_a_lead_name_takes_the_default():
    assert render("Hello {{name|friend}}", NOBODY, None) == "Hello friend"


@pytest.mark.parametrize(("template", "text"), [
    # The finding: "An operator joined the chat, ." for a lead without a first name.
    ("An operator joined the chat, {{first_name}}. They will answer you here.",
     "An operator joined the chat. They will answer you here."),
    ("The bot is back, {{first_name}}.", "The bot is back."),
    ("Your plan: {{plan}}.", "Your plan."),
    ("Welcome — {{first_name}}!", "Welcome!"),
    ("Hi {{first_name}}, an operator joined.", "Hi, an operator joined."),
    ("Hello {{first_name}}!", "Hello!"),
    ("Dear {{first_name}} {{last_name}}, hi", "Dear, hi"),
    ("{{first_name}}, welcome back!", "Welcome back!"),
    ("Thanks!\n{{first_name}}, see you soon.", "Thanks!\nSee you soon."),
    ("Hello {{first_name}}\nNext line", "Hello\nNext line"),
    ("Ticket x{{code}}y", "Ticket xy"),
    ("Thanks for waiting, {{first_name}}", "Thanks for waiting"),
])
def test_a_placeholder_with_nothing_to_say_takes_its_punctuation_with_it(template, text):
    rendered = render(template, NOBODY)
    assert rendered == text
    assert ", ." not in rendered and " ." not in rendered and "  " not in rendered


def test_the_rest_of_the_text_keeps_its_spaces_when_a_value_follows():
    assert render("Dear {{title}} {{first_name}}, hi", ANNA) == "Dear Anna, hi"


def test_a_text_left_with_only_punctuation_is_not_sent():
    assert render("{{greeting}} {{first_name}}!", NOBODY) == ""
    assert render_all(["{{greeting}}!", "Real text"], NOBODY) == ["Real text"]
    # A text without placeholders is sent as written, even one without letters.
    assert render_all(["👍"], NOBODY) == ["👍"]


def test_the_shipped_demo_scripts_read_well_without_a_first_name():
    from local_runtime.demo.bot import DEMO_SCRIPTS

    for templates in DEMO_SCRIPTS.values():
        for rendered in (render_all(templates, NOBODY, None), render_all(templates, {"first_name": "Anna"}, None)):
            assert rendered and all(", ." not in text and " ." not in text and "{{" not in text for text in rendered)
    transfer = render_all(DEMO_SCRIPTS["operator_transfer"], NOBODY, None)[0]
    assert transfer.startswith("Hi there, ")


def test_what_placeholders_add_is_capped_per_text_and_per_run():
    attributes = {f"a{i}": "é" * 2000 for i in range(10)}
    template = "".join(f"{{{{a{i}}}}}" for i in range(10))  # 50 characters -> 20,000
    texts = render_all([template] * 10, attributes)
    assert all(len(text) <= MAX_TEXT for text in texts)
    assert texts[0].endswith("…") and len(texts[0]) == MAX_TEXT
    # 10 texts of 10,000 two-byte characters would be 200 KB: under the run's limit.
    assert sum(string_size(text) for text in texts) <= SCRIPT_RUN_LIMIT
    heavy = {f"a{i}": "\x01" * 2000 for i in range(10)}  # 6 bytes each as JSON
    texts = render_all([template] * 10, heavy)
    assert sum(string_size(text) for text in texts) <= SCRIPT_RUN_LIMIT
    assert len(texts) < 10 and texts[-1].endswith("…")
