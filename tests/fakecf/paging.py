"""Opt-in pagination of list answers, as Cloudflare splits long lists into pages.

Off by default (every list is one page). With ``FakeCloudflare.list_page_size = N`` each
answer whose ``result`` is a list with a ``result_info`` (secrets, routes, domains, …)
holds at most N items: page ``?page=P`` (1-based), and ``result_info`` says ``page``,
``per_page``, ``count``, ``total_count`` and ``total_pages``, as the real API does.
"""

from __future__ import annotations

import math

from tests.fakecf.api import ApiReply


def paginate(reply: ApiReply, query: dict[str, list[str]], page_size: int) -> ApiReply:
    """``reply`` cut down to the page the query asks for, when it is a paginated list."""
    body = reply.body
    if reply.status != 200 or not isinstance(body, dict) or "result_info" not in body:
        return reply
    items = body.get("result")
    if not isinstance(items, list):
        return reply
    try:
        page = max(1, int(query.get("page", ["1"])[0]))
    except ValueError:
        page = 1
    chunk = items[(page - 1) * page_size : page * page_size]
    info = {
        "page": page,
        "per_page": page_size,
        "count": len(chunk),
        "total_count": len(items),
        "total_pages": max(1, math.ceil(len(items) / page_size)),
    }
    return ApiReply(reply.status, {**body, "result": chunk, "result_info": info}, reply.headers)
