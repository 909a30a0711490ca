"""All tables. Importing this package registers every model on ``Base.metadata``."""

from accountlens.db.models.audit import AdminAction, ToolCall
from accountlens.db.models.auth import (
    GLOBAL_ORG_ID,
    AccountLink,
    AuthorizationCode,
    Connection,
    OAuthClient,
    RateLimitBucket,
    WebSession,
)
from accountlens.db.models.base import Base
from accountlens.db.models.contracts import Contract
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
    ChunkEmbedding,
    Document,
    DocumentChunk,
    DocumentParticipant,
    passage_hash,
)
from accountlens.db.models.field_security import FieldSecurity
from accountlens.db.models.sources import DataSource
from accountlens.db.models.sso import SsoAttempt, SsoConfig
from accountlens.db.models.usage import AccountUsageDaily, FeatureUsageDaily, PersonUsageDaily
from accountlens.db.models.work import Project, ProjectMember, Task, TaskComment

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "GLOBAL_ORG_ID",
    "PROPERTY_DATA_TYPES",
    "Account",
    "AccountLink",
    "AccountTeamMember",
    "AccountUsageDaily",
    "Activity",
    "ActivityParticipant",
    "AdminAction",
    "AuthorizationCode",
    "Base",
    "ChunkEmbedding",
    "Connection",
    "Contract",
    "CustomObjectInstance",
    "CustomObjectType",
    "DataSource",
    "Document",
    "DocumentChunk",
    "DocumentParticipant",
    "FeatureUsageDaily",
    "FieldSecurity",
    "Group",
    "GroupMember",
    "OAuthClient",
    "Opportunity",
    "OpportunityStageChange",
    "Org",
    "Person",
    "PersonUsageDaily",
    "Project",
    "ProjectMember",
    "PropertyDefinition",
    "RateLimitBucket",
    "SsoAttempt",
    "SsoConfig",
    "Task",
    "TaskComment",
    "Team",
    "TeamMember",
    "Ticket",
    "ToolCall",
    "User",
    "WebSession",
    "passage_hash",
]
