"""DUR002 good: the same effects inside steps; pure work in the body."""

import datetime
import json
import random
import uuid
from pathlib import Path

import boto3
import inngest
import requests

client = inngest.Inngest(app_id="examples")
s3 = boto3.client("s3")


def fetch(url: str) -> dict[str, object]:
    return requests.get(url, timeout=5).json()


def store(order_id: str) -> None:
    s3.put_object(Bucket="b", Key=order_id, Body=b"")
    Path("/tmp/out.json").write_text(json.dumps({"id": order_id}))


@client.create_function(fn_id="effects-ok", trigger=inngest.TriggerEvent(event="app/effects"))
async def effects_ok(ctx: inngest.Context) -> str:
    order_id = await ctx.step.run("new-id", lambda: str(uuid.uuid4()))
    await ctx.step.run("fetch", fetch, "https://api.example.com")
    await ctx.step.run("store", store, order_id)
    await ctx.step.run("pick", lambda: random.choice(["a", "b"]))
    await ctx.step.send_event("done", inngest.Event(name="app/done"))
    deadline = datetime.timedelta(days=1)
    with open("/etc/hostname") as handle:  # reading is fine
        host = handle.read()
    ctx.logger.info("order %s on %s", order_id, host)
    return json.dumps({"id": order_id, "deadline": deadline.total_seconds()})
