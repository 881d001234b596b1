"""DUR002 bad: side effects and non-determinism in the function body."""

import os
import random
import shutil
import socket
import subprocess
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import boto3
import httpx
import inngest
import requests

client = inngest.Inngest(app_id="examples")
s3 = boto3.client("s3")


def notify(text: str) -> None:
    requests.post("https://hooks.example.com", json={"text": text})


@client.create_function(fn_id="effects", trigger=inngest.TriggerEvent(event="app/effects"))
async def effects(ctx: inngest.Context) -> str:
    order_id = str(uuid.uuid4())  # expect: DUR002
    started = datetime.now()  # expect: DUR002
    pick = random.choice(["a", "b"])  # expect: DUR002
    response = requests.get("https://api.example.com")  # expect: DUR002
    body = httpx.get("https://api.example.com").text  # expect: DUR002
    urllib.request.urlopen("https://api.example.com")  # expect: DUR002
    socket.create_connection(("example.com", 80))  # expect: DUR002
    table = boto3.resource("dynamodb").Table("orders")  # expect: DUR002
    table.put_item(Item={"id": order_id})  # expect: DUR002
    s3.put_object(Bucket="b", Key=order_id, Body=b"")  # expect: DUR002
    with open("/tmp/out.txt", "w") as handle:  # expect: DUR002
        handle.write(pick)
    Path("/tmp/out.json").write_text(body)  # expect: DUR002
    os.remove("/tmp/out.txt")  # expect: DUR002
    shutil.rmtree("/tmp/cache")  # expect: DUR002
    subprocess.run(["true"], check=True)  # expect: DUR002
    client.send_sync(inngest.Event(name="app/done"))  # expect: DUR002
    notify("started")  # expect: DUR002
    await ctx.step.run("use", lambda: None)
    return f"{started}{response.status_code}"
