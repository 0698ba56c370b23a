"""Teams: a department's working group at one jurisdiction node, and its members."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.auth.models import User
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.errors import Conflict, NotFound
from fangkong.geo import service as geo
from fangkong.geo.levels import prefix
from fangkong.kit.pagination import keyset_page
from fangkong.response.models import Team, TeamMember
from fangkong.response.schemas import TeamCreate, TeamMemberRead, TeamRead


def covers(*, session: Session, holder_code: str, code: str) -> bool:
    """Does the node `holder_code` (a team's or a user's) have `code` in its subtree?"""
    node = geo.get(session=session, code=holder_code)
    return code.startswith(prefix(node.code, node.level))


def ancestors(*, session: Session, code: str) -> list[str]:
    """Codes of the node and its ancestors, nearest first."""
    return [node.code for node in reversed(geo.ancestors(session=session, code=code))]


def get_team(*, session: Session, actor: Actor, team_id: int, action: str = "task.read") -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team {team_id}", field="team_id")
    require(actor, action, team)
    return team


def _users_in_scope(session: Session, actor: Actor, user_ids: list[int]) -> list[User]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    users = list(session.scalars(scoped(select(User).where(User.id.in_(wanted)), actor, User.jurisdiction_code)))
    missing = set(wanted) - {u.id for u in users}
    if missing:
        raise NotFound(f"no user {min(missing)} in your jurisdiction", field="user_ids")
    return users


def create_team(*, session: Session, actor: Actor, data: TeamCreate) -> Team:
    require(actor, "team.manage", geo.get_in_scope(session=session, actor=actor, code=data.jurisdiction_code))
    exists = select(Team.id).where(Team.jurisdiction_code == data.jurisdiction_code, Team.name == data.name)
    if session.scalar(exists) is not None:
        raise Conflict(f"a team named {data.name} exists at {data.jurisdiction_code}", field="name")
    team = Team(name=data.name, department=data.department, jurisdiction_code=data.jurisdiction_code)
    session.add(team)
    session.flush()
    users = _users_in_scope(session, actor, data.member_ids)
    session.add_all(TeamMember(team_id=team.id, user_id=u.id) for u in users)
    session.flush()
    audit.record(session=session, actor=actor, action="team.create", resource_type="team", resource_id=team.id,
                 jurisdiction_code=team.jurisdiction_code,
                 changes=audit.diff({}, {"name": team.name, "department": team.department,
                                         "members": sorted(u.username for u in users)}))
    return team


def set_members(*, session: Session, actor: Actor, team_id: int, user_ids: list[int]) -> Team:
    """Replace the team's members with `user_ids` (users in the actor's jurisdiction)."""
    team = get_team(session=session, actor=actor, team_id=team_id, action="team.manage")
    users = _users_in_scope(session, actor, user_ids)
    before = sorted(u.username for u in members(session=session, team_ids=[team.id]).get(team.id, []))
    session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    session.add_all(TeamMember(team_id=team.id, user_id=u.id) for u in users)
    session.flush()
    delta = audit.diff({"members": before}, {"members": sorted(u.username for u in users)})
    if delta:
        audit.record(session=session, actor=actor, action="team.update", resource_type="team", resource_id=team.id,
                     jurisdiction_code=team.jurisdiction_code, changes=delta)
    return team


def members(*, session: Session, team_ids: list[int]) -> dict[int, list[User]]:
    stmt = (select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids)).order_by(User.username))
    out: dict[int, list[User]] = {}
    for team_id, user in session.execute(stmt):
        out.setdefault(team_id, []).append(user)
    return out


def to_read(team: Team, users: list[User]) -> TeamRead:
    return TeamRead(id=team.id, name=team.name, department=team.department, jurisdiction_code=team.jurisdiction_code,
                    members=[TeamMemberRead(id=u.id, username=u.username, display_name=u.display_name) for u in users])


def list_teams(*, session: Session, actor: Actor, department: str | None = None, jurisdiction_code: str | None = None,
               limit: int = 200, cursor: str | None = None) -> tuple[list[TeamRead], str | None]:
    """Teams in the actor's subtree with their members, by key."""
    require(actor, "task.read")
    stmt = scoped(select(Team), actor, Team.jurisdiction_code)
    if department:
        stmt = stmt.where(Team.department == department)
    if jurisdiction_code:
        node = geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code)
        stmt = stmt.where(in_subtree(Team.jurisdiction_code, prefix(node.code, node.level)))
    teams, nxt = keyset_page(session, stmt, Team.id, limit=limit, cursor=cursor)
    people = members(session=session, team_ids=[t.id for t in teams])
    return [to_read(t, people.get(t.id, [])) for t in teams], nxt


def choices(*, session: Session, actor: Actor) -> list[Team]:
    """Every team the actor may assign work to (their subtree), for pick lists; ordered by place and name."""
    stmt = scoped(select(Team), actor, Team.jurisdiction_code).order_by(Team.jurisdiction_code, Team.name)
    return list(session.scalars(stmt.limit(1000)))


def team_ids_of(*, session: Session, user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def nearest_team(*, session: Session, chain: list[str], department: str) -> Team | None:
    """The team of `department` at the node or the nearest ancestor (`chain`, nearest first) that has one."""
    found = session.scalars(select(Team).where(Team.jurisdiction_code.in_(chain), Team.department == department)
                            .order_by(Team.id)).all()
    for code in chain:
        for team in found:
            if team.jurisdiction_code == code:
                return team
    return None



def assignable(*, session: Session, actor: Actor, code: str) -> tuple[list[Team], list[User]]:
    """Teams and users the actor may give a task at `code`: in the actor's subtree and covering `code`
    (at the node or an ancestor), for pick lists."""
    chain = ancestors(session=session, code=code)
    found = scoped(select(Team).where(Team.jurisdiction_code.in_(chain)), actor, Team.jurisdiction_code)
    users = scoped(select(User).where(User.jurisdiction_code.in_(chain), User.is_active.is_(True)), actor,
                   User.jurisdiction_code)
    return (list(session.scalars(found.order_by(Team.department, Team.name))),
            list(session.scalars(users.order_by(User.username).limit(500))))
