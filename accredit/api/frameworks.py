"""Frameworks, their immutable versions, domains and standards: readable by anyone holding a role."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from accredit.api.access import require
from accredit.api.blueprint import ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import enum_field
from accredit.extensions import db
from accredit.frameworks.models import Framework, FrameworkVersion
from workflows.ratings import Domain

blp = ApiBlueprint("api_frameworks", __name__, tag="frameworks",
                   description="Frameworks, their versions, domains and standards")


class VersionSummarySchema(ma.Schema):
    version = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    aggregation = ma.fields.String(required=True, metadata={"description": "cqc_principles or saf_scoring"})
    standards_count = ma.fields.Function(lambda v: len(v.standards), required=True, metadata={"type": "integer"})
    imported_at = ma.fields.DateTime(required=True)


class FrameworkSchema(ma.Schema):
    key = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "self_assessment or accreditation"})
    versions = ma.fields.List(ma.fields.Nested(VersionSummarySchema), required=True,
                              metadata={"description": "Oldest first"})
    current = ma.fields.Function(lambda f: f.current.version if f.current else None, required=True,
                                 allow_none=True, metadata={"type": "string", "description": "Latest version"})


class StandardSchema(ma.Schema):
    code = ma.fields.String(required=True)
    domain = enum_field(Domain)
    title = ma.fields.String(required=True)
    prompt = ma.fields.String(required=True)
    steeep = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "STEEEP-L dimensions"})


class DomainSchema(ma.Schema):
    domain = enum_field(Domain)
    label = ma.fields.String(required=True)
    question = ma.fields.String(required=True, allow_none=True)
    standards = ma.fields.List(ma.fields.Nested(StandardSchema), required=True)


class FrameworkDetailSchema(ma.Schema):
    """One version of a framework, its standards grouped by the five domains."""

    key = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    version = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    aggregation = ma.fields.String(required=True)
    description = ma.fields.String(required=True, allow_none=True)
    imported_at = ma.fields.DateTime(required=True)
    is_current = ma.fields.Boolean(required=True)
    versions = ma.fields.List(ma.fields.Nested(VersionSummarySchema), required=True)
    domains = ma.fields.List(ma.fields.Nested(DomainSchema), required=True)

    @ma.pre_dump
    def _shape(self, version: FrameworkVersion, **kwargs: Any) -> dict[str, Any]:
        framework = version.framework
        by_domain = version.standards_by_domain()
        return {
            "key": framework.key, "kind": framework.kind, "version": version.version, "title": version.title,
            "aggregation": version.aggregation, "description": version.description,
            "imported_at": version.imported_at, "is_current": version is framework.current,
            "versions": framework.versions,
            "domains": [
                {"domain": domain, "label": domain.label, "question": version.domain_questions.get(domain.value),
                 "standards": standards}
                for domain, standards in by_domain.items()
            ],
        }


class VersionArgsSchema(ma.Schema):
    version = ma.fields.String(
        validate=[ma.validate.Length(min=1, max=32), ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")],
        metadata={"description": "A version other than the current one, e.g. 2017.1"},
    )


@blp.route("/frameworks")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(FrameworkSchema))
@blp.errors(403)
def list_frameworks(paging: dict[str, Any]) -> dict[str, Any]:
    """Every framework with its versions, self-assessment frameworks first."""
    require("frameworks.view")
    query = (
        sa.select(Framework)
        .options(selectinload(Framework.versions).selectinload(FrameworkVersion.standards))
        .order_by(Framework.kind.desc(), Framework.title, Framework.id)
    )
    return paginate(query, paging)


@blp.route("/frameworks/<slug:key>")
@blp.arguments(VersionArgsSchema, location="query")
@blp.response(200, FrameworkDetailSchema)
@blp.errors(403, 404)
def get_framework(args: dict[str, Any], key: str) -> FrameworkVersion:
    """A framework's current version (or `?version=`) with its domains and standards."""
    require("frameworks.view")
    framework = db.session.scalar(sa.select(Framework).where(Framework.key == key))
    if framework is None:
        raise ApiError(404, f"There is no framework {key!r}")
    wanted = args.get("version")
    version = next((v for v in framework.versions if v.version == wanted), None) if wanted else framework.current
    if version is None:
        raise ApiError(404, f"{key} has no version {wanted!r}" if wanted else f"{key} has no version yet")
    return version
