"""Paginated lists: `?page=&per_page=` in, `{"items", "total", "page", "per_page"}` out.

    @blp.route("/teams")
    @blp.arguments(TeamFilterSchema, location="query")   # a subclass of PageArgsSchema
    @blp.response(200, page_schema(TeamSchema))
    def list_teams(args):
        return paginate(teams_query(current_user), args)
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from accredit.extensions import db

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000  # keeps the offset a sane number on every backend


class PageArgsSchema(ma.Schema):
    """The paging query parameters; a list's filter schema subclasses this."""

    page = ma.fields.Integer(
        load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, from 1. A page past the end is empty."},
    )
    per_page = ma.fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=ma.validate.Range(min=1),
        metadata={"description": f"Items per page (default {DEFAULT_PER_PAGE}); more than {MAX_PER_PAGE} "
                                 f"is answered with {MAX_PER_PAGE}."},
    )


class PageSchema(ma.Schema):
    total = ma.fields.Integer(required=True, metadata={"description": "Items in the whole list"})
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True, metadata={"description": "The page size actually used"})


_PAGE_SCHEMAS: dict[type[ma.Schema], type[PageSchema]] = {}


def page_schema(item_schema: type[ma.Schema]) -> type[PageSchema]:
    """The page-of-`item_schema` schema (`TeamSchema` -> `TeamPageSchema`), made once per item schema."""
    if item_schema not in _PAGE_SCHEMAS:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        items = ma.fields.List(ma.fields.Nested(item_schema), required=True)
        _PAGE_SCHEMAS[item_schema] = type(name, (PageSchema,), {"items": items})
    return _PAGE_SCHEMAS[item_schema]


def paginate(query: sa.Select, args: dict[str, Any]) -> dict[str, Any]:
    """One page of an ORM select (its ORDER BY makes pages stable) plus the total, ready for page_schema()."""
    page = args.get("page", 1)
    per_page = min(args.get("per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "total": total or 0, "page": page, "per_page": per_page}
