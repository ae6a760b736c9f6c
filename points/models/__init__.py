"""The points domain's models: the ledger, service hours, rules and totals."""

from .ledger import AppendOnlyError, Category, Kind, PointsEntry
from .rules import Audience, PointsPolicy, PointsRule
from .service import ServiceRecord
from .totals import PersonTotal, Population, ScopeTotal

__all__ = [
    "AppendOnlyError",
    "Audience",
    "Category",
    "Kind",
    "PersonTotal",
    "PointsEntry",
    "PointsPolicy",
    "PointsRule",
    "Population",
    "ScopeTotal",
    "ServiceRecord",
]
