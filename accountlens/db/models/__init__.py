"""All tables. Importing this package registers every model on ``Base.metadata``."""

from accountlens.db.models.base import Base
from accountlens.db.models.core import Org, Team, TeamMember, User
from accountlens.db.models.crm import (
    Account,
    AccountTeamMember,
    Activity,
    ActivityParticipant,
    Opportunity,
    OpportunityStageChange,
    Person,
    Ticket,
)
from accountlens.db.models.custom import (
    PROPERTY_DATA_TYPES,
    CustomObjectInstance,
    CustomObjectType,
    Group,
    GroupMember,
    PropertyDefinition,
)
from accountlens.db.models.documents import (
    EMBEDDING_DIMENSIONS,
    Document,
    DocumentChunk,
    DocumentParticipant,
)
from accountlens.db.models.usage import AccountUsageDaily, FeatureUsageDaily, PersonUsageDaily
from accountlens.db.models.work import Project, ProjectMember, Task, TaskComment

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "PROPERTY_DATA_TYPES",
    "Account",
    "AccountTeamMember",
    "AccountUsageDaily",
    "Activity",
    "ActivityParticipant",
    "Base",
    "CustomObjectInstance",
    "CustomObjectType",
    "Document",
    "DocumentChunk",
    "DocumentParticipant",
    "FeatureUsageDaily",
    "Group",
    "GroupMember",
    "Opportunity",
    "OpportunityStageChange",
    "Org",
    "Person",
    "PersonUsageDaily",
    "Project",
    "ProjectMember",
    "PropertyDefinition",
    "Task",
    "TaskComment",
    "Team",
    "TeamMember",
    "Ticket",
    "User",
]
