"""Every ORM model, imported once so Alembic and the app see the whole schema."""

from fangkong.audit.models import AuditEntry
from fangkong.auth.models import User, WebSession
from fangkong.cases.models import Case, ClassificationChange
from fangkong.db import Base
from fangkong.geo.models import Jurisdiction
from fangkong.interop.models import ImportBatch
from fangkong.notify.models import Notification
from fangkong.people.models import DuplicateCandidate, Person
from fangkong.protocols.models import ProfileOverride, ProfileSelection
from fangkong.response.models import Task, TaskAttachment, TaskEvent, Team, TeamMember
from fangkong.screening.models import (
    Area, Campaign, Exemption, GridCount, Isolation, Round, Sample, Site, Tube, TubeResult,
)
from fangkong.tracing.models import (
    Cluster, ClusterCase, Contact, Exposure, ExposureSearch, Investigation, ItineraryEntry, PlacementRequest,
    TransmissionLink, Venue,
)

__all__ = [
    "Area", "AuditEntry", "Base", "Campaign", "Exemption", "GridCount", "Isolation", "Round", "Sample", "Site",
    "Tube", "TubeResult", "Case", "ClassificationChange", "DuplicateCandidate", "ImportBatch",
    "Jurisdiction", "Notification", "Person", "ProfileOverride", "ProfileSelection", "Task", "TaskAttachment", "TaskEvent", "Team", "TeamMember", "User",
    "WebSession", "Cluster", "ClusterCase", "Contact", "Exposure", "ExposureSearch", "Investigation",
    "ItineraryEntry", "PlacementRequest", "TransmissionLink", "Venue",
]
