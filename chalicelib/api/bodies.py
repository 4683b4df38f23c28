"""Request bodies, query strings and path parameters, turned into commands
(`chalicelib/domain/commands.py`).

Each body is decoded against its schema (`decoding.decode`: one 422 naming every bad field),
then said the way the services want it: absent fields left out, blank text as none, times in
UTC. The schemas, and with them every limit, are in `schemas*.py`. No AWS. The admin bodies
(a bot's fields, the dead-letter replay) are in `admin_bodies.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from msgspec import UNSET

from chalicelib.api import schemas_bot, schemas_operator
from chalicelib.api.decoding import decode, decode_query, problem_of
from chalicelib.api.http import HttpError, json_body
from chalicelib.api.schemas import LeadRef, UploadInput, non_blank
from chalicelib.domain.commands import (
    EMAIL_ATTRIBUTE,
    LEAD_TEXT_FIELDS,
    PHONE_ATTRIBUTE,
    IncomingMessage,
    LeadChanges,
    MessageWindow,
    OperatorReply,
    UploadRequest,
)
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.files import clean_filename


def optional_body(request: Any) -> Any:
    """An optional JSON object: no body is None, but `null` (or any non-object) is a 422, as
    the documents say; json_body() alone cannot tell `null` from no body."""
    raw = request.raw_body or b""
    if raw and not raw.strip():
        # Whitespace is not JSON; only a truly empty body means "no body".
        raise HttpError(400, "malformed_json", "the body is not valid JSON; send none or a JSON object")
    body = json_body(request, required=False)
    if body is None and raw.strip():
        raise ValidationFailed("the body must be a JSON object", fields={"body": "must be an object"})
    return body


# --- path parameters --------------------------------------------------------------------------


def check_lead_ref(lead_ref: str) -> str:
    """The lead_ref from a URL path, percent-decoded: API Gateway (and Chalice) pass path
    parameters as sent, so a client that encodes `tg:1` as `tg%3A1` must name the same lead.
    Decoding first is safe because `%` itself is never a valid character."""
    if isinstance(lead_ref, str) and "%" in lead_ref:
        lead_ref = unquote(lead_ref)  # undecodable bytes become U+FFFD, which the pattern refuses
    problem = problem_of(lead_ref, LeadRef)
    if problem is not None:
        raise ValidationFailed("lead_ref must be 1-128 characters of A-Z a-z 0-9 . _ : @ -",
                               fields={"lead_ref": problem})
    return lead_ref


# --- bot API: leads and messages ----------------------------------------------------------------

def _tags(tags: Any) -> list[str] | None:
    """Absent: unchanged (None); null: none; a list: each tag once, in order."""
    if tags is UNSET:
        return None
    return list(dict.fromkeys(tags or []))


def _given(value: Any) -> dict[str, Any]:
    return {} if value is UNSET or value is None else dict(value)


def check_lead_changes(body: Any) -> LeadChanges:
    """The body of `PUT /bot/v1/leads/{lead_ref}`."""
    lead = decode(body, schemas_bot.LeadInput)
    fields = {name: getattr(lead, name) for name in (*LEAD_TEXT_FIELDS, "avatar_url")
              if getattr(lead, name) is not UNSET}
    return LeadChanges(fields=fields, tags=_tags(lead.tags), attributes=_given(lead.attributes))


def _text(text: str | None) -> str | None:
    return text if non_blank(text) else None


def _upload_ids(attachments: list[Any] | None) -> tuple[str, ...]:
    return tuple(attachment.upload_id for attachment in attachments or [])


def check_bot_message(body: Any) -> IncomingMessage:
    """The body of `POST /bot/v1/leads/{lead_ref}/messages`."""
    message = decode(body, schemas_bot.MessageInput)
    sent_at = _utc(message.sent_at) if message.sent_at is not None else None
    return IncomingMessage(message.id, message.sender, _text(message.text), _upload_ids(message.attachments),
                           sent_at)


def _utc(time: datetime) -> str:
    return time.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_handoff(body: Any) -> str:
    """The body of `POST /bot/v1/leads/{lead_ref}/handoff` (optional): the reason."""
    return decode({} if body is None else body, schemas_bot.HandoffInput).reason or ""


# --- uploads (both APIs) ------------------------------------------------------------------------

def check_upload_request(body: Any) -> UploadRequest:
    """The body of `POST /bot/v1/uploads` and `POST /api/uploads` (over 20 MB is a 413)."""
    upload = decode(body, UploadInput)
    return UploadRequest(clean_filename(upload.filename), upload.content_type.lower(), upload.size)


# --- operator API -------------------------------------------------------------------------------

def check_operator_lead_edit(body: Any) -> LeadChanges:
    """The operator's edit form: phone and e-mail are written to sys_phone/sys_email."""
    edit = decode(body, schemas_operator.LeadEdit)
    fields = {name: getattr(edit, name) for name in ("name", "status") if getattr(edit, name) is not UNSET}
    attributes = _given(edit.variables)
    for value, attribute in ((edit.phone, PHONE_ATTRIBUTE), (edit.email, EMAIL_ATTRIBUTE)):
        if value is not UNSET:
            attributes[attribute] = value or None
    return LeadChanges(fields=fields, tags=_tags(edit.tags), attributes=attributes)


def check_operator_reply(body: Any) -> OperatorReply:
    """The body of `POST /api/dialogs/{lead_id}/messages`."""
    reply = decode(body, schemas_operator.MessageInput)
    return OperatorReply(reply.client_id, _text(reply.text), _upload_ids(reply.attachments))


def check_note(body: Any) -> tuple[str, str]:
    """The body of `POST /api/dialogs/{lead_id}/notes`: its client_id and text."""
    note = decode(body, schemas_operator.NoteInput)
    return note.client_id, note.text


def page_limit(params: Mapping[str, str] | None) -> int:
    """`?limit=` of the dialog panel's first page."""
    return decode_query(params, schemas_operator.PanelQuery).limit


def check_tab_query(params: Mapping[str, str] | None) -> tuple[int, str | None]:
    """`?limit=&cursor=` of a tab page."""
    query = decode_query(params, schemas_operator.TabQuery)
    return query.limit, query.cursor or None


def check_tab_filter(params: Mapping[str, str] | None) -> tuple[str | None, str | None]:
    """`?state=&bot_id=` of the All tab (empty: not filtered)."""
    query = decode_query(params, schemas_operator.TabQuery)
    return query.state or None, query.bot_id or None


def check_message_window(params: Mapping[str, str] | None) -> MessageWindow:
    """The query of `GET /api/dialogs/{lead_id}/messages`: limit, and before or after a seq."""
    window = decode_query(params, schemas_operator.MessageWindow)
    return MessageWindow(window.limit, None if window.before is UNSET else window.before,
                         None if window.after is UNSET else window.after)


def check_login(body: Any) -> tuple[str, str]:
    """The body of `POST /api/auth/login`: (username, password)."""
    login = decode(body, schemas_operator.LoginInput)
    return login.username, login.password


def check_refresh(body: Any) -> str:
    """The body of `POST /api/auth/refresh`: the refresh token."""
    return decode(body, schemas_operator.RefreshInput).refresh_token
