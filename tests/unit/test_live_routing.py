"""Who receives which live event for a committed change (live/routing.py): a pure table,
tested on records built in memory (no DynamoDB, no moto)."""

from __future__ import annotations

from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.live.routing import ALL_TAB, EVERYONE, AudienceKind, changed_instead, operator, plan, viewers
from chalicelib.services.changes import Change
from chalicelib.storage.models import LeadModel, MessageModel

BOT = Dialog(DialogState.BOT)
WAITING = Dialog(DialogState.WAITING)


def _lead(after: Dialog) -> LeadModel:
    return LeadModel("ld_1", bot_id="bot_1", lead_ref="tg:1", name="Anna", dialog_state=after.state.value,
                     operators=list(after.operators), seq=3, unread=1, created_at="t0", last_activity_at="t1",
                     all_key="all#0")


def _change(before: Dialog | None, after: Dialog, *messages: MessageModel, **kw: object) -> Change:
    return Change(lead=_lead(after), before=before, after=after, messages=messages, **kw)


def _message(sender: str, seq: int = 3) -> MessageModel:
    return MessageModel("ld_1", seq, sender=sender, text="hi", created_at="t1")


def _pushes(change: Change) -> list[tuple[object, str, str | None, bool]]:
    return [(push.audience, push.frame["type"], push.frame.get("tab"), push.notifiable)
            for push in plan(change, lambda m: {"seq": int(m.seq)}, lambda lead: {"id": lead.id})]


def test_a_handoff_adds_the_dialog_to_everyones_waiting_tab_with_a_sound():
    assert _pushes(_change(BOT, WAITING)) == [
        (viewers("ld_1"), "lead.updated", None, False),
        (EVERYONE, "dialog.added", "waiting", True),
        (ALL_TAB, "dialog.updated", "all", False),
    ]


def test_a_start_moves_it_from_waiting_to_the_operators_mine():
    assert _pushes(_change(WAITING, Dialog(DialogState.OPERATOR, ("anna",)))) == [
        (viewers("ld_1"), "lead.updated", None, False),
        (EVERYONE, "dialog.removed", "waiting", False),
        (operator("anna"), "dialog.added", "mine", True),
        (ALL_TAB, "dialog.updated", "all", False),
    ]


def test_the_last_operator_leaving_puts_it_back_on_waiting():
    pushes = _pushes(_change(Dialog(DialogState.OPERATOR, ("anna",)), WAITING))
    assert (EVERYONE, "dialog.added", "waiting", True) in pushes
    assert (operator("anna"), "dialog.removed", "mine", False) in pushes


def test_a_lead_message_sounds_on_mine_but_the_bots_own_does_not():
    with_anna = Dialog(DialogState.OPERATOR, ("anna", "boris"))
    lead_wrote = _pushes(_change(with_anna, with_anna, _message("lead")))
    assert lead_wrote[0] == (viewers("ld_1"), "message.created", None, False)
    assert (operator("anna"), "dialog.updated", "mine", True) in lead_wrote
    assert (operator("boris"), "dialog.updated", "mine", True) in lead_wrote
    bot_wrote = _pushes(_change(with_anna, with_anna, _message("bot")))
    assert [notifiable for audience, _, _, notifiable in bot_wrote if audience.kind is AudienceKind.OPERATOR] == [
        False, False]


def test_a_message_in_a_bot_dialog_reaches_only_its_viewers_and_the_all_tab():
    assert _pushes(_change(BOT, BOT, _message("lead"))) == [
        (viewers("ld_1"), "message.created", None, False),
        (ALL_TAB, "dialog.updated", "all", False),
    ]


def test_a_new_lead_is_added_to_the_all_tab_and_causes_lead():
    pushes = plan(_change(None, BOT, lead_updated=True), lambda m: {}, lambda lead: {})
    assert [(p.audience, p.frame["type"], p.frame.get("cause")) for p in pushes] == [
        (viewers("ld_1"), "lead.updated", None),
        (ALL_TAB, "dialog.added", "lead"),
    ]


def test_a_message_frame_names_the_last_visible_message():
    with_anna = Dialog(DialogState.OPERATOR, ("anna",))
    change = _change(with_anna, with_anna, _message("lead", 4), MessageModel("ld_1", 5, sender="system",
                                                                                created_at="t1"))
    mine = [p.frame for p in plan(change, lambda m: {}, lambda lead: {}) if p.audience == operator("anna")]
    assert mine[0]["message"] == {"seq": 4, "from": "lead"}
    assert mine[0]["cause"] == "message"


def test_a_frame_too_large_to_push_has_a_small_changed_form():
    lead_frame = {"type": "lead.updated", "lead": {"id": "ld_1", "attributes": {"k": "x" * 10}}}
    assert changed_instead(lead_frame) == {"type": "lead.changed", "dialog_id": "ld_1"}
    message_frame = {"type": "message.created", "dialog_id": "ld_1", "dialog": {"lead_id": "ld_1"},
                     "message": {"seq": 7, "from": "lead", "text": "x" * 10}}
    assert changed_instead(message_frame) == {"type": "message.changed", "dialog_id": "ld_1", "seq": 7,
                                              "from": "lead"}
    # Tab and count frames carry a bounded summary: they have none (and never need one).
    assert changed_instead({"type": "dialog.updated", "tab": "all", "dialog": {}}) is None


def test_a_note_goes_to_its_viewers_and_a_sound_worthy_mention_to_each_mentioned_operator():
    with_anna = Dialog(DialogState.OPERATOR, ("anna",))
    note = MessageModel("ld_1", 4, sender="note", operator="anna", text="@boris look", created_at="t1",
                        mentions=["boris"])
    change = _change(with_anna, with_anna, note, actor="anna", mentions=("boris",))
    # No tab frame: a note changes no row (not on Waiting, Mine or All); boris is not in the dialog.
    assert _pushes(change) == [
        (viewers("ld_1"), "message.created", None, False),
        (operator("boris"), "dialog.mentioned", None, True),
    ]
    mention = plan(change, lambda m: {}, lambda lead: {})[1].frame
    assert mention["dialog_id"] == "ld_1" and mention["by"] == "anna"
    assert mention["message"] == {"seq": 4, "from": "note"} and mention["dialog"]["name"] == "Anna"
    # Without a mention: only the viewers.
    assert _pushes(_change(with_anna, with_anna, note)) == [(viewers("ld_1"), "message.created", None, False)]
