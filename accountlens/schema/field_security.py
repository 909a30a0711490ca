"""Field-level security in the API: the admins' ``fieldSecurity`` query and ``setFieldHidden``.

Hiding a field is an admin's change to what members see, so like ``revokeConnection`` it is a
mutation: the request policy refuses every mutation to a token (``READ_ONLY_TOKEN``), and this
resolver refuses anyone but an admin signed in with a browser. The write and the rules live
in :mod:`accountlens.resolvers.field_security`; members never learn what is hidden.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry

from accountlens.resolvers import field_security as fls
from accountlens.schema.errors import ForbiddenError
from accountlens.schema.ids import encode_id
from accountlens.schema.types.base import AppInfo, field


@strawberry.type(description="A field an admin may hide from the org's members (SPEC §4).")
class FieldSecurityRule:
    object_type: str = strawberry.field(description="`account`, `person`, `opportunity` …")
    field: str = strawberry.field(description="The field's key, as filters name it.")
    label: str
    is_custom: bool
    hidden: bool = strawberry.field(
        description="Members never see it: not in records, filters, sorts, search or discovery."
    )
    hidden_at: datetime | None
    hidden_by_id: strawberry.ID | None = strawberry.field(
        description="The admin who hid it (`usr_…`); null when an operator did."
    )

    @classmethod
    def of(cls, rule: fls.FieldRule) -> FieldSecurityRule:
        by = strawberry.ID(encode_id("user", rule.hidden_by)) if rule.hidden_by else None
        return cls(
            object_type=rule.object_type,
            field=rule.field,
            label=rule.label,
            is_custom=rule.is_custom,
            hidden=rule.hidden,
            hidden_at=rule.hidden_at,
            hidden_by_id=by,
        )


@strawberry.type
class FieldSecurityQuery:
    @field(
        "Admins: every field of the built-in types that may be hidden from members, and "
        "whether it is (optionally of one `objectType`). Members get FORBIDDEN."
    )
    async def field_security(
        self, info: AppInfo, object_type: str | None = None
    ) -> list[FieldSecurityRule]:
        rules = await fls.field_rules(info.context.reader, object_type)
        return [FieldSecurityRule.of(r) for r in rules]


@strawberry.type
class FieldSecurityMutation:
    @field(
        "Admins, from a signed-in browser: hide a standard or custom field of a type from "
        "the org's members (`hidden: true`) or show it again; returns the field's new state."
    )
    async def set_field_hidden(
        self, info: AppInfo, object_type: str, field: str, hidden: bool
    ) -> FieldSecurityRule:
        principal = info.context.principal
        if principal.via_token:
            raise ForbiddenError("setFieldHidden needs a signed-in browser session, not a token")
        if not principal.is_admin:
            raise ForbiddenError("only admins may hide fields from members")
        reader = info.context.reader
        key = await fls.securable_field(reader, object_type, field)
        type_key = object_type.strip().lower()
        async with info.context.primary_sessions() as session:
            state = await fls.set_field_hidden(session, principal, type_key, key, hidden)
        rule = next(r for r in await fls.field_rules(reader, type_key) if r.field == key)
        # The state just written, not re-read: the reader may be a replica that lags behind.
        at, by = state if state else (None, None)
        return FieldSecurityRule.of(
            dataclasses.replace(rule, hidden=state is not None, hidden_at=at, hidden_by=by)
        )
