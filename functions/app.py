"""The Inngest client shared by every function module."""

import inngest

client = inngest.Inngest(app_id="shop")
