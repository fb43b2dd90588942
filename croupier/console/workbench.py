"""The FAQ workbench for content staff: a message in, the decision out, computed by the
live FAQ's own :class:`Decider` (the very object answering players), plus the FAQ's load
status with the last error's ``path:line``."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bots.events import MAX_TEXT_CHARS
from croupier.console.access import Access, json_body, json_error
from croupier.console.users import Permission
from handlers.decide import Decider, Decision

TOP_CANDIDATES = 5


class WorkbenchRoutes:
    def __init__(
        self,
        access: Access,
        live_decider: Callable[[], Decider | None],
        content_status: Callable[[], dict[str, object]],
    ) -> None:
        self._access = access
        self._live_decider = live_decider
        self._content_status = content_status

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/console/api/workbench", self.decide)
        app.router.add_get("/console/api/faq-status", self.faq_status)

    async def decide(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.WORKBENCH, changes_state=True)
        body = await json_body(request)
        text = str(body.get("text", ""))
        if len(text) > MAX_TEXT_CHARS:
            return json_error(400, f"the message is over {MAX_TEXT_CHARS} characters")
        decider = self._live_decider()
        if decider is None:
            return json_error(503, "no FAQ is live")
        has_attachment = bool(body.get("has_attachment"))
        # On the loop, as the processor does: the same call, never two decisions at once.
        decision = decider.decide(text, has_attachment=has_attachment)
        return web.json_response(
            {"decision": decision_json(decider, decision), "faq": self._content_status()}
        )

    async def faq_status(self, request: web.Request) -> web.Response:
        await self._access.require(request, Permission.WORKBENCH)
        return web.json_response(self._content_status())


def decision_json(decider: Decider, decision: Decision) -> dict[str, object]:
    faq = decider.index.faq
    entry = faq.get(decision.faq_id) if decision.faq_id else None
    candidates = [
        {
            "entry_id": c.entry_id,
            "title": (
                e.display_title(decision.lang) if (e := faq.get(c.entry_id)) else c.entry_id
            ),
            "score": round(c.score, 4),
            "example_lang": c.example_lang,
        }
        for c in decision.candidates[:TOP_CANDIDATES]
    ]
    return {
        "kind": decision.kind.value,
        "faq_id": decision.faq_id,
        "title": entry.display_title(decision.lang) if entry else None,
        "answer": entry.answer.get(decision.lang) if entry else None,
        "lang": decision.lang,
        "detected_lang": decision.detected_lang,
        "score": round(decision.score, 4),
        "runner_up": candidates[1] if len(candidates) > 1 else None,
        "candidates": candidates,
        "options": list(decision.options),
        "also_faq_ids": list(decision.also_faq_ids),
        "reason": decision.reason,
        "evidence": decision.evidence,
        "smalltalk": decision.smalltalk,
        "answer_threshold": decider.settings.answer_threshold,
    }
