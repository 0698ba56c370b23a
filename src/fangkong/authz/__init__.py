from fangkong.authz.policy import Decision, allowed, require
from fangkong.authz.scope import SYSTEM, Actor, in_subtree, scoped

__all__ = ["SYSTEM", "Actor", "Decision", "allowed", "in_subtree", "require", "scoped"]
