"""A fixed set of state table items (plain JSON, as ``state.json``'s ``ledger`` holds them) for the
report: message records with their attribution, routed replies, judged owner tasks, link clicks and
``PIPE#`` pipeline outcomes. The counts are stated here so tests can say what the figures must be.

- ``contract_final_review`` (stage ``Negotiation/Review``, A/B arms ``a`` and ``b``): arm ``a`` 40
  messages, 10 replied; arm ``b`` 40 messages, 22 replied (significant at 0.05);
- ``ticket_closed`` (stage ``Closed``, no variant, tier ``enterprise`` on the first 5): 20 messages,
  4 replied, one of them an opt-out;
- every message but the last 10 of ``ticket_closed`` delivered (90 of 100);
- first-reply latencies cycle through 30 s, 4 min, 10 min, 20 min, 45 min, 2 h, 5 h;
- each replied ``contract_final_review`` message opened an owner task: the even ones done (completed
  10 minutes after the reply), the odd ones escalated;
- pipeline: a meeting on the first 3 replied messages of arm ``b``, an opportunity created on the first
  2 (amounts 10 000 and 5 000), the first advanced to 12 000 then closed won at 12 000; one outcome with
  no message (unattributed); Twilio's price on arm ``a``'s messages, none on the others.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)
LATENCIES = (30, 240, 600, 1200, 2700, 7200, 18000)
REPLIED = {"a": 10, "b": 22, "": 4}
SENT = {"a": 40, "b": 40, "": 20}


def items() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    n = 0
    replied_b: list[str] = []
    for variant, sent in SENT.items():
        rule = "ticket_closed" if variant == "" else "contract_final_review"
        for i in range(sent):
            sid = f"SM{n:032d}"
            at = START + timedelta(days=n % 40, minutes=n)  # October and into November
            delivered = not (rule == "ticket_closed" and i >= sent - 10)
            message: dict[str, Any] = {
                "pk": f"MSG#{sid}",
                "sk": "MSG",
                "sid": sid,
                "crm": "salesforce",
                "object_type": "opportunity" if variant else "case",
                "record_id": f"006{n:05d}",
                "owner_id": "005OWNER",
                "rule": rule,
                "purpose": "transactional",
                "template": f"{rule}@v{2 if variant == 'b' else 1}",
                "variant": variant,
                "trigger": "StageName=Negotiation/Review" if variant else "Status=Closed",
                "stage": "Negotiation/Review" if variant else "Closed",
                "tier": "enterprise" if rule == "ticket_closed" and i < 5 else "",
                "lifecycle": "",
                "cohort": at.strftime("%Y-%m"),
                "segments": 1,
                "status": "delivered" if delivered else "undelivered",
                "sent_at": at.isoformat(),
            }
            if variant == "a":
                message["price"] = "-0.00790"
            out.append(message)
            if i < REPLIED[variant]:
                latency = LATENCIES[i % len(LATENCIES)]
                reply_at = at + timedelta(seconds=latency)
                intent = "opt_out" if rule == "ticket_closed" and i == 0 else "question"
                task_id = f"00T{n:05d}" if variant else ""
                details = {"intent": intent, "message_sid": sid, "latency_s": str(float(latency))}
                if task_id:
                    details["task_id"] = task_id
                out.append(
                    {
                        "pk": f"EVENT#in:SMIN{n:030d}",
                        "sk": "OUTCOME",
                        "outcome": "routed",
                        "reason": intent,
                        "details": details,
                        "at": reply_at.isoformat(),
                    }
                )
                if task_id:
                    task: dict[str, Any] = {
                        "pk": f"TASK#salesforce#{task_id}",
                        "sk": "SLA",
                        "due": (reply_at + timedelta(minutes=30)).isoformat(),
                        "at": (reply_at + timedelta(minutes=30)).isoformat(),
                        "outcome": "done" if i % 2 == 0 else "escalated:00TESC",
                    }
                    if i % 2 == 0:
                        task["completed_at"] = (reply_at + timedelta(minutes=10)).isoformat()
                    out.append(task)
                if variant == "b":
                    replied_b.append(sid)
            n += 1
    out += _clicks(replied_b) + _pipeline(replied_b)
    return out


def _clicks(sids: list[str]) -> list[dict[str, Any]]:
    at = START + timedelta(hours=1)
    return [
        {
            "pk": "LINK#abcdefgh",
            "sk": f"CLICK#{at.isoformat()}#1",
            "kind": "click",
            "sid": sids[0],
            "at": at.isoformat(),
        },
        {
            "pk": "LINK#abcdefgh",
            "sk": f"CLICK#{at.isoformat()}#2",
            "kind": "preview",
            "sid": sids[0],
            "at": at.isoformat(),
        },
    ]


def _pipeline(sids: list[str]) -> list[dict[str, Any]]:
    day = START + timedelta(days=3)

    def outcome(
        kind: str, sid: str | None, record: str, days: int, amount: float | None = None
    ) -> dict[str, Any]:
        at = day + timedelta(days=days)
        item: dict[str, Any] = {
            "pk": f"PIPE#{at.strftime('%Y-%m')}",
            "sk": f"{at.isoformat()}#{kind}:{record}",
            "kind": kind,
            "crm": "salesforce",
            "record": record,
            "at": at.isoformat(),
            "rule": "contract_final_review",
            "template": "contract_final_review",
            "version": 2,
            "variant": "b",
        }
        if sid:
            item["message_sid"] = sid
        if amount is not None:
            item["amount"] = amount
        return item

    return [
        outcome("meeting_booked", sids[0], "00UMEET1", 0),
        outcome("meeting_booked", sids[1], "00UMEET2", 0),
        outcome("meeting_booked", sids[2], "00UMEET3", 1),
        outcome("opportunity_created", sids[0], "006OPP1", 1, 10000),
        outcome("opportunity_created", sids[1], "006OPP2", 2, 5000),
        outcome("stage_advanced", sids[0], "006OPP1", 3, 12000),
        outcome("closed_won", sids[0], "006OPP1", 5, 12000),
        outcome("closed_lost", None, "006OPP9", 6, 7000),  # no message: unattributed
    ]
