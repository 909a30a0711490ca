"""Tool descriptions, written for the model that chooses and calls the tools.

Each says what the tool is for, when to prefer another one, how its trickier arguments work, and
gives one example call. ``docs/tools.md`` is the human-facing version of the same contract.
"""

from __future__ import annotations

_FILTERS = (
    "Filters are a list of {field, op, value}; all must hold. Ops: eq ne lt lte gt gte in "
    "not_in contains starts_with is_null between. A field may be a standard field "
    "(close_date), a custom field by key (tier), a field of the parent account "
    "(account.name, account.segment) or group membership (group). Date values take ISO dates "
    "or relative expressions: -30d, today, this_quarter, last_month, next_year. Call "
    "search_properties to see a type's fields and allowed values."
)

_PAGING = (
    "Answers carry the exact total and next_cursor; pass next_cursor back as cursor for the "
    "next page. Pages are 25 records by default (limit up to 100)."
)

DESCRIPTIONS: dict[str, str] = {
    "whoami": (
        "Who this connection acts as: the user (name, email, role), the organization and the "
        "connection itself (client, created, last used, expires). Use it when the user asks "
        "whose data you see or why something is missing: members see only their accounts in "
        "restricted orgs.\nExample: whoami {}"
    ),
    "list_objects": (
        "List records of one type — account, person (customer contacts), opportunity, task, "
        "activity (emails, calls, meetings, notes), project or ticket — with filters, sorting "
        'and field selection. Use it for any question that is a condition on fields ("open '
        'deals over $50k closing this quarter", "champions at Globex", "tickets of At Risk '
        'accounts"); use search_objects when you only have a name or a word. '
        f"{_FILTERS} Sort is a list of {{field, direction: asc|desc}}. fields replaces the "
        "compact default set with exactly the fields named (id, type, name, url and "
        "updated_at are always there; [] for only those). "
        f'{_PAGING}\nExample: list_objects {{"object_type": "opportunity", "filters": '
        '[{"field": "stage_category", "op": "eq", "value": "open"}, {"field": '
        '"amount", "op": "gt", "value": 50000}, {"field": "close_date", "op": '
        '"eq", "value": "this_quarter"}], "sort": [{"field": "amount", '
        '"direction": "desc"}]}'
    ),
    "search_objects": (
        "Keyword search across the names and key fields (emails, domains, titles, subjects) of "
        "every record type at once; tolerant of typos. Use it to find a record's ID from a name "
        "the user mentioned, then follow up with get_objects, account_timeline or list_objects. "
        "types narrows it to some of: account, person, opportunity, task, activity, project, "
        "ticket, document, custom_object, group. Results are ranked (score), each with what "
        'matched.\nExample: search_objects {"query": "Acme Corp", "types": ["account"]}'
    ),
    "get_objects": (
        "Full details for up to 50 records by ID (acc_…, per_…, opp_…, tsk_…, tkt_… — types may "
        "be mixed), in the order given. IDs that do not exist or that you may not see come back "
        "in not_found. include adds related records, up to 5 each (account: people, "
        "opportunities, tickets, activities, tasks, projects, timeline; task: comments). fields "
        'limits the answer to some fields.\nExample: get_objects {"ids": ["acc_…"], '
        '"include": ["people", "opportunities"]}'
    ),
    "search_properties": (
        "The fields of an object type — standard and custom — with data type, description, "
        "allowed values and the name to use in filters and sorts (filter_field). Use it before "
        "filtering on a field you are not sure of, or to learn a custom field's values. "
        "object_type is account, person, opportunity, task, activity, project, ticket or "
        'custom:<key>; query narrows by words.\nExample: search_properties {"object_type": '
        '"person", "query": "persona"}'
    ),
    "list_custom_object_types": (
        "The organization's custom object types (e.g. contracts, integrations) with their "
        "fields and how many records you can see. Use the key with "
        "get_custom_object_instances.\nExample: list_custom_object_types {}"
    ),
    "get_custom_object_instances": (
        "Records of one custom object type (by key from list_custom_object_types), with the "
        f"same filters, sorting and paging as list_objects. {_FILTERS} fields limits which "
        'values are shown.\nExample: get_custom_object_instances {"type": "contract", '
        '"filters": [{"field": "account.name", "op": "eq", "value": "Globex"}]}'
    ),
    "get_group_membership": (
        'The groups an account or a person belongs to: segments (e.g. "At Risk", '
        '"Strategic") and lists (e.g. "Champions"). To go the other way — all records in '
        "a group — use list_objects with a filter on group or account.segment.\nExample: "
        'get_group_membership {"id": "acc_…"}'
    ),
    "get_task_comments": (
        "The comment thread on one task, oldest first, with author and time. Find tasks with "
        'list_objects (object_type task).\nExample: get_task_comments {"task_id": "tsk_…"}'
    ),
    "get_product_usage": (
        "Product usage of an account or a person over a window (default: the last 30 days): "
        "events, minutes and active users, per day/week/month bucket and per feature, with the "
        "change against the previous window of the same length, plus licensed vs active seats. "
        "Use it for adoption, engagement and churn-risk questions.\nExample: get_product_usage "
        '{"id": "acc_…", "since": "-90d", "interval": "month"}'
    ),
    "semantic_search": (
        "Search meeting transcripts and knowledge-base articles by meaning (full-text and "
        'vector, combined). Use it for what customers said or felt ("concerns about pricing", '
        '"who mentioned a competitor") or how-to answers; use list_objects or '
        "account_timeline for structured records. Each passage has the document, date, "
        "speaker, timestamp and a deep link to that spot. account_id, kinds and since/until "
        'narrow it.\nExample: semantic_search {"query": "worried about renewal price", '
        '"since": "-90d"}'
    ),
    "account_timeline": (
        "Everything that happened on one account in a window, newest first: activities "
        "(emails, calls, meetings, notes), tickets opened, tasks, opportunity stage changes and "
        "meeting transcripts. The window defaults to the last 30 days (since: -30d); use it to "
        "summarize recent history. account is the account's ID or its exact name (one call, "
        f'no search needed). {_PAGING}\nExample: account_timeline {{"account": "Acme Corp", '
        '"since": "-30d"}'
    ),
}

INSTRUCTIONS = (
    "AccountLens is a read-only view of one organization's customer data, seen as the signed-in "
    "user may see it. Accounts are customer companies (owner, team, ARR, health, renewal, "
    "segments); people are contacts at accounts (title, persona such as champion or economic "
    "buyer); opportunities are deals on accounts (type, stage, stage_category open/won/lost, "
    "amount, close date); activities (emails, calls, meetings, notes), tickets (support), tasks "
    "(with comment threads) and projects hang off accounts. Groups are segments and lists of "
    "accounts or people. Organizations may define custom fields and custom object types. "
    "Product usage is kept per account, person and feature; meeting transcripts and "
    "knowledge-base articles are searchable by meaning. IDs are typed (acc_, per_, opp_, tsk_, "
    "act_, prj_, tkt_, grp_, doc_) and every record has a url for the user to open. To answer: "
    "find IDs with search_objects, list by conditions with list_objects (filters accept "
    "relative dates like -30d or this_quarter, account.segment and account.name), read details "
    "with get_objects, recent history with account_timeline, conversations with "
    "semantic_search. Answers are paged (total, next_cursor) and kept small; records you cannot "
    "see behave as if they did not exist."
)
