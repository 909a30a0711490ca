"""Who sees what (SPEC §4): one function per object type, each a SQL predicate.

Every read of customer data puts the predicate of its type into its ``WHERE`` clause, so totals,
pages and rankings are computed over visible rows only, and an invisible row is
indistinguishable from a missing one. The org predicate comes from here and nowhere else.

Each function's predicate refers to the type's own table (e.g. ``visible_people`` to
``people``). The account-level rule is one uncorrelated ``IN (book)`` subquery, a union of three
index scans, that PostgreSQL evaluates once per statement; when the request already knows the
org's visibility mode (a :class:`Viewer`), the open-org case carries no subquery at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    CTE,
    ColumnElement,
    CompoundSelect,
    ScalarSelect,
    Select,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import BindParameter

from accountlens.auth.principal import Principal
from accountlens.db.models import (
    Account,
    AccountTeamMember,
    AccountUsageDaily,
    Activity,
    ActivityParticipant,
    ChunkEmbedding,
    Contract,
    CustomObjectInstance,
    CustomObjectType,
    DataSource,
    Document,
    DocumentChunk,
    DocumentParticipant,
    FeatureUsageDaily,
    FieldSecurity,
    Group,
    GroupMember,
    Opportunity,
    OpportunityStageChange,
    Org,
    Person,
    PersonUsageDaily,
    Project,
    ProjectMember,
    PropertyDefinition,
    Task,
    TaskComment,
    Team,
    TeamMember,
    Ticket,
    User,
)

Predicate = ColumnElement[bool]


def _narrowed(principal: Principal, type_key: str, predicate: Predicate) -> Predicate:
    """``predicate``, or nothing at all when the caller's connection leaves ``type_key`` out.

    A narrowed connection (the consent page's choices, :class:`~accountlens.auth.principal.
    Narrowing`) reads an excluded type nowhere: not as a list, not nested in another record,
    not in a timeline or a search. Where a caller names the type, the resolvers say so first
    (``accountlens.resolvers.narrowing``); this is the guarantee underneath.
    """
    return predicate if principal.narrowing.allows(type_key) else false()


def _kinds(principal: Principal, kind: QueryableAttribute[Any], predicate: Predicate) -> Predicate:
    """``predicate`` limited to the document kinds the caller's connection may read."""
    narrowing = principal.narrowing
    if narrowing.transcripts and narrowing.knowledge_base:
        return predicate
    return and_(predicate, kind.in_(narrowing.document_kinds))


def row_security_org(principal: Principal) -> uuid.UUID:
    """The org row-level security scopes each of the caller's reads to: their own, always."""
    return principal.org_id


def visible_orgs(principal: Principal) -> Predicate:
    """The caller's own org, and no other."""
    return Org.id == principal.org_id


def visible_data_sources(principal: Principal) -> Predicate:
    """When the org's sources were last imported: every user of the org may know."""
    return DataSource.org_id == principal.org_id


def visible_users(principal: Principal) -> Predicate:
    """Colleagues: every user of the caller's org."""
    return User.org_id == principal.org_id


def visible_teams(principal: Principal) -> Predicate:
    return Team.org_id == principal.org_id


def visible_team_members(principal: Principal) -> Predicate:
    return TeamMember.org_id == principal.org_id


@dataclass(frozen=True, slots=True)
class Viewer(Principal):
    """A principal whose org's account visibility mode was read in this request.

    Knowing the mode lets each predicate take its cheapest exact form: nothing beyond the org
    for an ``open`` org, a plain ``IN (book)`` semi-join for a ``restricted`` one. A bare
    :class:`Principal` gets the general form, which decides the mode inside the SQL.
    """

    account_visibility: str = "restricted"
    #: The member's whole book when it is small (see :func:`book_sample`), else ``None``.
    book: tuple[uuid.UUID, ...] | None = None
    #: The statement tests a few rows only (see :func:`per_row`).
    per_row: bool = False
    #: Every account-attached row of the statement is of the one account this parameter names
    #: (see :func:`of_one_account_parameter`).
    one_account: str | None = None


#: Books up to this size are inlined as an array parameter, whose length the planner sees: a
#: narrow book then reads its accounts' rows by index instead of walking the org's newest rows.
BOOK_INLINE_MAX = 500


#: The SQL parameters a :func:`parametrized` viewer's values are bound to (see there).
VIEWER_ORG = "viewer_org"
VIEWER_USER = "viewer_user"
VIEWER_BOOK = "viewer_book"
_NOBODY = uuid.UUID(int=0)


def shape_of(principal: Principal) -> Principal:
    """What the predicates above depend on, without the caller's values: a cache key.

    The org, user and book ids are values (:func:`parametrized` turns them into parameters);
    email, names, connection and the org row's facts are never read by a predicate. Everything
    else (role, narrowing, the org's mode, whether the book is inlined, and any field added
    later) is the shape: two callers with equal shapes get the same statement text.
    """
    changes: dict[str, Any] = {
        "org_id": _NOBODY, "user_id": _NOBODY, "email": "", "name": "", "connection_id": None,
        "client_id": None, "org_name": "", "org_facts": None,
    }  # fmt: skip
    if isinstance(principal, Viewer) and principal.book is not None:
        changes["book"] = ()
    return dataclasses.replace(principal, **changes)


def parametrized(shape: Principal) -> Principal:
    """``shape`` (see :func:`shape_of`) whose org and user ids are SQL parameters.

    A statement built with the predicates above for this principal is the same for every
    caller of that shape, so it can be built and compiled once; each run binds the caller's
    own values with :func:`viewer_parameters`. The predicates stay the only statement of the
    rules: they only ever compare these ids in SQL, so a parameter serves where a value did.
    """
    # Typed as ids for the predicates; at run time SQL parameters, which they only compare.
    org = cast(uuid.UUID, bindparam(VIEWER_ORG, type_=Uuid()))
    user = cast(uuid.UUID, bindparam(VIEWER_USER, type_=Uuid()))
    return dataclasses.replace(shape, org_id=org, user_id=user)


def viewer_parameters(principal: Principal) -> dict[str, Any]:
    """The caller's values for a statement built for ``parametrized(shape_of(principal))``."""
    values: dict[str, Any] = {VIEWER_ORG: principal.org_id, VIEWER_USER: principal.user_id}
    if isinstance(principal, Viewer) and principal.book is not None:
        values[VIEWER_BOOK] = list(principal.book)
    return values


def per_row(principal: Principal) -> Principal:
    """``principal`` for a statement that tests a few rows by id (loads by id, references).

    For a member whose book is not inlined, each row's account is then asked as ``(… IN
    (book)) IS TRUE`` (see :func:`_in_book`): a hashed subplan built once per statement, where
    inside a reference's lateral a plain ``IN`` became a semi-join read again for every row.
    The answer is the same.
    """
    return _whole_book_viewer(principal, per_row=True)


def of_one_account_parameter(principal: Principal, parameter: str) -> Principal:
    """``principal`` for a statement whose rows on an account are all of one account, the
    statement's parameter ``parameter`` (an account's timeline: its row and its events).

    For a member whose book is not inlined, "the row's account is in the book" is then asked
    as "``parameter`` is the row's account, and it is in the book": the book's three scans
    probed once for that id, as :func:`of_one_account` does, instead of the whole book read.
    A row of another account would fail the test (it fails closed), never pass it.
    """
    return _whole_book_viewer(principal, one_account=parameter)


def _whole_book_viewer(principal: Principal, **form: Any) -> Principal:
    """``principal`` with ``form`` when it is a viewer whose book is not inlined (the only
    one whose predicates read the book), else unchanged."""
    if isinstance(principal, Viewer) and principal.book is None:
        return dataclasses.replace(principal, **form)
    return principal


def _mode(principal: Principal) -> str | None:
    """``open``/``restricted`` when known for this request, ``None`` otherwise."""
    return principal.account_visibility if isinstance(principal, Viewer) else None


def reads_whole_book(principal: Principal) -> bool:
    """Whether the caller's account rule reads their book in the statement (a member of a
    restricted org whose book is past :data:`BOOK_INLINE_MAX`, or whose org's mode is not
    known here), rather than being nothing (admins, open orgs) or an inlined array."""
    if principal.is_admin or _mode(principal) == "open":
        return False
    return not (isinstance(principal, Viewer) and principal.book is not None)


def _book(principal: Principal, each_at_most: int | None = None) -> CompoundSelect[uuid.UUID]:
    """A member's book: accounts they own, are on the account team of, or their teams cover.

    Three index scans (``accounts(org_id, owner_id)``, ``account_team_members(org_id,
    user_id)``, ``accounts(org_id, team_id)``) instead of testing every account of the org.
    Each scan alone yields distinct accounts (an account has one owner and one team; the
    account team's key is (org, account, user)), which :func:`book_sample` relies on when it
    reads ``each_at_most`` rows of each.
    """
    org, user = principal.org_id, principal.user_id
    my_teams = select(TeamMember.team_id).where(
        TeamMember.org_id == org, TeamMember.user_id == user
    )
    arms = [
        select(Account.id).where(Account.org_id == org, Account.owner_id == user),
        select(AccountTeamMember.account_id).where(
            AccountTeamMember.org_id == org, AccountTeamMember.user_id == user
        ),
        select(Account.id).where(Account.org_id == org, Account.team_id.in_(my_teams)),
    ]
    if each_at_most is not None:
        arms = [arm.limit(each_at_most) for arm in arms]
    return union_all(*arms)


def _sees_account(
    principal: Principal,
    account_column: QueryableAttribute[Any] | ColumnElement[Any],
    *,
    one: bool = False,
) -> Predicate:
    """``account_column`` names an account of the caller's org that the caller sees.

    The caller's org is asserted by each type's own ``org_id`` test; this adds the account rule
    (false for a NULL account, so account-less rows fall to their type's own rule).
    """
    mode = _mode(principal)
    if principal.is_admin or mode == "open":
        return account_column.is_not(None)
    if mode == "restricted":
        viewer = cast(Viewer, principal)  # only a Viewer knows its org's mode
        if viewer.book is not None:
            # Named, so that a statement built for a parametrized viewer takes it per call.
            book_ids = bindparam(VIEWER_BOOK, list(viewer.book), type_=ARRAY(Uuid()))
            return account_column == any_(book_ids)
        if viewer.one_account is not None and not one:
            account = bindparam(viewer.one_account, type_=Uuid())
            return and_(account_column == account, _in_book(principal, account, True))
        return _in_book(principal, account_column, one, per_row=viewer.per_row, once=True)
    org_is_open = exists().where(Org.id == principal.org_id, Org.account_visibility == "open")
    in_book = _in_book(principal, account_column, one)
    return or_(and_(org_is_open, account_column.is_not(None)), in_book)


def _in_book(
    principal: Principal,
    account: QueryableAttribute[Any] | ColumnElement[Any],
    one: bool,
    *,
    per_row: bool = False,
    once: bool = False,
) -> Predicate:
    """``account`` is in the member's book. ``one``: it is a single value (a parameter), not a
    column: then asked as ``EXISTS`` with the id pushed into each of the book's three scans
    (three index probes), not as ``IN``, which reads the whole book into a hash first.

    ``per_row`` (a few rows by id, see :func:`per_row`): ``(… IN (book)) IS TRUE``, the same
    answer in a form PostgreSQL cannot turn into a semi-join, so it stays a hashed subplan:
    the book is read once per statement and each row probes the hash. As a semi-join inside a
    reference's lateral it was read again for every row (a person's: 1,422 buffers for the
    requesters of 25 tickets, against 111 for the book once).

    ``once``: the book is the statement's ``WITH`` entry (:func:`_book_once`), not written out
    where it is asked.
    """
    if one:
        book = _book(principal).subquery("book")
        return exists().where(book.c.id == account)
    ids: Select[Any] | CompoundSelect[Any] = (
        select(_book_once(principal.org_id, principal.user_id).c.id) if once else _book(principal)
    )
    in_book = account.in_(ids)
    return in_book.is_(true()) if per_row else in_book


#: Book CTEs kept, oldest dropped first: one per viewer shape's parameters, one per caller
#: whose ids are written as values.
BOOK_CTES_KEPT = 256
_book_ctes: OrderedDict[tuple[Any, Any], CTE] = OrderedDict()


def _book_once(org: Any, user: Any) -> CTE:
    """The member's book as a ``MATERIALIZED`` common table expression: read once per statement.

    A statement that asks "in the book?" of several tables (a search's twelve branches, a page
    and the records it points at) reads the book once, not once per question; the question is
    then one hashed probe per row, and the statement is shorter to plan (a member's search
    planned in 18.6 ms with the book written out in each branch). Every question of one
    statement must name the same ``WITH`` entry (SQLAlchemy refuses two of one name), and the
    parts of a statement are built from several viewer objects (a list's page and its filter
    on the account's fields), so the entry is kept per viewer ids: per parameter names for a
    :func:`parametrized` viewer (``viewer_book``), per id values otherwise (named after them).
    """
    key = (_id_key(org), _id_key(user))
    found = _book_ctes.get(key)
    if found is not None:
        _book_ctes.move_to_end(key)
        return found
    name = "viewer_book"
    if not isinstance(org, BindParameter):
        name = "book_" + hashlib.blake2s(repr(key).encode(), digest_size=6).hexdigest()
    ids = _book(Principal(user_id=user, org_id=org, role="member")).subquery()
    found = _book_ctes[key] = select(ids.c.id).cte(name).prefix_with("MATERIALIZED")
    if len(_book_ctes) > BOOK_CTES_KEPT:
        _book_ctes.popitem(last=False)
    return found


def _id_key(value: Any) -> Any:
    """An id of a viewer as a key: a parameter by its name, a value as itself."""
    return ("parameter", value.key) if isinstance(value, BindParameter) else value


def book_sample(principal: Principal) -> ScalarSelect[Any]:
    """Up to ``BOOK_INLINE_MAX + 1`` ids of the member's book, as one array (NULL if empty).

    Exact below the limit, and read in bounded time above it: each of the book's three scans
    stops after ``BOOK_INLINE_MAX + 1`` rows. Their rows are distinct within each scan, so
    when all three stop short the union holds the whole book, and when one does not, that
    one alone is past the limit. A 5,336-account book cost the bearer check 1,061 buffers
    (1.7 ms) read whole; it is only ever asked whether it is past 500.
    """
    ids = _book(principal, each_at_most=BOOK_INLINE_MAX + 1).subquery()
    sample = select(ids.c.id).distinct().limit(BOOK_INLINE_MAX + 1).subquery()
    return select(func.array_agg(sample.c.id)).scalar_subquery()


def visible_accounts(principal: Principal) -> Predicate:
    return _narrowed(principal, "account", _visible_accounts(principal))


def _visible_accounts(principal: Principal) -> Predicate:
    """All of the org's accounts for admins and in ``open`` orgs; otherwise the member's book.

    A member's book is the accounts they own, whose account team they are on, or that belong
    to a team they are a member of.
    """
    in_org = Account.org_id == principal.org_id
    if principal.is_admin or _mode(principal) == "open":
        return in_org
    return and_(in_org, _sees_account(principal, Account.id))


def visible_account_ids(principal: Principal) -> Select[uuid.UUID]:
    """``SELECT id FROM accounts WHERE visible``: the building block of attached records."""
    return select(Account.id).where(visible_accounts(principal))


def _attached(
    principal: Principal,
    org_column: QueryableAttribute[Any],
    account_column: QueryableAttribute[Any],
) -> Predicate:
    """Records hanging off an account are visible exactly when the account is."""
    in_org = org_column == principal.org_id
    if principal.is_admin or _mode(principal) == "open":
        return in_org
    return and_(in_org, _sees_account(principal, account_column))


def _of_account(principal: Principal, type_key: str, model: type[Any]) -> Predicate:
    """Rows of ``model`` (``org_id``, ``account_id``) are visible exactly when their account is,
    to a connection whose narrowing lets it read ``type_key``."""
    return _narrowed(principal, type_key, _attached(principal, model.org_id, model.account_id))


def visible_people(principal: Principal) -> Predicate:
    return _of_account(principal, "person", Person)


def visible_opportunities(principal: Principal) -> Predicate:
    return _of_account(principal, "opportunity", Opportunity)


def visible_stage_changes(principal: Principal) -> Predicate:
    return _of_account(principal, "opportunity", OpportunityStageChange)


def visible_activities(principal: Principal) -> Predicate:
    return _of_account(principal, "activity", Activity)


def visible_activity_participants(principal: Principal) -> Predicate:
    """A participant row is visible with its activity (the person is on the same account)."""
    activity_ids = select(Activity.id).where(visible_activities(principal))
    return and_(
        ActivityParticipant.org_id == principal.org_id,
        ActivityParticipant.activity_id.in_(activity_ids.scalar_subquery()),
    )


def visible_tickets(principal: Principal) -> Predicate:
    return _of_account(principal, "ticket", Ticket)


def visible_contracts(principal: Principal) -> Predicate:
    """A contract is visible exactly when its account is."""
    return _of_account(principal, "contract", Contract)


def visible_account_usage(principal: Principal) -> Predicate:
    return _of_account(principal, "account", AccountUsageDaily)


def visible_feature_usage(principal: Principal) -> Predicate:
    return _of_account(principal, "account", FeatureUsageDaily)


def of_one_account(
    principal: Principal, model: type[Any], account: ColumnElement[Any]
) -> Predicate:
    """Rows of ``model`` (``org_id``, ``account_id``, an account's usage) of the one account
    ``account`` (a parameter), visible exactly when that account is: the rule of
    :func:`visible_account_usage` and :func:`visible_feature_usage`, with ``account_id =
    account``. On such rows "their account is in the book" is "``account`` is in the book",
    which names no column of the row: PostgreSQL tests it once per statement (a one-time
    filter) instead of once per row (a semi-join per daily row: 190 of them for a quarter of
    an account's features, about half of a team-book member's product usage in the backend).
    """
    in_org = model.org_id == principal.org_id
    if principal.is_admin or _mode(principal) == "open":
        seen: Predicate = in_org
    else:
        seen = and_(in_org, _sees_account(principal, account, one=True))
    return and_(model.account_id == account, _narrowed(principal, "account", seen))


def visible_person_usage(principal: Principal) -> Predicate:
    return _of_account(principal, "account", PersonUsageDaily)


def visible_tasks(principal: Principal) -> Predicate:
    return _narrowed(principal, "task", _visible_tasks(principal))


def _visible_tasks(principal: Principal) -> Predicate:
    """Account tasks with their account; account-less tasks for their assignee and creator."""
    in_org = Task.org_id == principal.org_id
    if principal.is_admin:
        return in_org
    mine = and_(
        Task.account_id.is_(None),
        or_(Task.assignee_id == principal.user_id, Task.creator_id == principal.user_id),
    )
    return and_(
        in_org,
        or_(_sees_account(principal, Task.account_id), mine),
    )


def visible_task_comments(principal: Principal) -> Predicate:
    return _narrowed(principal, "task_comment", _visible_task_comments(principal))


def _visible_task_comments(principal: Principal) -> Predicate:
    """Comments are visible with their task."""
    in_org = TaskComment.org_id == principal.org_id
    if principal.is_admin:
        return in_org
    task_ids = select(Task.id).where(visible_tasks(principal))
    return and_(in_org, TaskComment.task_id.in_(task_ids.scalar_subquery()))


def visible_projects(principal: Principal) -> Predicate:
    return _narrowed(principal, "project", _visible_projects(principal))


def _visible_projects(principal: Principal) -> Predicate:
    """Account projects with their account; account-less ones for their owner and members."""
    in_org = Project.org_id == principal.org_id
    if principal.is_admin:
        return in_org
    is_member = exists().where(
        ProjectMember.org_id == principal.org_id,
        ProjectMember.project_id == Project.id,
        ProjectMember.user_id == principal.user_id,
    )
    mine = and_(Project.account_id.is_(None), or_(Project.owner_id == principal.user_id, is_member))
    return and_(
        in_org,
        or_(_sees_account(principal, Project.account_id), mine),
    )


def visible_project_members(principal: Principal) -> Predicate:
    project_ids = select(Project.id).where(visible_projects(principal))
    return and_(
        ProjectMember.org_id == principal.org_id,
        ProjectMember.project_id.in_(project_ids.scalar_subquery()),
    )


def visible_custom_object_types(principal: Principal) -> Predicate:
    return CustomObjectType.org_id == principal.org_id


def visible_custom_objects(principal: Principal) -> Predicate:
    return _narrowed(principal, "custom_object", _visible_custom_objects(principal))


def _visible_custom_objects(principal: Principal) -> Predicate:
    """Account-linked instances with their account; account-less instances always."""
    in_org = CustomObjectInstance.org_id == principal.org_id
    if principal.is_admin:
        return in_org
    return and_(
        in_org,
        or_(
            CustomObjectInstance.account_id.is_(None),
            _sees_account(principal, CustomObjectInstance.account_id),
        ),
    )


def visible_field_security(principal: Principal) -> Predicate:
    """Which fields the org hides from members: known to every user of the org (members need
    it to leave those fields out; an admin's page lists it)."""
    return FieldSecurity.org_id == principal.org_id


def visible_property_definitions(principal: Principal) -> Predicate:
    return PropertyDefinition.org_id == principal.org_id


def visible_groups(principal: Principal) -> Predicate:
    """Group definitions (names, kinds) are org-wide; their members are filtered separately."""
    return Group.org_id == principal.org_id


def visible_group_members(principal: Principal) -> Predicate:
    """A membership is visible where its member (account or person) is."""
    in_org = GroupMember.org_id == principal.org_id
    if principal.is_admin:
        return in_org
    people = select(Person.id).where(visible_people(principal))
    return and_(
        in_org,
        or_(
            _sees_account(principal, GroupMember.account_id),
            GroupMember.person_id.in_(people.scalar_subquery()),
        ),
    )


def _participated(principal: Principal, document_id: QueryableAttribute[Any]) -> Predicate:
    return exists().where(
        DocumentParticipant.org_id == principal.org_id,
        DocumentParticipant.document_id == document_id,
        DocumentParticipant.user_id == principal.user_id,
    )


def _document_rule(
    principal: Principal,
    org: QueryableAttribute[Any],
    kind: QueryableAttribute[Any],
    account: QueryableAttribute[Any],
    document_id: QueryableAttribute[Any],
) -> Predicate:
    """KB articles always; transcripts with their account, or by taking part when account-less.

    One rule for documents and their chunks (which carry the document's kind and account,
    denormalised), limited to the kinds the caller's connection may read.
    """
    in_org = org == principal.org_id
    rule = in_org
    if not principal.is_admin:
        rule = and_(
            in_org,
            or_(
                kind == "kb_article",
                _sees_account(principal, account),
                and_(account.is_(None), _participated(principal, document_id)),
            ),
        )
    return _kinds(principal, kind, rule)


def visible_documents(principal: Principal) -> Predicate:
    return _document_rule(
        principal, Document.org_id, Document.kind, Document.account_id, Document.id
    )


def visible_chunks(principal: Principal) -> Predicate:
    return _document_rule(
        principal,
        DocumentChunk.org_id,
        DocumentChunk.kind,
        DocumentChunk.account_id,
        DocumentChunk.document_id,
    )


def visible_chunk_embeddings(principal: Principal) -> Predicate:
    """The vectors of the caller's org. A vector is reached only through its chunks, and a
    search joins it to ``visible_chunks``: what the caller may read is decided there."""
    return ChunkEmbedding.org_id == principal.org_id
