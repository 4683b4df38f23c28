"""Demo data: a handful of leads of the demo bot in all three dialog states, with history
and attachments (a PNG that previews, a PNG over 2 MB and a PDF).

Leads and messages go through the public bot API like a real bot, attachments through
the presigned S3 POST it hands out. Operators' steps (start, reply, resolve) go through
the app's dialog service, as the operator API would. Each lead is seeded once (a marker
in the data directory); since moto's S3 forgets its objects at every stop, the demo
files are put back under their keys at every start.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import requests

from local_runtime.demo.files import FILES
from local_runtime.settings import ATTACHMENTS_BUCKET, REGION

log = logging.getLogger("local_runtime")


def _lead(name: str, messenger: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "messenger": messenger, "channel": "demo", "language": "en",
            "attributes": {"first_name": name.split()[0], **extra.pop("attributes", {})}, **extra}


# Each step: ("lead"|"bot", text, [file names]) | ("handoff", reason) | ("start"|"resolve", operator)
# | ("operator", operator, text).
DEMO_LEADS: list[tuple[str, dict[str, Any], list[tuple[Any, ...]]]] = [
    ("demo-anna", _lead("Anna Petrova", "telegram", tags=["shipping"], attributes={"sys_email": "anna@example.com"}), [
        ("lead", "Hi! Do you ship to Lisbon?", []),
        ("bot", "Yes: Portugal is 3-5 days by courier, free over 50 EUR.", []),
        ("lead", "Great, thank you!", []),
    ]),
    ("demo-boris", _lead("Boris Novak", "whatsapp", status="customer", tags=["order-1042", "damaged"],
                         attributes={"sys_phone": "+420 601 234 567", "order": "1042"}), [
        ("lead", "My order 1042 arrived damaged. Here is a photo of the box.", ["damaged-box.png"]),
        ("bot", "I'm sorry to hear that! Let me call a person who can sort out a replacement.", []),
        ("handoff", "damaged delivery"),
        ("lead", "Thanks, I'll wait.", []),
    ]),
    ("demo-chen", _lead("Chen Wei", "web", status="customer", attributes={"plan": "Business", "order": "1042"}), [
        ("lead", "I need a corrected invoice for order 1042; the scan of the delivery note is attached.",
         ["invoice-1042.pdf", "warehouse-scan.png"]),
        ("bot", "An operator can correct invoices. Connecting you now.", []),
        ("handoff", "invoice correction"),
        ("start", "operator"),
        ("operator", "operator", "Hello Chen, I'm looking at the invoice and the scan now."),
        ("lead", "Thank you. The VAT number should be CZ12345678.", []),
    ]),
    ("demo-dana", _lead("Dana Kim", "instagram", tags=["pricing"]), [
        ("lead", "How much is the Business plan for 5 people?", []),
        ("bot", "Business is 10 EUR per person a month. Write \"operator\" for a quote.", []),
        ("lead", "operator please", []),
        ("handoff", "the lead asked for an operator"),
    ]),
    ("demo-eve", _lead("Eve Laurent", "telegram", attributes={"sys_email": "eve@example.com"}), [
        ("lead", "Can I change my delivery address?", []),
        ("handoff", "address change"),
        ("start", "operator2"),
        ("operator", "operator2", "Done: your parcel goes to the new address. Anything else?"),
        ("lead", "No, that's all, thanks!", []),
        ("resolve", "operator2"),
    ]),
]


class DemoSeeder:
    def __init__(self, url: str, api_key: str, data_dir: Path, moto_endpoint: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {api_key}"})
        self.marker_path = data_dir / "demo-seed.json"
        self.moto_endpoint = moto_endpoint
        try:
            self.marker: dict[str, Any] = json.loads(self.marker_path.read_text())
        except (OSError, ValueError):
            self.marker = {}
        self.marker.setdefault("leads", [])
        self.marker.setdefault("objects", {})

    def _save(self) -> None:
        self.marker_path.write_text(json.dumps(self.marker, indent=1))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, ok: tuple[int, ...] = ()) -> Any:
        response = self.http.request(method, f"{self.url}/bot/v1{path}", json=body, timeout=60)
        if response.status_code >= 300 and response.status_code not in ok:
            raise RuntimeError(f"demo data: {method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def upload(self, name: str) -> str:
        content_type, make = FILES[name]
        data = make()
        upload = self._call("POST", "/uploads", {"filename": name, "content_type": content_type, "size": len(data)})
        # The presigned POST, exactly as a bot (or a browser) sends it to S3.
        answer = requests.post(upload["url"], data=upload["fields"], files={"file": (name, data, content_type)}, timeout=60)
        answer.raise_for_status()
        self.marker["objects"][upload["fields"]["key"]] = name
        return upload["upload_id"]

    def seed_lead(self, lead_ref: str, lead: dict[str, Any], steps: list[tuple[Any, ...]]) -> None:
        from chalicelib import bootstrap

        dialogs = bootstrap.services().dialogs
        created = self._call("PUT", f"/leads/{lead_ref}", lead)
        for number, step in enumerate(steps):
            kind = step[0]
            if kind in ("lead", "bot"):
                _, text, files = step
                body: dict[str, Any] = {"id": f"{lead_ref}-{number}", "from": kind, "text": text}
                if files:
                    body["attachments"] = [{"upload_id": self.upload(name)} for name in files]
                self._call("POST", f"/leads/{lead_ref}/messages", body)
            elif kind == "handoff":
                self._call("POST", f"/leads/{lead_ref}/handoff", {"reason": step[1]}, ok=(409,))
            elif kind == "start":
                dialogs.start(created["id"], step[1])
            elif kind == "resolve":
                dialogs.resolve(created["id"], step[1])
            elif kind == "operator":
                dialogs.send_operator_message(created["id"], step[1], f"{lead_ref}-{number}", step[2], ())

    def restore_objects(self) -> None:
        """moto's S3 starts empty: put the demo files back under the keys messages refer to."""
        if not self.marker["objects"]:
            return
        s3 = boto3.session.Session().client("s3", region_name=REGION, endpoint_url=self.moto_endpoint,
                                            aws_access_key_id="local", aws_secret_access_key="local")
        made: dict[str, bytes] = {}
        for key, name in self.marker["objects"].items():
            content_type, make = FILES[name]
            data = made.setdefault(name, make())
            s3.put_object(Bucket=ATTACHMENTS_BUCKET, Key=key, Body=data, ContentType=content_type)

    def seed(self) -> int:
        self.restore_objects()
        seeded = 0
        for lead_ref, lead, steps in DEMO_LEADS:
            if lead_ref in self.marker["leads"]:
                continue
            self.seed_lead(lead_ref, lead, steps)
            self.marker["leads"].append(lead_ref)
            self._save()
            seeded += 1
        self._save()
        return seeded


async def seed_demo(url: str, api_key: str, data_dir: Path, moto_endpoint: str,
                    seeder: Callable[..., DemoSeeder] = DemoSeeder) -> None:
    seeded = await asyncio.to_thread(lambda: seeder(url, api_key, data_dir, moto_endpoint).seed())
    if seeded:
        log.info("demo data: %d leads seeded", seeded)
