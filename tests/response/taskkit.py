"""Shared values for the response tests: places, SLA bundles built by hand (not the profile's), times."""

from __future__ import annotations

from datetime import datetime, timezone

from fangkong.protocols.service import SlaBundle, SlaStep

CITY, HOME, OTHER = "320100", "320102", "320104"
UTC = timezone.utc


# The Shanghai "2+4+24" field investigation (protocols-china.md §3.1), built by hand for the tests.
INVESTIGATION = SlaBundle("investigation", "流调 2+4+24", "Investigation 2+4+24", "case_diagnosed", (
    SlaStep("on_site", "流调队伍到场", "Team on site", 2, "cdc", "investigation", "Shanghai 2022-05-31"),
    SlaStep("core_info", "核心信息", "Core information", 4, "cdc", "investigation", "Shanghai 2022-05-31"),
    SlaStep("report", "流调报告", "Investigation report", 24, "cdc", "investigation", "Shanghai 2022-05-31"),
))
TRANSFER = SlaBundle("contact_transfer", "密接转运", "Contact transfer", "contact_found", (
    SlaStep("transfer", "密接转运至隔离点", "Transfer to a facility", 12, "quarantine", "transfer", "ed8"),
    SlaStep("verify", "社区核查", "Community check", 8, "community", "verification", "county practice"),
))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
