"""The bot API's routes, as the table its OpenAPI 3.1 document is generated from (`openapi.py`),
served at GET /bot/v1/openapi.json. The bodies are the Structs of `schemas_bot.py` and
`schemas.py`, the same classes the routes (`bot_v1.py`) decode requests with.

Tests check that every `/bot/v1` route is in it, that every example validates against its
schema and that real answers do, so the document cannot drift from the code silently.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.api.openapi import MERGED_LEAD, UPLOAD_REFUSED, Api, Route, document
from chalicelib.api.schemas import Lead, LeadRef, Upload, UploadInput
from chalicelib.api.schemas_bot import HandoffInput, HandoffResult, LeadInput, Message, MessageInput

COMMON = {
    401: "No API key, or a wrong one",
    429: "Too many requests for this key (rate_limited); wait Retry-After seconds",
    503: "Busy (busy) or DynamoDB unavailable (unavailable); nothing was written, retry after Retry-After",
}
BODY = {
    400: "Malformed JSON",
    413: "Body over 256 KB",
    415: "The body is not application/json",
    422: "Valid JSON with invalid fields (named in details.fields)",
}
NO_LEAD = {404: "No such lead (lead_not_found)"}
LEAD = {"lead_ref": LeadRef}

ROUTES = (
    Route("put", "/bot/v1/leads/{lead_ref}", "putLead", "Create or update a lead",
          ok={200: ("Updated", Lead), 201: ("Created", Lead)}, errors={**COMMON, **BODY},
          body=LeadInput, body_required=False, path_params=LEAD, state_refusals=MERGED_LEAD),
    Route("get", "/bot/v1/leads/{lead_ref}", "getLead", "Read a lead",
          ok={200: ("The lead", Lead)}, errors={**COMMON, **NO_LEAD, 422: "Invalid lead_ref"}, path_params=LEAD),
    Route("post", "/bot/v1/leads/{lead_ref}/messages", "postMessage",
          "Add a lead's or the bot's message to the dialog (idempotent by id)",
          ok={200: ("Already stored under this id: nothing new was stored", Message), 201: ("Stored", Message)},
          errors={**COMMON, **BODY, **NO_LEAD, 409: "The id was used for a different message (idempotency_conflict), "
                       "or the bot's own message while an operator is in the dialog (dialog_with_operator)",
                  422: "Invalid fields (details.fields), or an attachment that is not an upload of this bot's "
                       "or was used before (upload_rejected)"},
          body=MessageInput, path_params=LEAD, state_refusals=(UPLOAD_REFUSED,)),
    Route("post", "/bot/v1/leads/{lead_ref}/handoff", "handoff",
          "Ask for an operator: a dialog in state bot goes to waiting",
          ok={200: ("The dialog's state", HandoffResult)}, errors={**COMMON, **BODY, **NO_LEAD},
          body=HandoffInput, body_required=False, path_params=LEAD),
    Route("post", "/bot/v1/uploads", "createUpload", "Announce a file and get a presigned S3 POST for it (max 20 MB)",
          ok={201: ("Upload it with a multipart POST to url", Upload)},
          errors={**COMMON, **BODY, 413: "Body over 256 KB, or a file over 20 MB (upload_too_large)"},
          body=UploadInput),
    Route("get", "/bot/v1/openapi.json", "openapi", "This document", ok={200: ("OpenAPI 3.1", None)}, public=True),
)

API = Api(
    title="Handover bot API",
    description="How a chatbot hands its dialogs with leads over to Handover's operators. "
    "Errors are {\"error\": {\"code\", \"message\", \"details\"?}}. Generated from chalicelib/api/schemas*.py "
    "and chalicelib/api/openapi_bot.py.",
    security=("botKey", {"type": "http", "scheme": "bearer", "description": "The bot's API key"}),
    routes=ROUTES,
)


@lru_cache(maxsize=1)
def bot_openapi() -> dict[str, Any]:
    return document(API)
