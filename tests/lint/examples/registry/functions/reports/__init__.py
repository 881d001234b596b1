"""A subpackage with its own list; it counts because the top registry splices it in."""

from .daily import daily_report

functions = [daily_report]
