"""Limits that keep one query from costing more than a page of work, and error masking.

Depth, aliases and tokens are checked before execution (Strawberry's limiters); a cost rule
multiplies each list field's selection by its ``first`` (variables count as the maximum page) and
refuses queries over a ceiling. Page sizes are bounded again where the lists are read. Text
arguments no record can hold are refused up front (``accountlens.schema.text_input``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
)
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from accountlens.schema.errors import should_mask_error
from accountlens.schema.request_policy import RequestPolicy
from accountlens.schema.text_input import StorableTextRule, StorableTextVariables

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000
MAX_COST = 50_000
ASSUMED_PAGE = 100  # what a ``first`` given as a variable may be at most


def _multiplier(node: FieldNode) -> int:
    for argument in node.arguments or ():
        value = argument.value
        if argument.name.value == "first":
            if isinstance(value, IntValueNode):
                return max(1, min(int(value.value), 10**6))
            return ASSUMED_PAGE if isinstance(value, VariableNode) else 1
        if argument.name.value == "ids" and isinstance(value, ListValueNode):
            return max(1, len(value.values))
    return 1


class QueryCostRule(ValidationRule):
    """Rejects operations whose worst-case number of returned objects exceeds ``MAX_COST``."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        cost = self._cost(node.selection_set, set())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"query too costly: about {cost} objects, the limit is {MAX_COST}; "
                    "ask for smaller pages or fewer nested lists",
                    node,
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": MAX_COST},
                )
            )

    def _cost(self, selections: SelectionSetNode | None, path: set[str]) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                inner = self._cost(selection.selection_set, path)
                total += 1 + _multiplier(selection) * inner
            elif isinstance(selection, InlineFragmentNode):
                total += self._cost(selection.selection_set, path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is not None and name not in path:
                    total += self._cost(fragment.selection_set, path | {name})
            if total > MAX_COST:
                return total  # no need to keep counting past the ceiling
        return total


#: Parsed documents and validation results kept per process. The MCP adapter sends a handful
#: of distinct operation texts (values travel as variables), so parsing and validating each
#: again on every call was pure overhead; the bound keeps arbitrary ``/graphql`` texts in check.
DOCUMENT_CACHE_SIZE = 512


def _limit_rules() -> list[type[ASTValidationRule]]:
    """Depth, alias and cost rules, built once.

    Strawberry's limiters create a new rule class per instance; built per request, those
    classes would change the validation cache's key on every call and it would never hit.
    """
    depth = QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules
    aliases = MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules
    return [*depth, *aliases, QueryCostRule, StorableTextRule]


_RULES = _limit_rules()


def extensions() -> list[Callable[[], SchemaExtension]]:
    """The schema's extensions, outermost first; fresh instances for every operation."""
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_RULES),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        RequestPolicy,  # after validation: read-only tokens, the per-request query budget
        StorableTextVariables,
        lambda: MaskErrors(should_mask_error=should_mask_error),
    ]
