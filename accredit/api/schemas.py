"""Schemas every API resource shares: references to other records, people, enums written by value.

A resource's own schemas live beside its routes (teams.py, frameworks.py); what several share lives here.
Output fields are marked `required=True` so the OpenAPI document promises they are always present.
"""
from __future__ import annotations

import enum

import marshmallow as ma


#: For text that reaches the database: PostgreSQL refuses NUL, and no field of ours needs control characters.
plain_text = ma.validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="Must not contain control characters.")


def enum_field(enum_cls: type[enum.Enum], **kwargs: object) -> ma.fields.Enum:
    """An enum written by its value (`inpatient_ward`), as every API body writes enums."""
    kwargs.setdefault("required", True)
    return ma.fields.Enum(enum_cls, by_value=True, **kwargs)


class RefSchema(ma.Schema):
    """A record of the organisation referred to from another: `{"id", "code", "name"}`."""

    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class PersonSchema(ma.Schema):
    """A person referred to from another record (an actor, an owner): `{"id", "name"}`."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
#: For free text (narratives, reasons): line breaks and tabs are fine; other control characters are not.
free_text = ma.validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", error="Must not contain control characters.")
