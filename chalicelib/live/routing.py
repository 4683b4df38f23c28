"""Who receives which live event for a committed change: pure, no AWS.

A change is compared before/after against each tab's membership rule (design.md):
Waiting = state `waiting`; Mine = state `operator` and the operator is in it; All = every
dialog. Entering a tab is `dialog.added`, leaving it `dialog.removed`, staying on it with
something to show `dialog.updated`. Waiting goes to every operator, Mine to the operators
concerned (including one who just left), All to connections showing the All tab. Messages
and lead changes go to the connections viewing the dialog (R8: a hidden panel views none).
See docs/live-events.md for the full table.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import msgspec

from chalicelib.domain.tabs import Tab, TabPlace
from chalicelib.services.changes import Change
from chalicelib.storage.dialogs import summary_of
from chalicelib.storage.models import MessageModel

Frame = dict[str, Any]


class AudienceKind(StrEnum):
    VIEWERS = "viewers"  # the connections whose panel shows the dialog (`key`: its id)
    OPERATOR = "operator"  # every connection of one operator (`key`: the username)
    TAB = "tab"  # the connections showing a tab (`key`: the tab)
    EVERYONE = "everyone"  # every connection


class Audience(msgspec.Struct, frozen=True):
    kind: AudienceKind
    key: str = ""


EVERYONE = Audience(AudienceKind.EVERYONE)
ALL_TAB = Audience(AudienceKind.TAB, Tab.ALL.value)


def viewers(dialog_id: str) -> Audience:
    return Audience(AudienceKind.VIEWERS, dialog_id)


def operator(username: str) -> Audience:
    return Audience(AudienceKind.OPERATOR, username)


class Push(msgspec.Struct, frozen=True):
    audience: Audience
    frame: Frame
    # A sound-worthy event for R13/R14 (a dialog appears on Waiting/Mine, or the lead wrote
    # in a dialog there): the reminders listen to who received one while hidden.
    notifiable: bool = False


def alert_id(lead: Any) -> str:
    """A notifiable event's id: the dialog, its version and its last seq. Every change that
    can raise an alert moves one of the two (a transition the version, a message the seq), so
    the id names one event; every operator who receives it gets the same id."""
    return f"{lead.id}:{int(lead.dialog_version or 0)}:{int(lead.seq or 0)}"


def cause_of(change: Change) -> str:
    if change.created:
        return "lead"
    if change.events or change.before != change.after:
        return "state"
    if change.messages:
        return "message"
    if change.lead_updated:
        return "lead"
    return "read"


def _last_visible(messages: tuple[MessageModel, ...]) -> MessageModel | None:
    shown = [m for m in messages if m.sender != "system"]
    return shown[-1] if shown else (messages[-1] if messages else None)


def plan(
    change: Change,
    message_view: Callable[[MessageModel], Frame],
    lead_view: Callable[[Any], Frame],
) -> list[Push]:
    """The pushes of one change, in the order a connection should receive them."""
    lead = change.lead
    summary = summary_of(lead)
    cause = cause_of(change)
    pushes: list[Push] = []

    # The dialog panel: its messages, then the lead as it is now.
    watchers = viewers(lead.id)
    for message in change.messages:
        pushes.append(
            Push(watchers, {"type": "message.created", "dialog_id": lead.id, "message": message_view(message),
                            "dialog": summary})
        )
    if cause != "message":
        pushes.append(Push(watchers, {"type": "lead.updated", "lead": lead_view(lead)}))

    # A private note changes no tab row (storage/dialog_write.py `add_note`): its viewers see
    # it, and each operator it @-mentions is told wherever they are, as a sound-worthy event
    # like a lead's message on Mine (R13/R14), even when they are not in the dialog.
    if change.messages and all(m.sender == "note" for m in change.messages) and cause == "message":
        note = change.messages[-1]
        for username in change.mentions:
            frame = {"type": "dialog.mentioned", "dialog_id": lead.id, "dialog": summary, "by": note.operator,
                     "message": {"seq": int(note.seq), "from": note.sender}}
            pushes.append(Push(operator(username), frame, notifiable=True))
        return pushes

    last = _last_visible(change.messages)
    lead_wrote = cause == "message" and last is not None and last.sender == "lead"

    def tab_frame(kind: str, tab: Tab) -> Frame:
        if kind == "removed":
            return {"type": "dialog.removed", "tab": tab.value, "dialog_id": lead.id}
        frame: Frame = {"type": f"dialog.{kind}", "tab": tab.value, "dialog": summary, "cause": cause}
        if cause == "message" and last is not None:
            frame["message"] = {"seq": int(last.seq), "from": last.sender}
        return frame

    alert = alert_id(lead)

    def tab_push(audience: Audience, kind: str, tab: Tab, notifiable: bool = False) -> Push:
        frame = tab_frame(kind, tab)
        if notifiable:
            # The id the page echoes in its `ack` once it delivered the alert (docs/notifications.md).
            frame["alert"] = alert
        return Push(audience, frame, notifiable=notifiable)

    was, now = TabPlace.of(change.before), TabPlace.of(change.after)
    # Waiting: every operator.
    if now.waiting and not was.waiting:
        pushes.append(tab_push(EVERYONE, "added", Tab.WAITING, notifiable=True))
    elif was.waiting and not now.waiting:
        pushes.append(Push(EVERYONE, tab_frame("removed", Tab.WAITING)))
    elif now.waiting:
        pushes.append(tab_push(EVERYONE, "updated", Tab.WAITING, notifiable=lead_wrote))

    # Mine: each operator whose Mine tab gains, keeps or loses the dialog, in the dialog's
    # order of operators.
    before = tuple(op for op in (change.before.operators if change.before else ()) if op in was.mine)
    after = tuple(op for op in change.after.operators if op in now.mine)
    for username in after:
        if username in before:
            pushes.append(tab_push(operator(username), "updated", Tab.MINE, notifiable=lead_wrote))
        else:
            pushes.append(tab_push(operator(username), "added", Tab.MINE, notifiable=True))
    for username in before:
        if username not in after:
            pushes.append(Push(operator(username), tab_frame("removed", Tab.MINE)))

    # All: every dialog is on it; only connections showing it care about its churn.
    pushes.append(Push(ALL_TAB, tab_frame("added" if change.created else "updated", Tab.ALL)))
    return pushes


# The frames sent instead of one that API Gateway would refuse (over 128 KB): what changed,
# for the UI to read over REST. Only these two carry content without a small bound (a lead's
# attributes, a message with its presigned links); tab, counts and state frames hold a summary.
LEAD_CHANGED = "lead.changed"
MESSAGE_CHANGED = "message.changed"


def changed_instead(frame: Frame) -> Frame | None:
    """The small "changed, fetch it" frame for a frame too large to push, or None if the
    frame is of a kind that has none."""
    if frame.get("type") == "lead.updated":
        return {"type": LEAD_CHANGED, "dialog_id": frame["lead"]["id"]}
    if frame.get("type") == "message.created":
        message = frame["message"]
        return {"type": MESSAGE_CHANGED, "dialog_id": frame["dialog_id"], "seq": message["seq"],
                "from": message["from"]}
    return None
