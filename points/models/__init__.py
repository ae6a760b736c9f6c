"""The points domain's models: the ledger, service hours, rules, totals, rewards, certificates,
the deliveries of 双报到反馈."""

from .certificates import Certificate, CertificateSettings, ImmutableCertificateError
from .deliveries import DualReportDelivery
from .ledger import AppendOnlyError, Category, Kind, PointsEntry
from .rewards import Redemption, Reward
from .rules import Audience, PointsPolicy, PointsRule
from .service import ServiceRecord
from .snapshots import Objection, RankingSnapshot, RankingSnapshotRow
from .totals import Measure, PersonTotal, Population, RankingValueCount, ScopeTotal

__all__ = [
    "AppendOnlyError",
    "Audience",
    "Category",
    "Certificate",
    "CertificateSettings",
    "DualReportDelivery",
    "ImmutableCertificateError",
    "Kind",
    "Measure",
    "Objection",
    "PersonTotal",
    "PointsEntry",
    "PointsPolicy",
    "PointsRule",
    "Population",
    "RankingSnapshot",
    "RankingSnapshotRow",
    "RankingValueCount",
    "Redemption",
    "Reward",
    "ScopeTotal",
    "ServiceRecord",
]
