"""Which reads ask for a plan made with their own values (``Reader.rows(plan=…)``).

A keyword search's best plan depends on how many rows its words match; PostgreSQL's generic
plan of it read a large book's searches at 1.2–1.6× the time, while for a caller whose account
rule is nothing (an admin, an open org) or an inlined array (a small book) the generic plan is
as fast and planning anew costs more (docs/performance.md, *Keyword search: which plan*).
"""

from __future__ import annotations

import uuid

import pytest

from accountlens.resolvers.visibility import Viewer, reads_whole_book

ORG = uuid.uuid4()
USER = uuid.uuid4()


@pytest.mark.parametrize(
    ("viewer", "whole_book"),
    [
        (Viewer(user_id=USER, org_id=ORG, role="admin"), False),
        (Viewer(user_id=USER, org_id=ORG, role="member", account_visibility="open"), False),
        (Viewer(user_id=USER, org_id=ORG, role="member", book=(uuid.uuid4(),)), False),
        (Viewer(user_id=USER, org_id=ORG, role="member", book=()), False),
        # past the inline limit the check leaves the book out: the statement reads it
        (Viewer(user_id=USER, org_id=ORG, role="member", book=None), True),
    ],
)
def test_only_a_member_whose_book_the_statement_reads_gets_plans_of_its_own(
    viewer: Viewer, whole_book: bool
) -> None:
    assert reads_whole_book(viewer) is whole_book
