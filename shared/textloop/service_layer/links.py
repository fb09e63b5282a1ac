"""Following a tracked link: where it goes, and whether a person or a machine fetched it.

One read answers the redirect (the link); the fetch is then classified (a preview fetcher, a
scanner, a HEAD, or a fetch within 2 s of the message's delivery is a *preview*) and recorded. A
person's click also goes on the InboundQueue (``link_click``): the reply router logs it on the CRM
record's thread. Recording is best effort: a store that fails never holds the person back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from textloop.domain import errors
from textloop.domain.links import Click, TrackedLink, preview_reason
from textloop.domain.ports import Conversations, Links
from textloop.service_layer.intake import MessageQueue

LINK_CLICK = "link_click"  # the InboundQueue message that logs a click on the CRM record


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Followed:
    target: str
    click: Click | None  # None when it could not be classified (the store failed)
    problem: str = ""  # why the fetch was not recorded, when it was not


@dataclass
class LinkFollower:
    links: Links
    conversations: Conversations
    queue: MessageQueue
    clock: Callable[[], datetime] = _utcnow

    def __call__(self, code: str, method: str, user_agent: str) -> Followed:
        """The link's target; raises ``NotFound`` for an unknown or expired code."""
        link = self.links.link(code)
        if link is None:
            raise errors.NotFound("no such link", code=code)
        at = self.clock()
        try:
            reason = preview_reason(method, user_agent, at, self._delivered_at(link.sid))
            click = Click(
                code=link.code,
                at=at,
                kind="preview" if reason else "click",
                reason=reason or "",
                method=method.upper(),
                user_agent=user_agent,
                sid=link.sid,
                record=link.record,
                variant=link.variant,
            )
            self.links.record_click(click)
            if click.kind == "click":
                self.queue.send_all([click_message(link, click)])
        except errors.Retryable as exc:
            return Followed(link.target, None, str(exc))
        return Followed(link.target, click)

    def _delivered_at(self, sid: str) -> datetime | None:
        message = self.conversations.message(sid) if sid else None
        if not message:
            return None
        at = message.get("delivered_at") or (
            message.get("status_at") if message.get("status") == "delivered" else ""
        )
        return datetime.fromisoformat(str(at)) if at else None


def click_message(link: TrackedLink, click: Click) -> str:
    """The ``link_click`` InboundQueue message: the link's attribution and the click."""
    return json.dumps(
        {
            "type": LINK_CLICK,
            "code": link.code,
            "target": link.target,
            "sid": link.sid,
            "at": click.at.isoformat(),
            "crm": link.record.crm,
            "object_type": link.record.object_type,
            "record_id": link.record.record_id,
            "contact_id": link.contact_id or "",
            "owner_id": link.owner_id or "",
            "account": link.account,
            "rule": link.rule,
            "template_tag": link.template_tag,
            "variant": link.variant,
        }
    )
