"""The function registry: the Lambda serves every function in `functions`.

Add a module next to this one, create functions with `client.create_function(...)`, and list
them below. `python -m inngest_lambda lint functions` checks that nothing is left out.
"""

from functions.app import client
from functions.orders import fulfil_order, notify_customer

__all__ = ["client", "functions"]

functions = [fulfil_order, notify_customer]
