"""The sample event the expression tests evaluate against (an Inngest event with `data`)."""


def event(data=None, **fields):
    base = {"name": "shop/order.created", "id": "01HX0", "ts": 1700000000000, "v": "1"}
    base.update(fields)
    base["data"] = {} if data is None else data
    return base
