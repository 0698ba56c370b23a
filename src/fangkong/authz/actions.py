"""Named actions and the roles that hold them. docs/permissions.md lists the same table."""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "dashboard.read": "See aggregate counts, curves and maps of the jurisdiction",
    "jurisdiction.read": "List the jurisdiction tree",
    "jurisdiction.import": "Import or replace jurisdiction nodes and boundaries",
    "person.read": "See person records (ID numbers and phones masked)",
    "person.create": "Register persons",
    "person.update": "Edit person records",
    "person.merge": "Review duplicate persons and merge them",
    "person.unmask": "See full ID numbers and phones (each unmasking is audited)",
    "person.import": "Import persons from CSV/XLSX",
    "case.read": "See cases",
    "case.create": "Register cases",
    "case.update": "Edit case dates, origin, outcome and notes",
    "case.classify": "Change a case's classification or severity",
    "case.import": "Import cases from CSV/XLSX",
    "data.export": "Export lists to CSV (audited; masked unless the role may unmask)",
    "audit.read": "Read and filter the audit log",
    "profile.read": "See protocol profiles, the effective rules of a jurisdiction and where each value comes from",
    "profile.manage": "Select a jurisdiction's protocol profile and override values (with a reason and effective date)",
    "task.read": "See tasks, the team board and notifications",
    "task.create": "Create tasks by hand or by applying an SLA bundle",
    "task.update": "Start, complete (with evidence) or comment on tasks assigned to you or your teams",
    "task.assign": "Assign and re-assign tasks, bulk-assign and bulk-close with a reason",
    "task.supervise": "See the supervision report: SLA attainment per department and step",
    "team.manage": "Create teams, set their department and members",
    "user.manage": "Create users and change their roles",
    "screening.read": "See screening campaigns, rounds, plans, coverage, turnaround and positive pools",
    "screening.manage": "Create and change screening campaigns, their areas and sampling sites; launch and close rounds",
    "screening.sample": "Record samples and tubes, send tubes to the lab, exempt residents from a round",
    "screening.results": "Upload lab results of tubes (CSV/XLSX or FHIR) and resolve rounds",
    "tracing.read": "See investigations, itineraries, exposures, contacts, transmission chains and clusters",
    "tracing.investigate": "Open and edit investigations and their itineraries",
    "tracing.search": "Run exposure searches over the check-in and grid presence store",
    "contact.manage": "Create, confirm, re-categorise, assign and hand over contacts to quarantine",
    "chain.manage": "Record transmission links and manage clusters",
    "venue.import": "Import venues with their place codes",
}

_READ = {"dashboard.read", "jurisdiction.read", "person.read", "case.read", "profile.read", "task.read",
         "screening.read", "tracing.read"}
_TASKS = {"task.update"}

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "commander": frozenset(_READ | _TASKS | {"person.unmask", "data.export", "audit.read", "profile.manage",
                                             "task.create", "task.assign", "task.supervise", "team.manage",
                                             "contact.manage"}),
    "epidemiologist": frozenset(_READ | {
        "person.create", "person.update", "person.merge", "person.unmask", "person.import",
        "case.create", "case.update", "case.classify", "case.import", "data.export", "task.create", "task.assign",
        "tracing.investigate", "tracing.search", "contact.manage", "chain.manage", "venue.import",
    } | _TASKS),
    "lab_operator": frozenset(_READ | _TASKS | {"person.create", "case.create", "person.import", "screening.manage",
                                                "screening.sample", "screening.results"}),
    "quarantine_manager": frozenset(_READ | _TASKS | {"person.update", "person.unmask"}),
    "grid_worker": frozenset(_READ | _TASKS | {"person.create", "person.update", "screening.sample"}),
    "supply_officer": frozenset({"dashboard.read", "jurisdiction.read", "profile.read", "task.read", "task.update",
                                 "screening.read"}),
    "auditor": frozenset(_READ | {"audit.read", "task.supervise"}),
}

ROLE_NAMES_ZH = {
    "admin": "系统管理员", "commander": "指挥长", "epidemiologist": "流调员", "lab_operator": "检测人员",
    "quarantine_manager": "隔离点管理员", "grid_worker": "网格员", "supply_officer": "物资保障员", "auditor": "督查审计员",
}
