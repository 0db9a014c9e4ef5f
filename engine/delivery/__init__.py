"""Delivery: what a PMO reports every month on its running projects.

Status with earned value and red / amber / green (`status`), the RAID log and its risk heat
map (`raid`), health checks (`health`), benefits and post-project reviews (`benefits`), and
the dashboard's figures (`dashboard`). The records themselves are in `records`; gate reviews,
which also steer the plan, are in `engine.gates`. Every figure here is what the workbook's
formulas compute, so the sheets and the engine agree.
"""

from engine.delivery.records import (
    Benefit,
    Delivery,
    DeliverySettings,
    HealthCheck,
    RaidItem,
    RaidStatus,
    RaidType,
    Review,
    StatusReport,
)

__all__ = [
    "Benefit",
    "Delivery",
    "DeliverySettings",
    "HealthCheck",
    "RaidItem",
    "RaidStatus",
    "RaidType",
    "Review",
    "StatusReport",
]
