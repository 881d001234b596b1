"""Registry fixture: the list references functions in every way the resolver supports."""

from functions import billing
from functions.shipping import ship_order

from . import orders
from .reports import functions as report_functions

functions = [orders.process_order, billing.charge, ship_order, *report_functions]
functions += [orders.refund]
functions.append(billing.refund_charge)
